/**
 * The changeset format: the one module that knows it, writing it (`snapshot.changes(base)`) and
 * reading it (`store.apply(changeset)`).
 *
 * Version 1. A changeset is one msgpack map, which any msgpack library reads:
 *
 *     format   "swarmstate.changeset"
 *     version  1
 *     store    id of the store it comes from (a string)
 *     base     id of the snapshot it starts from
 *     target   id of the snapshot it leads to
 *     removed  [[namespace, key], …]          in base, not in target
 *     put      [[namespace, key, value], …]   added or changed, with the target's value
 *
 * `removed` and `put` are each sorted by namespace, then key (JavaScript string order), and
 * name each pair once in both together. Values are embedded as themselves (msgpack values, not
 * bytes): their stored encodings, spliced in without being decoded.
 *
 * Writing: the seven fields in that order, headers in their smallest form (as msgpackr writes
 * them); test/fixtures/changeset-v1.msgpack pins the bytes. Reading: the fields in any order,
 * each once, nothing else; the lists sorted as above; every value copied into our canonical
 * encoding (msgpack-reader.ts), so a changeset written by another library stores exactly what
 * `set` would store for the value it decodes to. Anything else is a {@link BadChangesetError}
 * naming the field and the path in it. A later version bumps `version` and keeps a reader here
 * for each older one.
 */
import type { ChangesToApply, PackedChanges, PackedPairs } from "./batch-format.js";
import { BadChangesetError } from "./errors.js";
import { MsgpackReadError, MsgpackReader } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { typeName } from "./type-name.js";

export const CHANGESET_FORMAT = "swarmstate.changeset";
export const CHANGESET_VERSION = 1;

/** The fields of a changeset besides its lists. */
export interface ChangesetHeader {
  store: string;
  base: number;
  target: number;
}

/** A changeset as read: its lists flat, values in our own encoding (latin1, as stored). */
export interface Changeset extends ChangesetHeader, ChangesToApply {}

// ---------------------------------------------------------------------------------------------
// Writing

/** One namespace's pairs in one shard's list: shards' lists are runs of whole namespaces. */
interface Run {
  namespace: string;
  part: number;
  /** Index of its first pair in the part's list. */
  first: number;
  count: number;
  /** Where its first key starts in the list's joined keys. */
  keyOffset: number;
  /** Where its first value starts in the part's joined values (puts only). */
  valueOffset: number;
}

/**
 * Writes a changeset from the shards' parts (each a `PackedChanges`, namespaces disjoint between
 * them), a slice at a time so that the caller can yield between slices.
 */
export class ChangesetWriter {
  private readonly writer = new MsgpackWriter();
  private readonly removed: Run[];
  private readonly put: Run[];
  /** Each part's joined values as bytes, made when first needed. */
  private readonly values: (Buffer | undefined)[];
  private list: "removed" | "put" | "done" = "removed";
  private run = 0;
  /** Pairs of the current run written so far. */
  private written = 0;
  private keyOffset = 0;
  private valueOffset = 0;

  constructor(
    header: ChangesetHeader,
    private readonly parts: readonly PackedChanges[],
  ) {
    this.removed = runsOf(parts.map((part) => part.removed));
    this.put = runsOf(
      parts.map((part) => part.put),
      parts.map((part) => part.valueLengths),
    );
    this.values = parts.map(() => undefined);
    const w = this.writer;
    w.mapHeader(7);
    w.string("format");
    w.string(CHANGESET_FORMAT);
    w.string("version");
    w.number(CHANGESET_VERSION);
    w.string("store");
    w.string(header.store);
    w.string("base");
    w.number(header.base);
    w.string("target");
    w.number(header.target);
    w.string("removed");
    w.arrayHeader(countOf(this.removed));
    this.startRun();
  }

  /** Writes up to `max` more pairs; returns whether the changeset is complete. */
  write(max: number): boolean {
    let budget = max;
    while (budget > 0 && this.list !== "done") {
      const run = (this.list === "removed" ? this.removed : this.put)[this.run];
      if (run === undefined) {
        this.nextList();
        continue;
      }
      const n = Math.min(budget, run.count - this.written);
      this.writePairs(run, n);
      budget -= n;
      if (this.written === run.count) {
        this.run++;
        this.startRun();
      }
    }
    return this.list === "done";
  }

  /** The changeset's bytes, once {@link write} said it is complete. */
  finish(): Uint8Array {
    if (this.list !== "done") throw new Error("the changeset is not complete yet");
    // A copy of its own size: the writer's chunk is larger.
    return new Uint8Array(this.writer.finish());
  }

