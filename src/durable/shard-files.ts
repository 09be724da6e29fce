/**
 * One durable shard's files: an lmdb environment in `<path>/shard-<i>/`, opened and written only
 * by that shard's thread. This module is the one place that knows the on-disk format.
 *
 * Layout, format version 1. Every value is a record: a CRC-32 of the payload (4 bytes,
 * big-endian), then the payload, standard msgpack. lmdb has no checksums of its own.
 *
 * | table        | key                    | record                                                  |
 * | ------------ | ---------------------- | ------------------------------------------------------- |
 * | `meta`       | `"format"`             | `{ format: "swarmstate.shard", version, shard, shards,` |
 * |              |                        | `  store }`, written once when the shard is created     |
 * | `meta`       | `"checkpoint"`         | `CheckpointInfo`: which generation of `checkpoint` to   |
 * |              |                        | read and which log records it replaces                  |
 * | `log`        | seq (uint32, from 1)   | `LogRecord`: one applied batch's writes, or one cut     |
 * | `checkpoint` | `[generation, chunk]`  | a chunk of the shard's script (core/shard-script.ts)    |
 *
 * The shard's state is the checkpoint's script replayed, then every log record after
 * `CheckpointInfo.seq`, in order (core/mutations.ts): a batch or a snapshot costs what it wrote,
 * once, as one appended record (in-place updates of scattered keys would rewrite a B-tree page
 * per key). Mutations are written as `[code, ...args]`, a set's value as msgpack bin (the value's
 * own msgpack bytes).
 *
 * Transactions: each appended record is committed with whatever else the thread wrote in the
 * same turn of its event loop (concurrent batches share one commit and one flush), by lmdb's
 * writer thread or, for a shard in the store's own thread, synchronously (lmdb-writes.ts). A
 * checkpoint is written as chunks under a new generation in as many commits as it takes; one
 * last commit points `"checkpoint"` at it and deletes the old generation and the log records it
 * replaces, so a crash at any point leaves one complete checkpoint in use (a half-written
 * generation is deleted at the next open).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import { type Database, open, type RootDatabase } from "lmdb";
import { Packr } from "msgpackr";
import { StoreDamagedError } from "../core/errors.js";
import { MUT_ARITY, Mut, type Mutations, type MutCode } from "../core/mutations.js";
import { checkLmdbFile } from "./lmdb-check.js";
import { type LmdbWrites, lmdbWrites, type WriteMode } from "./lmdb-writes.js";
import { ioError, isSystemError, onDisk } from "./system-error.js";

const FORMAT = "swarmstate.shard";
const VERSION = 1;

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
  /** The client's `sent` vector when it sent it (core/cut.ts). */
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

export type LogRecord = BatchRecord | CutRecord;

/** What the store keeps of a snapshot besides its contents. */
export interface SnapshotFacts {
  id: number;
  parent: number | null;
  timestamp: number;
}

/** Which checkpoint is in use. */
export interface CheckpointInfo {
  generation: number;
  /** Chunks in it. */
  chunks: number;
  /** The last log record it replaces (0: none). */
  seq: number;
  /** The cut it was taken at (0: none). */
  cut: number;
  /** Per client, how many of its batches it holds (core/cut.ts), for the rule at recovery. */
  covered: [client: string, seq: number][];
  /** The snapshots it holds, and the highest snapshot id the store had handed out. */
  snapshots: SnapshotFacts[];
  lastSnapshotId: number;
  /** Its size in bytes (records), which sets when the next one is due. */
  bytes: number;
}

const EMPTY_CHECKPOINT: CheckpointInfo = {
  generation: 0,
  chunks: 0,
  seq: 0,
  cut: 0,
  covered: [],
  snapshots: [],
  lastSnapshotId: 0,
  bytes: 0,
};

/** A checkpoint is due once the log holds this many bytes and more than the checkpoint itself. */
const MIN_LOG_BYTES = 4 * 2 ** 20;

const packr = new Packr({ useRecords: false, moreTypes: false });

export class ShardFiles {
  private readonly env: RootDatabase;
  private readonly meta: Database<Buffer, string>;
  private readonly log: Database<Buffer, number>;
  private readonly checkpoints: Database<Buffer, [number, number]>;
  private readonly writes: LmdbWrites;
  private lastSeq = 0;
  private checkpoint: CheckpointInfo = EMPTY_CHECKPOINT;
  /** Bytes of log records after the checkpoint. */
  private logBytes = 0;

