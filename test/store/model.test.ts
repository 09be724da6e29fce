/**
 * The public API against a plain reference model, with generated call sequences (fast-check
 * `commands`), for `shards` 0, 1 and 4 (the last two through real worker threads).
 *
 * The model is the simplest thing that can be right: the live store is a `Map` of `Map`s of
 * encoded values (`dumps`), every snapshot is a whole copy of it, a diff compares two copies key
 * by key (byte-identical = unchanged), and every list is sorted with JavaScript's default order.
 * Expected values are `loads(bytes)`: the codec is the contract, the store is what is tested.
 *
 * Each call's result is checked as it settles; after the last call the whole store and every
 * snapshot ever taken are read back, and every two snapshots are diffed both ways.
 *
 * Changesets: `changes` is checked against the model's diff and its values, byte for byte; an
 * `apply` call applies `sT.changes(sB)` to a replica store (shards: 0), whose model is the
 * replica's contents with the diff's removals and puts applied; when the replica held sB's
 * contents, it must now hold sT's. `snapshots()` must list the model's live snapshots.
 *
 * Refused cuts: on a `RefusingStore` (test/fixtures/refusing-store.ts) a shard can be made to
 * refuse the next cut at prepare, as a full disk does; the cut must reject and change nothing.
 *
 * A failure shrinks to a short sequence printed as calls. Snapshots are named `s1`, `s2`, … by
 * id, which counts every `snapshot()` call in order (bursts included); `burst[…]` is a run of
 * calls made without awaiting, then awaited together; `fill`/`sweep` set/delete many keys.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { StoreHandle } from "../../dist/client/store-handle.js";
import {
  type Diff,
  dumps,
  loads,
  Snapshot,
  SnapshotReleasedError,
  Store,
  type Value,
} from "../../dist/index.js";
import { exact } from "../fixtures/msgpack.js";
import { CutRefused, RefusingStore } from "../fixtures/refusing-store.js";

// ---------------------------------------------------------------------------------------------
// The model

/** namespace → key → encoded value; a namespace without keys is absent. */
type Contents = Map<string, Map<string, Uint8Array>>;
type Pair = [string, string];

interface ModelSnapshot {
  readonly id: number;
  readonly parent: number | null;
  readonly contents: Contents;
  readonly sizeBytes: number;
  released: boolean;
}

class Model {
  live: Contents = new Map();
  /** Every snapshot taken, released ones included; `taken[i]` has id `i + 1`. */
  readonly taken: ModelSnapshot[] = [];
  /** What the replica store holds (see `applyCall`). */
  replica: Contents = new Map();
  /** The snapshot whose contents the replica holds, if it is known to hold one's. */
  replicaMirrors: number | null = null;

  constructor(readonly maxHistory: number | null) {}

  get(namespace: string, key: string): Uint8Array | undefined {
    return this.live.get(namespace)?.get(key);
  }

  set(namespace: string, key: string, value: Value): void {
    let entries = this.live.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      this.live.set(namespace, entries);
    }
    entries.set(key, dumps(value));
  }

  delete(namespace: string, key: string): boolean {
    const entries = this.live.get(namespace);
    if (entries === undefined || !entries.delete(key)) return false;
    if (entries.size === 0) this.live.delete(namespace);
    return true;
  }

  keys(namespace: string): string[] {
    return [...(this.live.get(namespace)?.keys() ?? [])].sort();
  }

  namespaces(): string[] {
    return [...this.live.keys()].sort();
  }

  size(): number {
    let count = 0;
    for (const entries of this.live.values()) count += entries.size;
    return count;
  }

  clear(): void {
    this.live = new Map();
  }

  /** Takes a snapshot and, past `maxHistory`, releases the oldest one still held. */
  snapshot(): ModelSnapshot {
    const id = this.taken.length + 1;
    const snapshot: ModelSnapshot = {
      id,
      parent: id === 1 ? null : id - 1,
      contents: copyOf(this.live),
      sizeBytes: sizeBytesOf(this.live),
      released: false,
    };
    this.taken.push(snapshot);
    const held = this.taken.filter((s) => !s.released);
    const oldest = held[0];
    if (this.maxHistory !== null && held.length > this.maxHistory && oldest !== undefined) {
      oldest.released = true;
    }
    return snapshot;
  }

  holds(id: number): boolean {
    return id >= 1 && id <= this.taken.length;
  }

  snap(id: number): ModelSnapshot {
    const snapshot = this.taken[id - 1];
    if (snapshot === undefined) throw new Error(`test bug: the model took no s${id}`);
    return snapshot;
  }

  restore(id: number): void {
    this.live = copyOf(this.snap(id).contents);
  }

  /** The live snapshots, oldest first. */
  held(): ModelSnapshot[] {
    return this.taken.filter((snapshot) => !snapshot.released);
  }
}

/** `contents` with what it took to get from `base` to `target` done to it: removals, then puts. */
function applied(contents: Contents, target: Contents, base: Contents): Contents {
  const result = copyOf(contents);
  const { added, removed, changed } = diffOf(target, base);
  for (const [namespace, key] of removed) {
    result.get(namespace)?.delete(key);
    if (result.get(namespace)?.size === 0) result.delete(namespace);
  }
  for (const [namespace, key] of [...added, ...changed]) {
    let entries = result.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      result.set(namespace, entries);
    }
    entries.set(key, target.get(namespace)?.get(key) as Uint8Array);
  }
  return result;
}

