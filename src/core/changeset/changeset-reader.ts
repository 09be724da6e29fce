/**
 * Reads and checks a changeset (format: changeset-format.ts) whole, before anything is applied: the
 * fields in any order, each once, nothing else; the lists sorted; every value copied into our
 * canonical encoding (core/codec/msgpack-reader.ts). Anything else is a `BadChangesetError` naming
 * the field and the path in it.
 */

import { type LastString, MsgpackReadError, MsgpackReader } from "../codec/msgpack-reader.js";
import { MsgpackWriter } from "../codec/msgpack-writer.js";
import { typeName } from "../codec/type-name.js";
import { BadChangesetError } from "../errors.js";
import {
  CHANGESET_FIELDS,
  CHANGESET_FORMAT,
  CHANGESET_VERSION,
  type Changeset,
} from "./changeset-format.js";

type Field = (typeof CHANGESET_FIELDS)[number];

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
      if (!(CHANGESET_FIELDS as readonly string[]).includes(name)) {
        r.fail(
          `has an unknown field ${JSON.stringify(name)} (this version of swarmstate reads ` +
            `changesets of version ${CHANGESET_VERSION}, fields ${CHANGESET_FIELDS.join(", ")})`,
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
    const missing = CHANGESET_FIELDS.filter((field) => !seen.has(field));
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
   * that the pairs are in order, each once. Values are copied one after another into one
   * encoding, then cut into a string each.
   */
  private readList(size: 2 | 3, into: string[]): void {
    const r: MsgpackReader = this.reader;
    const count = r.arrayHeader();
    if (count === undefined) r.fail(`must be an array, got ${r.describeNext()}`);
    const shape = size === 2 ? "[namespace, key] pair" : "[namespace, key, value] triple";
    const w = this.writer;
    w.begin();
    const first = into.length;
    /** Where each value starts and ends in the copy. */
    const ranges: number[] = [];
    const namespaces: LastString = { start: 0, length: 0, value: null };
    let namespace = "";
    let key = "";
    for (let i = 0; i < count; i++) {
      r.steps.push(i);
      const items = r.arrayHeader();
      if (items !== size) {
        const got = items === undefined ? r.describeNext() : `an array of ${items}`;
        r.fail(`must be a ${shape}, got ${got}`);
      }
      const namespace0 = namespace;
      const key0 = key;
      namespace = this.name(0, "namespace", namespaces);
      key = this.name(1, "key");
      if (i > 0 && !isAfter(namespace, key, namespace0, key0)) {
        r.fail(
          `${show(namespace, key)} is out of order: pairs are sorted by namespace, then key ` +
            "(JavaScript string order), each once",
        );
      }
      into.push(namespace, key);
      if (size === 3) {
        r.steps.push(2);
        ranges.push(w.offset);
        r.value(w);
        ranges.push(w.offset);
        into.push(""); // the value, below
        r.steps.pop();
      }
      r.steps.pop();
    }
    const values = w.finish();
    for (let v = 0, slot = first + 2; v < ranges.length; v += 2, slot += 3) {
      into[slot] = values.toString("latin1", ranges[v], ranges[v + 1]);
    }
  }

  private name(index: number, what: string, last?: LastString): string {
    const r: MsgpackReader = this.reader;
    r.steps.push(index);
    const name = r.string(last);
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