  /**
   * Opens (or creates) the files of one shard.
   * @throws StoreDamagedError if they are damaged or belong to another store or shard.
   */
  constructor(
    readonly dir: string,
    private readonly identity: ShardIdentity,
    mode: WriteMode,
  ) {
    onDisk(dir, "create the shard's directory", () => mkdirSync(dir, { recursive: true }));
    checkLmdbFile(join(dir, "data.mdb"), dir);
    try {
      this.env = open({ path: dir, maxDbs: 4 });
      this.meta = this.env.openDB({ name: "meta", encoding: "binary" });
      this.log = this.env.openDB({ name: "log", encoding: "binary", keyEncoding: "uint32" });
      this.checkpoints = this.env.openDB({ name: "checkpoint", encoding: "binary" });
    } catch (error) {
      if (isSystemError(error)) throw ioError(dir, "open the shard's files", error);
      throw damaged(dir, `lmdb cannot open it (${(error as Error).message})`, error);
    }
    this.writes = lmdbWrites(this.env, mode);
    this.checkFormat();
  }

  /** The checkpoint in use, then every log record after it, read and checked. */
  read(): { checkpoint: CheckpointInfo; records: [seq: number, record: LogRecord][] } {
    const info = this.meta.getBinary("checkpoint");
    this.checkpoint =
      info === undefined
        ? EMPTY_CHECKPOINT
        : (this.decode(info, "checkpoint info") as CheckpointInfo);
    const records: [number, LogRecord][] = [];
    this.logBytes = 0;
    for (const { key, value } of this.log.getRange({ start: this.checkpoint.seq + 1 })) {
      records.push([key, this.decodeRecord(value, `log record ${key}`)]);
      this.logBytes += value.length;
      this.lastSeq = key;
    }
    this.lastSeq = Math.max(this.lastSeq, this.checkpoint.seq);
    return { checkpoint: this.checkpoint, records };
  }

  /** The chunks of the checkpoint in use, in order, read and checked. */
  *checkpointChunks(): Generator<Mutations> {
    const { generation, chunks } = this.checkpoint;
    for (let chunk = 0; chunk < chunks; chunk++) {
      const bytes = this.checkpoints.getBinary([generation, chunk]);
      if (bytes === undefined) {
        throw damaged(this.dir, `checkpoint ${generation} lacks chunk ${chunk} of ${chunks}`);
      }
      yield fromDisk(this.decode(bytes, `checkpoint chunk ${chunk}`) as DiskMutations);
    }
  }

  /** Removes what a crash left behind: other generations' chunks, and `seqs` (dropped records). */
  async clean(seqs: number[]): Promise<void> {
    const { generation } = this.checkpoint;
    await this.writes.transaction(() => {
      for (const seq of seqs) this.log.removeSync(seq);
      for (const key of this.checkpoints.getKeys()) {
        if (key[0] !== generation) this.checkpoints.removeSync(key);
      }
    });
    await this.writes.flushed();
  }

  /** Appends `record`; resolves once it is on disk (flushed). */
  append(record: LogRecord): Promise<void> {
    const bytes = encodeRecord(toDiskRecord(record));
    this.lastSeq++;
    this.logBytes += bytes.length;
    this.writes.put(this.log, this.lastSeq, bytes, true);
    return this.flushed();
  }

  /** Resolves once everything appended so far is on disk. */
  flushed(): Promise<void> {
    return this.writes.flushed();
  }

  /**
   * Puts everything written so far on disk before returning, for a shard in the store's own
   * thread when the process exits (see lmdb-writes.ts).
   */
  commitNow(): void {
    this.writes.commitNow();
  }

  /** The seq of the last record appended. */
  get seq(): number {
    return this.lastSeq;
  }

  /** Whether the log has grown enough for a new checkpoint to pay. */
  get checkpointDue(): boolean {
    return this.logBytes > Math.max(MIN_LOG_BYTES, this.checkpoint.bytes);
  }

