/**
 * What a durable shard's files hold, as typed records, and their encoding: standard msgpack
 * (maps with these field names), each read back field by field. A payload that passed its
 * checksum (frames.ts) but is not the record it claims to be cannot come from a crash, so
 * `decode*` reports it as a `RecordShapeError` naming the field, which `readAt` turns into
 * damage at its file and offset.
 *
 * Mutations (core/replay/mutations.ts) are written as `[code, ...args]`, a set's value as msgpack
 * bin (the value's own msgpack bytes, held in memory as a latin1 string).
 */
import { Packr } from "msgpackr";
import { StoreDamagedError } from "../core/errors.js";
import { MUT_ARITY, Mut, type Mutations, type MutCode } from "../core/replay/mutations.js";

/** What identifies a shard's files; checked at every open. */
export interface ShardIdentity {
  shard: number;
  shards: number;
  store: string;
}

/** A batch one client sent, as logged. */
export interface BatchRecord {
  kind: "batch";
  /** The client, unique across sessions: `session:client`. */
  client: string;
  /** Its number among the client's batches to this shard. */
  seq: number;
  /** The client's `sent` vector when it sent it (core/protocol/cut.ts). */
  sent: number[];
  /** The shards this batch's flush wrote to (for the all-or-nothing rule at recovery). */
  writers: number[];
  mutations: Mutations;
}

/** A cut, as logged: what it did here. */
export interface CutRecord {
  kind: "cut";
  /** The store's cut number. */
  cut: number;
  mutations: Mutations;
  /** For a snapshot: what describes it. */
  snapshot?: SnapshotFacts;
}

/**
 * Records that recovery left out after a crash (durable/recovery.ts): the log is append-only,
 * so they stay in it, and every later read skips them.
 */
export interface DropRecord {
  kind: "drop";
  /** Log positions, each before this record's. */
  dropped: number[];
}

export type LogRecord = BatchRecord | CutRecord;

/** A record in a shard's log, at its position (`at`, from 1, without gaps). */
export interface LogEntry {
  at: number;
  record: LogRecord | DropRecord;
}

/** What the store keeps of a snapshot besides its contents. */
export interface SnapshotFacts {
  id: number;
  parent: number | null;
  timestamp: number;
}

/** What a checkpoint holds besides the shard's script. */
export interface CheckpointInfo {
  /** The last log position it replaces (0: none). */
  at: number;
  /** The cut it was taken at (0: none). */
  cut: number;
  /** Per client, how many of its batches it holds (core/protocol/cut.ts), for the rule at recovery. */
  covered: [client: string, seq: number][];
  /** The snapshots it holds, and the highest snapshot id the store had handed out. */
  snapshots: SnapshotFacts[];
  lastSnapshotId: number;
}

/** A payload that is not the record it claims to be; `message` names the field. */
export class RecordShapeError extends Error {
  override readonly name = "RecordShapeError";
}

const packr = new Packr({ useRecords: false, moreTypes: false });

export function encode(value: unknown): Buffer {
  return packr.pack(value);
}

/** msgpack to plain data; a payload that is not msgpack is a `RecordShapeError`. */
export function decode(payload: Buffer, what: string): unknown {
  try {
    return packr.unpack(payload);
  } catch (error) {
    throw new RecordShapeError(`${what} is not msgpack (${(error as Error).message})`);
  }
}

export function encodeEntry({ at, record }: LogEntry): Buffer {
  const onDisk =
    record.kind === "drop" ? record : { ...record, mutations: mutationsToDisk(record.mutations) };
  return encode([at, onDisk]);
}

export function decodeEntry(payload: Buffer): LogEntry {
  const entry = decode(payload, "the record");
  if (!Array.isArray(entry) || entry.length !== 2) fail("the record", "[position, record]");
  const at = count(entry[0], "the record's position");
  const fields = object(entry[1], "the record");
  switch (fields.kind) {
    case "batch":
      return {
        at,
        record: {
          kind: "batch",
          client: string(fields.client, "batch.client"),
          seq: count(fields.seq, "batch.seq"),
          sent: list(fields.sent, "batch.sent", natural),
          writers: list(fields.writers, "batch.writers", natural),
          mutations: mutationsFromDisk(fields.mutations, "batch.mutations"),
        },
      };
    case "cut": {
      const cut: CutRecord = {
        kind: "cut",
        cut: count(fields.cut, "cut.cut"),
        mutations: mutationsFromDisk(fields.mutations, "cut.mutations"),
      };
      if (fields.snapshot !== undefined) cut.snapshot = facts(fields.snapshot, "cut.snapshot");
      return { at, record: cut };
    }
    case "drop":
      return { at, record: { kind: "drop", dropped: list(fields.dropped, "drop.dropped", count) } };
    default:
      return fail("the record's kind", '"batch", "cut" or "drop"');
  }
}

export function decodeCheckpointInfo(value: unknown, what: string): CheckpointInfo {
  const fields = object(value, what);
  return {
    at: natural(fields.at, `${what}.at`),
    cut: natural(fields.cut, `${what}.cut`),
    covered: list(fields.covered, `${what}.covered`, (pair, where) => {
      if (!Array.isArray(pair) || pair.length !== 2) fail(where, "[client, seq]");
      // A client connected to this shard may have sent it nothing yet: covered up to 0.
      return [string(pair[0], `${where}[0]`), natural(pair[1], `${where}[1]`)];
    }),
    snapshots: list(fields.snapshots, `${what}.snapshots`, facts),
    lastSnapshotId: natural(fields.lastSnapshotId, `${what}.lastSnapshotId`),
  };
}