function copyOf(contents: Contents): Contents {
  return new Map([...contents].map(([namespace, entries]) => [namespace, new Map(entries)]));
}

function sizeBytesOf(contents: Contents): number {
  let bytes = 0;
  for (const entries of contents.values()) {
    for (const value of entries.values()) bytes += value.length;
  }
  return bytes;
}

function pairsOf(contents: Contents): Pair[] {
  const pairs: Pair[] = [];
  for (const namespace of [...contents.keys()].sort()) {
    const keys = [...(contents.get(namespace)?.keys() ?? [])].sort();
    for (const key of keys) pairs.push([namespace, key]);
  }
  return pairs;
}

/** What happened to get from `base` to `target`, comparing the two copies key by key. */
function diffOf(target: Contents, base: Contents): Diff {
  const diff: Diff = { added: [], removed: [], changed: [] };
  const namespaces = new Set([...base.keys(), ...target.keys()]);
  for (const namespace of [...namespaces].sort()) {
    const before = base.get(namespace);
    const after = target.get(namespace);
    const keys = new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])]);
    for (const key of [...keys].sort()) {
      const old = before?.get(key);
      const now = after?.get(key);
      if (old === undefined && now !== undefined) diff.added.push([namespace, key]);
      else if (old !== undefined && now === undefined) diff.removed.push([namespace, key]);
      else if (old !== undefined && now !== undefined && Buffer.compare(old, now) !== 0) {
        diff.changed.push([namespace, key]);
      }
    }
  }
  return diff;
}

// ---------------------------------------------------------------------------------------------
// Checking outcomes

interface Real {
  store: StoreHandle;
  /** A `RefusingStore`'s: the next cut placed is refused by shard `shard`. */
  refuseNextCut?: (shard: number) => void;
  /** The snapshots the store handed out, by id. */
  snapshots: Map<number, Snapshot>;
  /** Where `applyCall` applies changesets (shards: 0). */
  replica: Store;
  /** The store id every changeset of `store` names, once one was read. */
  storeId?: string;
  /** A durable store's: closes `store` and opens it again from its files. */
  reopen?: () => Promise<void>;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Outcome<T>> {
  return promise.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

function resolved<T>(outcome: Outcome<T>, call: string): T {
  if (!outcome.ok) {
    throw new Error(`${call} rejected: ${String(outcome.error)}`, { cause: outcome.error });
  }
  return outcome.value;
}

function rejected(
  outcome: Outcome<unknown>,
  errorClass: abstract new (...args: never[]) => Error,
  call: string,
): void {
  if (outcome.ok) {
    throw new Error(`${call} resolved to ${fc.stringify(outcome.value)}, not ${errorClass.name}`);
  }
  expect(outcome.error, call).toBeInstanceOf(errorClass);
}

/** The value a read must return for stored bytes: what the codec decodes them to. */
function decoded(bytes: Uint8Array | undefined): Value | undefined {
  return bytes === undefined ? undefined : loads(bytes);
}

/** Buffers as plain `Uint8Array`s, so that a `Buffer` and a `Uint8Array` compare equal. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

function expectValue(actual: unknown, expected: unknown, call: string): void {
  expect(comparable(actual), call).toEqual(comparable(expected));
}

/** Overwrites a value in place: the store must have kept its own copy (or handed out a fresh one). */
function scramble(value: unknown): void {
  if (value instanceof Uint8Array) {
    value.fill(0xee);
  } else if (Array.isArray(value)) {
    for (const item of value) scramble(item);
    value.splice(0, value.length, "scrambled");
  } else if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      scramble(record[key]);
      record[key] = "scrambled";
    }
    record.scrambled = true;
  }
}

function snapshotOf(r: Real, id: number): Snapshot {
  const snapshot = r.snapshots.get(id);
  if (snapshot === undefined) throw new Error(`test bug: the store handed out no s${id}`);
  return snapshot;
}

// ---------------------------------------------------------------------------------------------
// Calls: each is made on the store and applied to the model synchronously, in `issue`, which
// returns the check of its outcome. A command awaits one call; a burst issues several first.

interface Call {
  readonly label: string;
  /** Ids of the snapshots it names: they must have been taken before the command starts. */
  readonly uses: readonly number[];
  issue(m: Model, r: Real): Promise<void>;
}

const q = (name: string) => JSON.stringify(name);
const show = (value: unknown) => fc.stringify(value);
const FALLBACK = "fallback";

function setCall(namespace: string, key: string, value: Value): Call {
  const label = `set(${q(namespace)}, ${q(key)}, ${show(value)})`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const mine = structuredClone(value);
      const done = r.store.set(namespace, key, mine);
      scramble(mine); // after the call, before it resolves: what was stored must not change
      m.set(namespace, key, value);
      return settle(done).then((o) => expect(resolved(o, label), label).toBeUndefined());
    },
  };
}

type Item = [string, string, Value];

function setManyCall(items: Item[], label = `setMany(${show(items)})`): Call {
  return {
    label,
    uses: [],
    issue(m, r) {
      const mine = structuredClone(items);
      const done = r.store.setMany(mine);
      scramble(mine);
      for (const [namespace, key, value] of items) m.set(namespace, key, value);
      return settle(done).then((o) => expect(resolved(o, label), label).toBeUndefined());
    },
  };
}

/**
 * Keys "f0", "f1", … of one namespace written by one `setMany`: the small alphabet never puts
 * more than four keys in a namespace, and a namespace's map grows (splits buckets) past eight.
 */
