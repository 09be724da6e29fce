/**
 * The public `Snapshot`: a frozen view of the whole store. It holds no data, only its id and
 * the backend that reaches its store: the coordinator in the store's own thread, or a remote
 * connection from another thread. Either way the same class, the same checks, the same errors.
 */

import { typeName } from "../core/codec/type-name.js";
import type { Value } from "../core/codec/value.js";
import { SwarmStateError } from "../core/errors.js";
import type { Diff } from "../core/protocol/pairs.js";
import { checkKey, checkNamespace } from "./arguments.js";
import { isReachable, reachableFor, type SnapshotBackend } from "./backends.js";

/** What describes a snapshot, as the store reports it when taking one. */
export interface SnapshotInfo {
  id: number;
  parent: number | null;
  timestamp: number;
  sizeBytes: number;
}

/** A snapshot's timestamp for one taken now: seconds since the Unix epoch, fractional. */
export function timestampNow(): number {
  return (performance.timeOrigin + performance.now()) / 1000;
}

const backends = new WeakMap<Snapshot, SnapshotBackend>();
let construct: (backend: SnapshotBackend, info: SnapshotInfo) => Snapshot;
/** True only while {@link construct} runs: the constructor is private in TypeScript only. */
let constructing = false;

/**
 * A frozen view of the whole store, created only by `store.snapshot()`. Later writes, restores
 * and clears never change it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Store } from "swarmstate";
 *
 * const store = new Store();
 * const before = await store.snapshot();
 * await store.set("tasks", "t1", { done: true });
 * const after = await store.snapshot();
 * assert.deepEqual(await after.diff(before), {
 *   added: [["tasks", "t1"]],
 *   removed: [],
 *   changed: [],
 * });
 * assert.equal(await before.get("tasks", "t1"), undefined); // as it was
 * await store.close();
 * ```
 */
export class Snapshot {
  static {
    construct = (backend, info) => {
      constructing = true;
      try {
        return new Snapshot(backend, info);
      } finally {
        constructing = false;
      }
    };
  }

  /** Monotonic id from its store, starting at 1. */
  readonly id: number;
  /** When it was taken, in seconds since the Unix epoch (fractional). */
  readonly timestamp: number;
  /** Id of the snapshot its store took just before this one, or `null` for the first. */
  readonly parent: number | null;
  /** Total encoded size of all values at that moment, in bytes. */
  readonly sizeBytes: number;

  private constructor(backend: SnapshotBackend, info: SnapshotInfo) {
    if (!constructing) {
      throw new TypeError(
        "Snapshot objects are created by store.snapshot(), not by new Snapshot()",
      );
    }
    this.id = info.id;
    this.timestamp = info.timestamp;
    this.parent = info.parent;
    this.sizeBytes = info.sizeBytes;
    backends.set(this, backend);
    Object.freeze(this);
  }

  /** The `(namespace, key)` pairs it contains, sorted by namespace, then key. */
  async keys(): Promise<[string, string][]> {
    return backendOf(this).snapshotKeys(this.id);
  }

  /** A value as it was in this snapshot (a fresh copy), or `defaultValue` when absent. */
  async get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D> {
    checkNamespace("snapshot.get", namespace);
    checkKey("snapshot.get", key);
    const value = await backendOf(this).snapshotGet(this.id, namespace, key);
    return value === undefined ? (defaultValue as D) : value;
  }

  /**
   * What happened to get from `base` to this snapshot. Works between any two live snapshots of
   * the same store, across restores too; costs what was written between them, not the store size.
   */
  async diff(base: Snapshot): Promise<Diff> {
    const backend = backendOf(this);
    checkSameStore(backend, base, "snapshot.diff", "base");
    return backend.diff(this.id, base.id);
  }

  /**
   * A changeset: what to do to `base`'s contents to get this snapshot's, with the values, as
   * standard msgpack that any msgpack library decodes to a map with `format:
   * "swarmstate.changeset"`, `version: 1`, the source `store` id, the `base` and `target`
   * snapshot ids, `removed` (`[namespace, key]` pairs) and `put` (`[namespace, key, value]`
   * triples, each value as itself), both sorted like a diff's lists. Costs what the diff costs,
   * plus the values' bytes. Apply it to any store with `store.apply(changeset)`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Store } from "swarmstate";
   *
   * const source = new Store();
   * const replica = new Store({ shards: 0 }); // holds what `base` holds: nothing
   * const base = await source.snapshot();
   * await source.set("tasks", "t1", { done: true });
   * const later = await source.snapshot();
   * await replica.apply(await later.changes(base)); // now it holds what `later` holds
   * assert.deepEqual(await replica.get("tasks", "t1"), { done: true });
   * await source.close();
   * await replica.close();
   * ```
   * @throws SnapshotReleasedError (as a rejection) if either snapshot was released;
   *   SwarmStateError for a snapshot of another store.
   */
  async changes(base: Snapshot): Promise<Uint8Array> {
    const backend = backendOf(this);
    checkSameStore(backend, base, "snapshot.changes", "base");
    return backend.changes(this.id, base.id);
  }

  /** Frees it now; later use rejects with `SnapshotReleasedError`. Releasing twice is a no-op. */
  async release(): Promise<void> {
    return backendOf(this).release(this.id);
  }
}

export function createSnapshot(backend: SnapshotBackend, info: SnapshotInfo): Snapshot {
  return construct(backend, info);
}

/** Checks that `snapshot` is a Snapshot of the store `backend` reaches. */
export function checkSameStore(
  backend: SnapshotBackend,
  snapshot: unknown,
  method: string,
  argument: string,
): asserts snapshot is Snapshot {
  if (!(snapshot instanceof Snapshot)) {
    throw new TypeError(`${method}: ${argument} must be a Snapshot, got ${typeName(snapshot)}`);
  }
  if (backendOf(snapshot).storeId !== backend.storeId) {
    throw new SwarmStateError(`${method}: snapshot ${snapshot.id} belongs to another store`);
  }
}

/**
 * The backend to use for `snapshot`: the one that made it while that is open, else any other
 * open one of the same store in this thread (a snapshot belongs to its store, not to the
 * client that happened to take it), else the original, which then reports that it is closed.
 */
function backendOf(snapshot: Snapshot): SnapshotBackend {
  const own = backends.get(snapshot) as SnapshotBackend;
  if (isReachable(own)) return own;
  return reachableFor(own.storeId) ?? own;
}

/** The id of the store `snapshot` belongs to. */
export function storeIdOf(snapshot: Snapshot): string {
  return backendOf(snapshot).storeId;
}