  /**
   * Writes a checkpoint replacing every log record up to `info.seq`: the chunks under a new
   * generation, then the switch (see the module comment). Resolves once it is in use.
   */
  async writeCheckpoint(
    chunks: Iterable<Mutations>,
    info: Omit<CheckpointInfo, "generation" | "chunks" | "bytes">,
    yieldBetween: () => Promise<void>,
  ): Promise<void> {
    const generation = this.checkpoint.generation + 1;
    let count = 0;
    let bytes = 0;
    for (const chunk of chunks) {
      const record = encodeRecord(toDisk(chunk));
      bytes += record.length;
      this.writes.put(this.checkpoints, [generation, count++], record, false);
      if (count % 64 === 0) await yieldBetween(); // lets the shard serve between commits
    }
    const next: CheckpointInfo = { ...info, generation, chunks: count, bytes };
    const old = this.checkpoint;
    await this.writes.transaction(() => {
      this.meta.putSync("checkpoint", encodeRecord(next));
      for (let chunk = 0; chunk < old.chunks; chunk++) {
        this.checkpoints.removeSync([old.generation, chunk]);
      }
      for (const seq of this.log.getKeys({ start: old.seq + 1, end: next.seq + 1 })) {
        this.log.removeSync(seq);
      }
    });
    await this.writes.flushed();
    this.checkpoint = next;
    // What the log held past the checkpoint's seq stays; its size is what counts from now.
    this.logBytes = 0;
    for (const { value } of this.log.getRange({ start: next.seq + 1 }))
      this.logBytes += value.length;
  }

  async close(): Promise<void> {
    await this.writes.flushed();
    await this.env.close();
  }

  private checkFormat(): void {
    const stored = this.meta.getBinary("format");
    const expected = { format: FORMAT, version: VERSION, ...this.identity };
    if (stored === undefined) {
      if (this.log.getKeysCount() > 0) throw damaged(this.dir, "it has records but no format");
      this.meta.putSync("format", encodeRecord(expected));
      return;
    }
    const found = this.decode(stored, "format") as typeof expected;
    if (found.format !== FORMAT || found.version !== VERSION) {
      throw damaged(
        this.dir,
        `it holds ${JSON.stringify(found.format)} version ${found.version}, not ${FORMAT} version ${VERSION}`,
      );
    }
    for (const field of ["shard", "shards", "store"] as const) {
      if (found[field] !== expected[field]) {
        throw damaged(this.dir, `its ${field} is ${found[field]}, expected ${expected[field]}`);
      }
    }
  }

  private decodeRecord(bytes: Buffer, what: string): LogRecord {
    return fromDiskRecord(this.decode(bytes, what) as DiskRecord);
  }

  private decode(bytes: Buffer, what: string): unknown {
    if (bytes.length < 4 || bytes.readUInt32BE(0) !== crc32(bytes.subarray(4))) {
      throw damaged(this.dir, `${what} fails its checksum`);
    }
    try {
      return packr.unpack(bytes.subarray(4));
    } catch (error) {
      throw damaged(this.dir, `${what} is not msgpack (${(error as Error).message})`, error);
    }
  }
}

function encodeRecord(payload: unknown): Buffer {
  const body = packr.pack(payload);
  const record = Buffer.allocUnsafe(body.length + 4);
  record.writeUInt32BE(crc32(body), 0);
  body.copy(record, 4);
  return record;
}

function damaged(dir: string, problem: string, cause?: unknown): StoreDamagedError {
  return new StoreDamagedError(dir, problem, cause === undefined ? undefined : { cause });
}

/** Mutations as they are written: each set's value as bytes (msgpack bin), not a latin1 string. */
type DiskMutations = (number | string | Buffer)[];

/** A log record as it is written (see `DiskMutations`). */
type DiskRecord = OnDisk<BatchRecord> | OnDisk<CutRecord>;
type OnDisk<R extends { mutations: Mutations }> = Omit<R, "mutations"> & {
  mutations: DiskMutations;
};

function toDisk(mutations: Mutations): DiskMutations {
  return mapValues<string, Buffer>(mutations, (value) => Buffer.from(value, "latin1"));
}

function fromDisk(mutations: DiskMutations): Mutations {
  return mapValues<Buffer, string>(mutations, (value) => value.toString("latin1"));
}

/** `mutations` with each set's value (of type `From`, by the format) replaced by `map` of it. */
function mapValues<From, To>(
  mutations: (number | string | From)[],
  map: (value: From) => To,
): (number | string | To)[] {
  const out: (number | string | From | To)[] = mutations.slice();
  for (let i = 0; i < out.length; i += 1 + MUT_ARITY[out[i] as MutCode]) {
    if (out[i] === Mut.set) out[i + 3] = map(out[i + 3] as From);
  }
  return out as (number | string | To)[];
}

function fromDiskRecord(record: DiskRecord): LogRecord {
  return { ...record, mutations: fromDisk(record.mutations) };
}

function toDiskRecord(record: LogRecord): DiskRecord {
  return { ...record, mutations: toDisk(record.mutations) };
}