function fillCall(namespace: string, count: number, value: Value): Call {
  const items = Array.from({ length: count }, (_, i): Item => [namespace, `f${i}`, value]);
  return setManyCall(items, `fill(${q(namespace)}, ${count}, ${show(value)}) /* setMany "f0"… */`);
}

/** Deletes keys "f0", "f1", … of one namespace, without awaiting in between. */
function sweepCall(namespace: string, count: number): Call {
  const deletes = Array.from({ length: count }, (_, i) => deleteCall(namespace, `f${i}`));
  return {
    label: `sweep(${q(namespace)}, ${count}) /* delete "f0"… unawaited */`,
    uses: [],
    async issue(m, r) {
      await Promise.all(deletes.map((call) => call.issue(m, r)));
    },
  };
}

interface BadItem {
  item: unknown;
  error: typeof TypeError | typeof RangeError;
}

/** One invalid item among valid ones: the whole call is refused and nothing is written. */
function setManyBadCall(before: Item[], bad: BadItem, after: Item[]): Call {
  const items = [...before, bad.item, ...after];
  const label = `setMany(${show(items)}) /* refused */`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const pairs: Pair[] = [...before, ...after].map(([namespace, key]) => [namespace, key]);
      const expected = pairs.map(([namespace, key]) => decoded(m.get(namespace, key)));
      const size = m.size();
      const done = r.store.setMany(items as Item[]);
      const reads = settle(Promise.all([r.store.getMany(pairs), r.store.size()]));
      return settle(done).then(async (o) => {
        rejected(o, bad.error, label);
        const [values, count] = resolved(await reads, `${label}, then getMany(), size()`);
        expectValue(values, expected, `${label}, then getMany(${show(pairs)})`);
        expect(count, `${label}, then size()`).toBe(size);
      });
    },
  };
}

function getCall(namespace: string, key: string, withFallback: boolean): Call {
  const label = withFallback
    ? `get(${q(namespace)}, ${q(key)}, ${q(FALLBACK)})`
    : `get(${q(namespace)}, ${q(key)})`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const stored = decoded(m.get(namespace, key));
      const expected = stored === undefined && withFallback ? FALLBACK : stored;
      const done = withFallback
        ? r.store.get(namespace, key, FALLBACK)
        : r.store.get(namespace, key);
      return settle(done).then((o) => {
        const value = resolved(o, label);
        expectValue(value, expected, label);
        scramble(value); // each get hands out a fresh object
      });
    },
  };
}

function getManyCall(pairs: Pair[]): Call {
  const label = `getMany(${show(pairs)})`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const expected = pairs.map(([namespace, key]) => decoded(m.get(namespace, key)));
      return settle(r.store.getMany(pairs)).then((o) => {
        const values = resolved(o, label);
        expect(values.length, label).toBe(pairs.length);
        expectValue(values, expected, label);
      });
    },
  };
}

function hasCall(namespace: string, key: string): Call {
  const label = `has(${q(namespace)}, ${q(key)})`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const expected = m.get(namespace, key) !== undefined;
      return settle(r.store.has(namespace, key)).then((o) =>
        expect(resolved(o, label), label).toBe(expected),
      );
    },
  };
}

function deleteCall(namespace: string, key: string): Call {
  const label = `delete(${q(namespace)}, ${q(key)})`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const done = r.store.delete(namespace, key);
      const expected = m.delete(namespace, key);
      return settle(done).then((o) => expect(resolved(o, label), label).toBe(expected));
    },
  };
}

function keysCall(namespace: string): Call {
  const label = `keys(${q(namespace)})`;
  return {
    label,
    uses: [],
    issue(m, r) {
      const expected = m.keys(namespace);
      return settle(r.store.keys(namespace)).then((o) =>
        expect(resolved(o, label), label).toEqual(expected),
      );
    },
  };
}

const namespacesCall: Call = {
  label: "namespaces()",
  uses: [],
  issue(m, r) {
    const expected = m.namespaces();
    return settle(r.store.namespaces()).then((o) =>
      expect(resolved(o, this.label), this.label).toEqual(expected),
    );
  },
};

const sizeCall: Call = {
  label: "size()",
  uses: [],
  issue(m, r) {
    const expected = m.size();
    return settle(r.store.size()).then((o) =>
      expect(resolved(o, this.label), this.label).toBe(expected),
    );
  },
};

const clearCall: Call = {
  label: "clear()",
  uses: [],
  issue(m, r) {
    const done = r.store.clear();
    m.clear();
    return settle(done).then((o) => expect(resolved(o, this.label), this.label).toBeUndefined());
  },
};

const snapshotCall: Call = {
  label: "snapshot()",
  uses: [],
  issue(m, r) {
    const done = r.store.snapshot();
    const expected = m.snapshot();
    const label = `snapshot() /* s${expected.id} */`;
    return settle(done).then((o) => {
      const snapshot = resolved(o, label);
      expect(snapshot, label).toBeInstanceOf(Snapshot);
      const { id, parent, sizeBytes } = snapshot;
      expect({ id, parent, sizeBytes }, label).toEqual({
        id: expected.id,
        parent: expected.parent,
        sizeBytes: expected.sizeBytes,
      });
      expect(Number.isFinite(snapshot.timestamp), `${label}.timestamp`).toBe(true);
      r.snapshots.set(expected.id, snapshot);
    });
  },
};