  private writePairs(run: Run, n: number): void {
    const w = this.writer;
    const part = this.parts[run.part] as PackedChanges;
    const isPut = this.list === "put";
    const { keys, lengths } = isPut ? part.put : part.removed;
    const values = isPut ? this.valuesOf(run.part) : null;
    for (let i = run.first + this.written, end = i + n; i < end; i++) {
      const keyEnd = this.keyOffset + (lengths[i] as number);
      w.arrayHeader(isPut ? 3 : 2);
      w.string(run.namespace);
      w.string(keys.slice(this.keyOffset, keyEnd));
      this.keyOffset = keyEnd;
      if (values !== null) {
        const valueEnd = this.valueOffset + (part.valueLengths[i] as number);
        w.raw(values, this.valueOffset, valueEnd);
        this.valueOffset = valueEnd;
      }
    }
    this.written += n;
  }

  private nextList(): void {
    if (this.list === "put") {
      this.list = "done";
      return;
    }
    this.list = "put";
    this.run = 0;
    this.writer.string("put");
    this.writer.arrayHeader(countOf(this.put));
    this.startRun();
  }

  private startRun(): void {
    const run = (this.list === "removed" ? this.removed : this.put)[this.run];
    this.written = 0;
    this.keyOffset = run?.keyOffset ?? 0;
    this.valueOffset = run?.valueOffset ?? 0;
  }

  private valuesOf(part: number): Buffer {
    let values = this.values[part];
    if (values === undefined) {
      values = Buffer.from((this.parts[part] as PackedChanges).values, "latin1");
      this.values[part] = values;
    }
    return values;
  }
}

/** The runs of every part's list, in namespace order; `valueLengths` for lists of puts. */
function runsOf(lists: PackedPairs[], valueLengths?: Uint32Array[]): Run[] {
  const runs: Run[] = [];
  lists.forEach(({ namespaces, counts, lengths }, part) => {
    const values = valueLengths?.[part];
    let first = 0;
    let keyOffset = 0;
    let valueOffset = 0;
    namespaces.forEach((namespace, n) => {
      const count = counts[n] as number;
      runs.push({ namespace, part, first, count, keyOffset, valueOffset });
      for (let i = first; i < first + count; i++) {
        keyOffset += lengths[i] as number;
        valueOffset += values?.[i] ?? 0;
      }
      first += count;
    });
  });
  // A namespace lives on one shard: no two runs share one.
  return runs.sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
}

function countOf(runs: Run[]): number {
  return runs.reduce((sum, run) => sum + run.count, 0);
}

// ---------------------------------------------------------------------------------------------
// Reading

const FIELDS = ["format", "version", "store", "base", "target", "removed", "put"] as const;
type Field = (typeof FIELDS)[number];

/**
 * Reads and checks a whole changeset (see the module comment) before anything is applied.
 * @param method how messages name the call, e.g. `"apply"`.
 * @throws TypeError if `bytes` is not a `Uint8Array`; BadChangesetError if it is not a changeset.
 */
export function readChangeset(bytes: unknown, method: string): Changeset {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`${method}: changeset must be a Uint8Array, got ${typeName(bytes)}`);
  }
  try {
    return new ChangesetReader(bytes, `${method}: changeset`).read();
  } catch (error) {
    if (error instanceof MsgpackReadError) throw new BadChangesetError(error.message);
    throw error;
  }
}

class ChangesetReader {
  private readonly reader: MsgpackReader;
  private readonly writer = new MsgpackWriter();
  private readonly changeset: Changeset = {
    store: "",
    base: 0,
    target: 0,
    removed: [],
    put: [],
  };

  constructor(bytes: Uint8Array, root: string) {
    this.reader = new MsgpackReader(bytes, root);
  }

  read(): Changeset {
    const r: MsgpackReader = this.reader;
    const fields = r.mapHeader();
    if (fields === undefined) r.fail(`must be a msgpack map, got ${r.describeNext()}`);
    const seen = new Set<Field>();
    for (let i = 0; i < fields; i++) {
      const name = r.string();
      if (name === undefined) r.fail(`field names must be strings, got ${r.describeNext()}`);
      if (!(FIELDS as readonly string[]).includes(name)) {
        r.fail(
          `has an unknown field ${JSON.stringify(name)} (this version of swarmstate reads ` +
            `changesets of version ${CHANGESET_VERSION}, fields ${FIELDS.join(", ")})`,
        );
      }
      const field = name as Field;
      if (seen.has(field)) r.fail(`has the field ${JSON.stringify(field)} twice`);
      seen.add(field);
      r.steps.push(field);
      this.readField(field);
      r.steps.pop();
    }
    if (!r.atEnd) r.fail("has bytes after its map");
    const missing = FIELDS.filter((field) => !seen.has(field));
    if (missing.length > 0) r.fail(`has no ${missing.map((f) => JSON.stringify(f)).join(", ")}`);
    this.checkDisjoint();
    return this.changeset;
  }