/**
 * A file's header frame, checked: its format and version, and that it names this shard
 * (`identity`); returns its fields for the rest to be read.
 */
export function decodeHeader(
  payload: Buffer,
  format: string,
  version: number,
  identity: ShardIdentity,
): Record<string, unknown> {
  const header = object(decode(payload, "the header"), "the header");
  if (header.format !== format || header.version !== version) {
    throw new RecordShapeError(
      `the header says ${JSON.stringify(header.format)} version ${String(header.version)}, ` +
        `not ${format} version ${version}`,
    );
  }
  const found = decodeIdentity(header, "the header");
  for (const field of ["shard", "shards", "store"] as const) {
    if (found[field] !== identity[field]) {
      throw new RecordShapeError(
        `the header's ${field} is ${found[field]}, expected ${identity[field]}`,
      );
    }
  }
  return header;
}

/** Damage at byte `offset` of the file at `path`. */
export function damagedAt(path: string, offset: number, problem: string): StoreDamagedError {
  return new StoreDamagedError(path, `at byte ${offset}: ${problem}`);
}

/** Runs `read`; a record that is not what it claims is damage at byte `offset` of `path`. */
export function readAt<T>(path: string, offset: number, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof RecordShapeError) throw damagedAt(path, offset, error.message);
    throw error;
  }
}

function decodeIdentity(value: unknown, what: string): ShardIdentity {
  const fields = object(value, what);
  return {
    shard: natural(fields.shard, `${what}.shard`),
    shards: count(fields.shards, `${what}.shards`),
    store: string(fields.store, `${what}.store`),
  };
}

/** Mutations as they are written: each set's value as bytes, not a latin1 string. */
type DiskMutations = (number | string | Buffer)[];

export function mutationsToDisk(mutations: Mutations): DiskMutations {
  const out: DiskMutations = mutations.slice();
  for (let i = 0; i < out.length; i += 1 + MUT_ARITY[out[i] as MutCode]) {
    if (out[i] === Mut.set) out[i + 3] = Buffer.from(out[i + 3] as string, "latin1");
  }
  return out;
}

/** Mutations read back, each code followed by arguments of the types it takes. */
export function mutationsFromDisk(value: unknown, what: string): Mutations {
  if (!Array.isArray(value)) fail(what, "a list of mutations");
  const out: Mutations = new Array(value.length);
  // The hot loop of every reopening: no string is built unless something is wrong.
  let i = 0;
  while (i < value.length) {
    const code = value[i];
    const arity = typeof code === "number" ? MUT_ARITY[code as MutCode] : undefined;
    if (arity === undefined) fail(`${what}[${i}]`, "a mutation code");
    if (i + arity >= value.length) fail(`${what}[${i}]`, `a mutation with its ${arity} arguments`);
    out[i] = code as MutCode;
    if (code === Mut.set || code === Mut.delete) {
      const namespace = value[i + 1];
      const key = value[i + 2];
      if (typeof namespace !== "string") fail(`${what}[${i + 1}]`, "a string");
      if (typeof key !== "string") fail(`${what}[${i + 2}]`, "a string");
      out[i + 1] = namespace;
      out[i + 2] = key;
      if (code === Mut.set) {
        const bytes = value[i + 3];
        if (!Buffer.isBuffer(bytes)) fail(`${what}[${i + 3}]`, "bytes");
        out[i + 3] = bytes.toString("latin1");
      }
    } else if (arity === 1) {
      const id = value[i + 1];
      if (!Number.isSafeInteger(id) || id < 1) fail(`${what}[${i + 1}]`, "an integer from 1");
      out[i + 1] = id as number;
    }
    i += 1 + arity;
  }
  return out;
}

function facts(value: unknown, what: string): SnapshotFacts {
  const fields = object(value, what);
  return {
    id: count(fields.id, `${what}.id`),
    parent: fields.parent === null ? null : count(fields.parent, `${what}.parent`),
    timestamp: seconds(fields.timestamp, `${what}.timestamp`),
  };
}

function fail(what: string, expected: string): never {
  throw new RecordShapeError(`${what} is not ${expected}`);
}

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(what, "a map");
  return value as Record<string, unknown>;
}

function string(value: unknown, what: string): string {
  return typeof value === "string" ? value : fail(what, "a string");
}

/** A time in seconds since the epoch. */
function seconds(value: unknown, what: string): number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? value
    : fail(what, "a time in seconds");
}

/** An integer from 0. */
function natural(value: unknown, what: string): number {
  return Number.isSafeInteger(value) && (value as number) >= 0
    ? (value as number)
    : fail(what, "an integer from 0");
}

/** An integer from 1. */
function count(value: unknown, what: string): number {
  return Number.isSafeInteger(value) && (value as number) >= 1
    ? (value as number)
    : fail(what, "an integer from 1");
}

function list<T>(value: unknown, what: string, item: (value: unknown, what: string) => T): T[] {
  if (!Array.isArray(value)) fail(what, "a list");
  return value.map((v, i) => item(v, `${what}[${i}]`));
}