function restoreCall(id: number): Call {
  const label = `restore(s${id})`;
  return {
    label,
    uses: [id],
    issue(m, r) {
      const done = r.store.restore(snapshotOf(r, id));
      const released = m.snap(id).released;
      if (!released) m.restore(id);
      return settle(done).then((o) =>
        released
          ? rejected(o, SnapshotReleasedError, label)
          : expect(resolved(o, label), label).toBeUndefined(),
      );
    },
  };
}

/** Releasing a released snapshot is a no-op (Snapshot.release's documented behaviour). */
function releaseCall(id: number): Call {
  const label = `s${id}.release()`;
  return {
    label,
    uses: [id],
    issue(m, r) {
      const done = snapshotOf(r, id).release();
      m.snap(id).released = true;
      return settle(done).then((o) => expect(resolved(o, label), label).toBeUndefined());
    },
  };
}

function diffCall(target: number, base: number): Call {
  const label = `s${target}.diff(s${base})`;
  return {
    label,
    uses: [target, base],
    issue(m, r) {
      const done = snapshotOf(r, target).diff(snapshotOf(r, base));
      const [t, b] = [m.snap(target), m.snap(base)];
      const released = t.released || b.released; // at the call, not when it settles
      const expected = diffOf(t.contents, b.contents);
      return settle(done).then((o) =>
        released
          ? rejected(o, SnapshotReleasedError, label)
          : expect(resolved(o, label), label).toEqual(expected),
      );
    },
  };
}

function snapshotGetCall(id: number, namespace: string, key: string, withFallback: boolean): Call {
  const args = withFallback
    ? `${q(namespace)}, ${q(key)}, ${q(FALLBACK)}`
    : `${q(namespace)}, ${q(key)}`;
  const label = `s${id}.get(${args})`;
  return {
    label,
    uses: [id],
    issue(m, r) {
      const snapshot = snapshotOf(r, id);
      const done = withFallback
        ? snapshot.get(namespace, key, FALLBACK)
        : snapshot.get(namespace, key);
      const { contents, released } = m.snap(id);
      const stored = decoded(contents.get(namespace)?.get(key));
      const expected = stored === undefined && withFallback ? FALLBACK : stored;
      return settle(done).then((o) => {
        if (released) return rejected(o, SnapshotReleasedError, label);
        const value = resolved(o, label);
        expectValue(value, expected, label);
        scramble(value);
      });
    },
  };
}

/** Decodes keeping 64-bit integers as bigints: re-encoding gives the stored bytes back. */

interface DecodedChangeset {
  format: string;
  version: number;
  store: string;
  base: number;
  target: number;
  removed: Pair[];
  put: [string, string, Value][];
}

const hex = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString("hex");

/** The changeset from sB to sT: the diff's lists, every value exactly as the model stored it. */
function changesCall(target: number, base: number): Call {
  const label = `s${target}.changes(s${base})`;
  return {
    label,
    uses: [target, base],
    issue(m, r) {
      const done = snapshotOf(r, target).changes(snapshotOf(r, base));
      const [t, b] = [m.snap(target), m.snap(base)];
      const released = t.released || b.released;
      const { added, removed, changed } = diffOf(t.contents, b.contents);
      const puts = [...added, ...changed].sort(comparePairs);
      const expected = {
        format: "swarmstate.changeset",
        version: 1,
        base,
        target,
        removed,
        put: puts.map(([n, k]) => [n, k, hex(t.contents.get(n)?.get(k))]),
      };
      return settle(done).then((o) => {
        if (released) return rejected(o, SnapshotReleasedError, label);
        const decoded = exact.unpack(resolved(o, label)) as DecodedChangeset;
        const { store, put, ...rest } = decoded;
        r.storeId ??= store;
        expect(store, `${label}.store`).toBe(r.storeId);
        expect({ ...rest, put: put.map(([n, k, v]) => [n, k, hex(dumps(v))]) }, label).toEqual(
          expected,
        );
      });
    },
  };
}

function comparePairs([n1, k1]: Pair, [n2, k2]: Pair): number {
  if (n1 !== n2) return n1 < n2 ? -1 : 1;
  return k1 < k2 ? -1 : k1 > k2 ? 1 : 0;
}

/**
 * Applies sT.changes(sB) to the replica; then the replica must hold the model's replica, whose
 * contents are those of sT when it held sB's. Not part of bursts: it awaits the changeset first.
 */
function applyCall(target: number, base: number): Call {
  const label = `replica.apply(s${target}.changes(s${base}))`;
  return {
    label,
    uses: [target, base],
    async issue(m, r) {
      const [t, b] = [m.snap(target), m.snap(base)];
      const done = settle(
        snapshotOf(r, target)
          .changes(snapshotOf(r, base))
          .then((changeset) => r.replica.apply(changeset)),
      );
      if (t.released || b.released) return rejected(await done, SnapshotReleasedError, label);
      m.replica = applied(m.replica, t.contents, b.contents);
      if (m.replicaMirrors === base) {
        expect(pairsOf(m.replica), `model check: ${label}`).toEqual(pairsOf(t.contents));
      }
      m.replicaMirrors = m.replicaMirrors === base ? target : null;
      expect(resolved(await done, label), label).toBeUndefined();
      await expectReplica(m, r, label);
    },
  };
}