  private readField(field: Field): void {
    const r: MsgpackReader = this.reader;
    const changeset = this.changeset;
    switch (field) {
      case "format": {
        const format = r.string();
        if (format !== CHANGESET_FORMAT) {
          const got = format === undefined ? r.describeNext() : JSON.stringify(format);
          r.fail(`must be ${JSON.stringify(CHANGESET_FORMAT)}, got ${got}`);
        }
        return;
      }
      case "version": {
        const version = r.number();
        if (version === undefined) r.fail(`must be a number, got ${r.describeNext()}`);
        if (Number(version) !== CHANGESET_VERSION) {
          r.fail(
            `${version} is not supported: this version of swarmstate reads changesets of ` +
              `version ${CHANGESET_VERSION}`,
          );
        }
        return;
      }
      case "store": {
        const store = r.string();
        if (store === undefined) r.fail(`must be a string, got ${r.describeNext()}`);
        changeset.store = store;
        return;
      }
      case "base":
      case "target":
        changeset[field] = this.snapshotId();
        return;
      case "removed":
        this.readList(2, changeset.removed);
        return;
      case "put":
        this.readList(3, changeset.put);
        return;
    }
  }

  private snapshotId(): number {
    const r: MsgpackReader = this.reader;
    const id = r.number();
    if (id === undefined) r.fail(`must be a snapshot id, got ${r.describeNext()}`);
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n < 1) r.fail(`must be a snapshot id (1, 2, …), got ${id}`);
    return n;
  }

  /**
   * Reads `removed` (pairs, `size` 2) or `put` (triples, `size` 3) into `into`, flat; checks
   * that the pairs are in order, each once.
   */
  private readList(size: 2 | 3, into: string[]): void {
    const r: MsgpackReader = this.reader;
    const count = r.arrayHeader();
    if (count === undefined) r.fail(`must be an array, got ${r.describeNext()}`);
    const shape = size === 2 ? "[namespace, key] pair" : "[namespace, key, value] triple";
    let namespace = "";
    let key = "";
    for (let i = 0; i < count; i++) {
      r.steps.push(i);
      const items = r.arrayHeader();
      if (items !== size) {
        const got = items === undefined ? r.describeNext() : `an array of ${items}`;
        r.fail(`must be a ${shape}, got ${got}`);
      }
      const previous = [namespace, key];
      namespace = this.name(0, "namespace");
      key = this.name(1, "key");
      if (i > 0 && !isAfter(namespace, key, previous[0] as string, previous[1] as string)) {
        r.fail(
          `${show(namespace, key)} is out of order: pairs are sorted by namespace, then key ` +
            "(JavaScript string order), each once",
        );
      }
      into.push(namespace, key);
      if (size === 3) {
        r.steps.push(2);
        into.push(r.value(this.writer).toString("latin1"));
        r.steps.pop();
      }
      r.steps.pop();
    }
  }

  private name(index: number, what: string): string {
    const r: MsgpackReader = this.reader;
    r.steps.push(index);
    const name = r.string();
    if (name === undefined) r.fail(`the ${what} must be a string, got ${r.describeNext()}`);
    r.steps.pop();
    return name;
  }

  /** Fails on the first pair that is both removed and put (both lists are sorted). */
  private checkDisjoint(): void {
    const { removed, put } = this.changeset;
    let i = 0;
    for (let j = 0; j < put.length; j += 3) {
      const namespace = put[j] as string;
      const key = put[j + 1] as string;
      while (
        i < removed.length &&
        isAfter(namespace, key, removed[i] as string, removed[i + 1] as string)
      ) {
        i += 2;
      }
      if (removed[i] === namespace && removed[i + 1] === key) {
        this.reader.steps.push("put", j / 3);
        this.reader.fail(`${show(namespace, key)} is in "removed" too`);
      }
    }
  }
}

/** Whether `(namespace, key)` comes strictly after `(namespace0, key0)`. */
function isAfter(namespace: string, key: string, namespace0: string, key0: string): boolean {
  return namespace > namespace0 || (namespace === namespace0 && key > key0);
}

function show(namespace: string, key: string): string {
  return `[${JSON.stringify(namespace)}, ${JSON.stringify(key)}]`;
}