/** The replica holds exactly the model's replica: pairs, values and encoded size. */
async function expectReplica(m: Model, r: Real, label: string): Promise<void> {
  const pairs = pairsOf(m.replica);
  const copy = await r.replica.snapshot();
  const [keys, values] = await Promise.all([copy.keys(), r.replica.getMany(pairs)]);
  expect(keys, `${label}, then the replica's pairs`).toEqual(pairs);
  const expected = pairs.map(([n, k]) => decoded(m.replica.get(n)?.get(k)));
  expectValue(values, expected, `${label}, then the replica's values`);
  expect(copy.sizeBytes, `${label}, then the replica's sizeBytes`).toBe(sizeBytesOf(m.replica));
  await copy.release();
}

type CutKind = "snapshot" | "restore" | "clear" | "apply";

/**
 * A cut that shard `shard` refuses (a `RefusingStore`'s), with a `set` made while it is under
 * way: the cut must reject and change nothing (state, ids, `snapshots()`, `maxHistory`'s
 * releases: the later calls check them), and the `set` go ahead after it. `apply` applies
 * `sT.changes(sB)` to the store itself. A call that names a released snapshot is refused before
 * any cut, as usual, and nothing is made to refuse.
 */
function refusedCutCall(kind: CutKind, shard: number, target: number, base: number): Call {
  const uses = kind === "restore" ? [target] : kind === "apply" ? [target, base] : [];
  const named = kind === "apply" ? `s${target}.changes(s${base})` : uses.map((id) => `s${id}`);
  const label = `${kind}(${named}) /* refused by shard ${shard} */, set("B", "k", ${shard})`;
  /** The call (its changeset read first, for `apply`); `refuse` is called before its cut. */
  const call = async (r: Real, refuse: () => void): Promise<unknown> => {
    if (kind === "apply") {
      const changeset = await snapshotOf(r, target).changes(snapshotOf(r, base));
      refuse();
      return r.store.apply(changeset);
    }
    refuse();
    if (kind === "restore") return r.store.restore(snapshotOf(r, target));
    return kind === "clear" ? r.store.clear() : r.store.snapshot();
  };
  return {
    label,
    uses,
    async issue(m, r) {
      if (uses.some((id) => m.snap(id).released)) {
        // Refused before any cut: nothing is made to refuse one.
        return rejected(await settle(call(r, () => {})), SnapshotReleasedError, label);
      }
      const cut = call(r, () => r.refuseNextCut?.(shard));
      const set = setCall("B", "k", shard).issue(m, r);
      rejected(await settle(cut), CutRefused, label);
      await set;
    },
  };
}

/** The live snapshots, oldest first, as Snapshots describing them. */
const snapshotsCall: Call = {
  label: "snapshots()",
  uses: [],
  issue(m, r) {
    const done = r.store.snapshots();
    const expected = m.held().map(({ id, parent, sizeBytes }) => ({ id, parent, sizeBytes }));
    return settle(done).then((o) => {
      const listed = resolved(o, this.label);
      for (const snapshot of listed) expect(snapshot, this.label).toBeInstanceOf(Snapshot);
      const described = listed.map(({ id, parent, sizeBytes }) => ({ id, parent, sizeBytes }));
      expect(described, this.label).toEqual(expected);
      // The same snapshots, whichever handle (or opening of a durable store) listed them.
      for (const { id, timestamp } of listed) {
        expect(timestamp, `${this.label}: s${id}.timestamp`).toBe(r.snapshots.get(id)?.timestamp);
      }
    });
  },
};

function snapshotKeysCall(id: number): Call {
  const label = `s${id}.keys()`;
  return {
    label,
    uses: [id],
    issue(m, r) {
      const done = snapshotOf(r, id).keys();
      const { contents, released } = m.snap(id);
      const expected = pairsOf(contents);
      return settle(done).then((o) =>
        released
          ? rejected(o, SnapshotReleasedError, label)
          : expect(resolved(o, label), label).toEqual(expected),
      );
    },
  };
}

/** `sizeBytes` is a plain property, fixed when the snapshot was taken (released or not). */
function sizeBytesCall(id: number): Call {
  const label = `s${id}.sizeBytes`;
  return {
    label,
    uses: [id],
    async issue(m, r) {
      const expected = sizeBytesOf(m.snap(id).contents);
      expect(snapshotOf(r, id).sizeBytes, label).toBe(expected);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The whole state at once (also run after every sequence)

// Few names, so that writes collide, overwrite and delete a namespace's last key. With 4 shards,
// "" "B" "ｚ" share shard 1 and "😀" has shard 0, so sorted lists are merged across shards.
// "😀" (U+D83D U+DE00) sorts before "ｚ" (U+FF5A) and "！" (U+FF01) in UTF-16 order, but after
// them in code point order; "B" sorts before lower case, unlike in `localeCompare`.
const NAMESPACES = ["", "B", "😀", "ｚ"];
const KEYS = ["", "k", "😀", "！"];
const ALL_PAIRS: Pair[] = NAMESPACES.flatMap((namespace) =>
  KEYS.map((key): Pair => [namespace, key]),
);

/** Every pair of the alphabet, then every other pair `contents` holds ("f…" keys). */
function pairsToRead(contents: Contents): Pair[] {
  const known = new Set(ALL_PAIRS.map((pair) => JSON.stringify(pair)));
  return [...ALL_PAIRS, ...pairsOf(contents).filter((pair) => !known.has(JSON.stringify(pair)))];
}

const stateCall: Call = {
  label: "expectState()",
  uses: [],
  issue(m, r) {
    const label = this.label;
    const pairs = pairsToRead(m.live);
    const expected = {
      namespaces: m.namespaces(),
      size: m.size(),
      keys: NAMESPACES.map((namespace) => m.keys(namespace)),
      values: pairs.map(([namespace, key]) => decoded(m.get(namespace, key))),
      has: pairs.map(([namespace, key]) => m.get(namespace, key) !== undefined),
    };
    const reads = Promise.all([
      r.store.namespaces(),
      r.store.size(),
      Promise.all(NAMESPACES.map((namespace) => r.store.keys(namespace))),
      r.store.getMany(pairs),
      Promise.all(pairs.map(([namespace, key]) => r.store.has(namespace, key))),
    ]);
    return settle(reads).then((o) => {
      const [namespaces, size, keys, values, has] = resolved(o, label);
      expect({ namespaces, size, keys, has }, label).toEqual({
        namespaces: expected.namespaces,
        size: expected.size,
        keys: expected.keys,
        has: expected.has,
      });
      expectValue(values, expected.values, `${label}: getMany(every pair)`);
    });
  },
};

/**
 * Every snapshot ever taken, read back whole (released ones must reject), diffed against every
 * other one both ways and its changeset from each, and the list of live ones: the sequence
 * decides the history, this checks all of it.
 */
async function expectSnapshots(m: Model, r: Real): Promise<void> {
  const ids = m.taken.map((model) => model.id);
  const calls = ids.flatMap((id) => [
    snapshotKeysCall(id),
    sizeBytesCall(id),
    ...pairsToRead(m.snap(id).contents).map(([namespace, key]) =>
      snapshotGetCall(id, namespace, key, false),
    ),
    ...ids.map((base) => diffCall(id, base)),
  ]);
  // Changesets between live snapshots (a released one is refused as by diff, checked above).
  const live = m.held().map((model) => model.id);
  calls.push(...live.flatMap((id) => live.map((base) => changesCall(id, base))));
  await Promise.all([...calls, snapshotsCall].map((call) => call.issue(m, r)));
  const chain = ids.map((id) => snapshotOf(r, id).parent);
  expect(chain, "parents, in id order").toEqual(m.taken.map((model) => model.parent));
  const stamps = ids.map((id) => snapshotOf(r, id).timestamp);
  expect(stamps, "timestamps, in id order").toEqual([...stamps].sort((x, y) => x - y));
}

/**
 * Closes a durable store and opens it again from its files: everything must be as it was, the
 * state, every snapshot (live or released), every diff and changeset between them. Snapshots
 * taken before keep working: they belong to the store, which has the same id.
 */
const reopenCall: Call = {
  label: "close(); reopen()",
  uses: [],
  async issue(m, r) {
    await r.reopen?.();
    await stateCall.issue(m, r);
    await expectSnapshots(m, r);
  },
};

// ---------------------------------------------------------------------------------------------
// Generators

const namespaceArb = fc.constantFrom(...NAMESPACES);
const keyArb = fc.constantFrom(...KEYS);
// Low ids, so that most calls naming a snapshot name one already taken (others are skipped).
const idArb = fc.integer({ min: 1, max: 5 });

const scalarArb: fc.Arbitrary<Value> = fc.oneof(
  fc.constantFrom<Value>(null, true, false, 0, -0, 1, -1, 1.5, 2 ** 40, "", "x", "é😀"),
  fc.integer({ min: -1000, max: 1000 }),
  fc.string({ maxLength: 4 }),
  // Safe ones read back as numbers, the others as bigints; 1n and 1 have different encodings.
  fc.constantFrom<Value>(1n, -5n, 2n ** 53n, 2n ** 60n, -(2n ** 63n), 2n ** 64n - 1n),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.uint8Array({ maxLength: 4 }),
);

/** Arrays nested as deep as a value may (512), around -0. */
const DEEPEST: Value = Array.from({ length: 511 }).reduce<Value>((inner) => [inner], [-0]);

const valueArb: fc.Arbitrary<Value> = fc.oneof(
  // A small pool, so that the same value is written again (unchanged) as often as a new one.
  {
    weight: 4,
    arbitrary: fc.constantFrom<Value>(
      { step: 3 },
      { step: 4 },
      { step: 3, gone: undefined } as unknown as Value, // `undefined` properties are left out
      1,
      "one",
      [1, 2],
      new Uint8Array([1, 2]),
      2n ** 60n,
      0,
      -0, // a different value from 0: its own encoding, a change in a diff
      DEEPEST,
    ),
  },
  { weight: 3, arbitrary: scalarArb },
  { weight: 1, arbitrary: fc.array(scalarArb, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.record(
      { step: scalarArb, tags: fc.array(scalarArb, { maxLength: 2 }) },
      {
        requiredKeys: [],
      },
    ) as fc.Arbitrary<Value>,
  },
);

const itemArb: fc.Arbitrary<Item> = fc.tuple(namespaceArb, keyArb, valueArb);
const pairArb: fc.Arbitrary<Pair> = fc.tuple(namespaceArb, keyArb);

const cyclic: Record<string, unknown> = { name: "loop" };
cyclic.self = cyclic;
const BAD_ITEMS: BadItem[] = [
  { item: ["B", "k", new Date(0)], error: TypeError },
  { item: ["B", "k", undefined], error: TypeError },
  { item: ["B", "k", [1, undefined]], error: TypeError },
  { item: ["B", "k", () => 1], error: TypeError },
  { item: ["B", "k", { deep: [Symbol("s")] }], error: TypeError },
  { item: ["B", "k", new Map([[1, 2]])], error: TypeError },
  { item: ["B", "k", cyclic], error: TypeError },
  { item: ["B", "k", 2n ** 64n], error: RangeError },
  { item: ["B", "k", -(2n ** 63n) - 1n], error: RangeError },
  { item: [7, "k", 1], error: TypeError },
  { item: ["B", null, 1], error: TypeError },
  { item: ["B", "k"], error: TypeError },
  { item: "B", error: TypeError },
];

const setArb = fc.tuple(namespaceArb, keyArb, valueArb).map(([n, k, v]) => setCall(n, k, v));
const setManyArb = fc.array(itemArb, { maxLength: 5 }).map((items) => setManyCall(items));
const setManyBadArb = fc
  .tuple(
    fc.array(itemArb, { maxLength: 3 }),
    fc.constantFrom(...BAD_ITEMS),
    fc.array(itemArb, { maxLength: 3 }),
  )
  .map(([before, bad, after]) => setManyBadCall(before, bad, after));
const getArb = fc
  .tuple(namespaceArb, keyArb, fc.boolean())
  .map(([n, k, fallback]) => getCall(n, k, fallback));
const getManyArb = fc.array(pairArb, { maxLength: 5 }).map(getManyCall);
const fillArb = fc
  .tuple(namespaceArb, fc.integer({ min: 1, max: 40 }), valueArb)
  .map(([n, count, v]) => fillCall(n, count, v));
const sweepArb = fc
  .tuple(namespaceArb, fc.integer({ min: 1, max: 40 }))
  .map(([n, count]) => sweepCall(n, count));
const hasArb = pairArb.map(([n, k]) => hasCall(n, k));
const deleteArb = pairArb.map(([n, k]) => deleteCall(n, k));
const keysArb = namespaceArb.map(keysCall);
const restoreArb = idArb.map(restoreCall);
const releaseArb = idArb.map(releaseCall);
const diffArb = fc.tuple(idArb, idArb).map(([a, b]) => diffCall(a, b));
const changesArb = fc.tuple(idArb, idArb).map(([a, b]) => changesCall(a, b));
const applyArb = fc.tuple(idArb, idArb).map(([a, b]) => applyCall(a, b));
const snapshotGetArb = fc
  .tuple(idArb, namespaceArb, keyArb, fc.boolean())
  .map(([id, n, k, fallback]) => snapshotGetCall(id, n, k, fallback));
const snapshotKeysArb = idArb.map(snapshotKeysCall);
const sizeBytesArb = idArb.map(sizeBytesCall);

/** Calls made without awaiting in between, then awaited together. */
const burstArb = fc
  .array(
    fc.oneof(
      { weight: 6, arbitrary: setArb },
      { weight: 3, arbitrary: deleteArb },
      { weight: 2, arbitrary: getArb },
      { weight: 1, arbitrary: hasArb },
      { weight: 1, arbitrary: keysArb },
      { weight: 1, arbitrary: fc.constant(namespacesCall) },
      { weight: 1, arbitrary: fc.constant(sizeCall) },
      { weight: 2, arbitrary: fc.constant(clearCall) },
      { weight: 4, arbitrary: fc.constant(snapshotCall) },
      { weight: 2, arbitrary: restoreArb },
      { weight: 1, arbitrary: releaseArb },
      { weight: 1, arbitrary: diffArb },
      { weight: 1, arbitrary: changesArb },
      { weight: 1, arbitrary: fc.constant(snapshotsCall) },
      { weight: 1, arbitrary: snapshotGetArb },
      { weight: 1, arbitrary: setManyArb },
      { weight: 1, arbitrary: setManyBadArb },
      { weight: 1, arbitrary: fillArb },
    ),
    { minLength: 2, maxLength: 8 },
  )
  .map(
    (calls): Call => ({
      label: `burst[${calls.map((call) => call.label).join(", ")}]`,
      uses: calls.flatMap((call) => call.uses),
      async issue(m, r) {
        await Promise.all(calls.map((call) => call.issue(m, r)));
      },
    }),
  );

type Command = fc.AsyncCommand<Model, Real>;

function toCommand(call: Call): Command {
  return {
    check: (m) => call.uses.every((id) => m.holds(id)),
    run: (m, r) => call.issue(m, r),
    toString: () => call.label,
  };
}

const callArb: fc.Arbitrary<Call> = fc.oneof(
  { weight: 8, arbitrary: setArb },
  { weight: 2, arbitrary: setManyArb },
  { weight: 1, arbitrary: setManyBadArb },
  { weight: 1, arbitrary: fillArb },
  { weight: 1, arbitrary: sweepArb },
  { weight: 3, arbitrary: getArb },
  { weight: 2, arbitrary: getManyArb },
  { weight: 2, arbitrary: hasArb },
  { weight: 4, arbitrary: deleteArb },
  { weight: 2, arbitrary: keysArb },
  { weight: 1, arbitrary: fc.constant(namespacesCall) },
  { weight: 1, arbitrary: fc.constant(sizeCall) },
  { weight: 2, arbitrary: fc.constant(clearCall) },
  { weight: 8, arbitrary: fc.constant(snapshotCall) },
  { weight: 3, arbitrary: restoreArb },
  { weight: 3, arbitrary: releaseArb },
  { weight: 4, arbitrary: diffArb },
  { weight: 3, arbitrary: changesArb },
  { weight: 3, arbitrary: applyArb },
  { weight: 2, arbitrary: fc.constant(snapshotsCall) },
  { weight: 2, arbitrary: snapshotGetArb },
  { weight: 2, arbitrary: snapshotKeysArb },
  { weight: 1, arbitrary: sizeBytesArb },
  { weight: 3, arbitrary: burstArb },
  { weight: 1, arbitrary: fc.constant(stateCall) },
);

const commandArb = callArb.map(toCommand);
/** For a `RefusingStore`: every call, and cuts a shard refuses. */
const refusingCommandArb = fc
  .oneof(
    { weight: 10, arbitrary: callArb },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom<CutKind>("snapshot", "restore", "clear", "apply"),
          fc.integer({ min: 0, max: 3 }),
          idArb,
          idArb,
        )
        .map(([kind, shard, target, base]) => refusedCutCall(kind, shard, target, base)),
    },
  )
  .map(toCommand);
/** For durable stores: every call, and closing and reopening the store. */
const durableCommandArb = fc
  .oneof({ weight: 20, arbitrary: callArb }, { weight: 1, arbitrary: fc.constant(reopenCall) })
  .map(toCommand);

// ---------------------------------------------------------------------------------------------
// The property

const open = new Set<StoreHandle>();

afterEach(async () => {
  await Promise.all([...open].map((store) => store.close()));
  open.clear();
});

/** The store a sequence runs on, printed as the call that makes it. */
interface Setup {
  shards: number;
  maxHistory: number | null;
  [fc.toStringMethod](): string;
}

/** The stores a test runs sequences on: in memory, durable (reopened), or refusing some cuts. */
type Variant = "memory" | "durable" | "refusing";

function setupArb(shards: number, variant: Variant): fc.Arbitrary<Setup> {
  const made = variant === "refusing" ? "RefusingStore" : "Store";
  return fc.constantFrom<number | null>(null, 2, 3).map((maxHistory) => ({
    shards,
    maxHistory,
    [fc.toStringMethod]: () => `new ${made}({ shards: ${shards}, maxHistory: ${maxHistory} })`,
  }));
}

const commandsFor: Record<Variant, fc.Arbitrary<Command>> = {
  memory: commandArb,
  durable: durableCommandArb,
  refusing: refusingCommandArb,
};

const finalStateCall: Call = { ...stateCall, label: "expectState() after the last call" };

function againstModel(
  shards: number,
  numRuns: number,
  variant: Variant = "memory",
): () => Promise<void> {
  return async () => {
    const property = fc.asyncProperty(
      setupArb(shards, variant),
      fc.commands([commandsFor[variant]], { maxCommands: 40, size: "max" }),
      async ({ maxHistory }, commands) => {
        const dir = variant === "durable" ? mkdtempSync(join(tmpdir(), "swarmstate-model-")) : null;
        const options = {
          shards,
          maxHistory,
          ...(dir === null ? {} : { path: join(dir, "store") }),
        };
        const replica = new Store({ shards: 0 });
        const refusing = variant === "refusing" ? new RefusingStore(shards, maxHistory) : null;
        const real: Real = {
          store: refusing ?? new Store(options),
          snapshots: new Map(),
          replica,
          ...(refusing === null ? {} : { refuseNextCut: (shard) => refusing.refuseNextCut(shard) }),
        };
        open.add(real.store);
        open.add(replica);
        if (dir !== null) {
          real.reopen = async () => {
            open.delete(real.store);
            await real.store.close();
            real.store = new Store(options);
            open.add(real.store);
          };
        }
        try {
          const model = new Model(maxHistory);
          await fc.asyncModelRun(() => ({ model, real }), commands);
          await finalStateCall.issue(model, real);
          await expectSnapshots(model, real);
          if (real.reopen !== undefined) await reopenCall.issue(model, real);
        } finally {
          open.delete(real.store);
          open.delete(replica);
          await Promise.all([real.store.close(), replica.close()]);
          if (dir !== null) rmSync(dir, { recursive: true, force: true });
        }
      },
    );
    // Every sequence asked for must run: a run stopped by the time limit fails the test (it
    // never counts as a pass). The limit is there for shrinking, which re-runs sequences on
    // fresh stores: past it fast-check reports the smallest failure found so far.
    await fc.assert(property, {
      numRuns,
      plugins: [fc.interruptAfterTimeLimit(TIME_LIMIT, { failOnInterrupt: true })],
    });
  };
}

// A sequence on a fresh store takes about a millisecond in the calling thread but a few hundred
// milliseconds with worker threads (starting them dominates), hence the run counts; each is at
// most 40 calls (`maxCommands`), so a test's runs take at most ~15 s on 2 busy cores, far below
// the time limit. Shrinking a failure re-runs sequences, so the limit is generous, the test more.
const TIME_LIMIT = 120_000;
const TIMEOUT = 180_000;

describe("Store against a plain model", () => {
  it("shards: 0 (in the calling thread)", { timeout: TIMEOUT }, againstModel(0, 1000));
  it("shards: 1 (one worker thread)", { timeout: TIMEOUT }, againstModel(1, 50));
  it("shards: 4 (four worker threads)", { timeout: TIMEOUT }, againstModel(4, 30));
  it(
    "durable, shards: 0, closed and reopened",
    { timeout: TIMEOUT },
    againstModel(0, 150, "durable"),
  );
  it(
    "durable, shards: 2, closed and reopened",
    { timeout: TIMEOUT },
    againstModel(2, 20, "durable"),
  );
  it("shards: 0, some cuts refused", { timeout: TIMEOUT }, againstModel(0, 1000, "refusing"));
  it("shards: 2, some cuts refused", { timeout: TIMEOUT }, againstModel(2, 20, "refusing"));
});
