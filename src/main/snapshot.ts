/**
 * The public `Snapshot`: a frozen view of the whole store. It holds no data itself, only the
 * record naming each shard's snapshot; every read goes to the shards.
 */
import { SnapshotReleasedError, SwarmStateError } from "../core/errors.js";
import type { Value } from "../core/value.js";
import { checkName } from "./arguments.js";
import type { Coordinator } from "./coordinator.js";
import type { SnapshotRecord } from "./snapshot-registry.js";

/** What happened between two snapshots; each list sorted by namespace, then key. */
export interface Diff {
  /** In this snapshot, not in the base. */
  added: [string, string][];
  /** In the base, not in this snapshot. */
  removed: [string, string][];
  /** In both, with different values (encodings not byte-identical). */
  changed: [string, string][];
}

interface Internals {
  owner: Coordinator;
  record: SnapshotRecord;
}

const internals = new WeakMap<Snapshot, Internals>();
let construct: (internal: Internals, sizeBytes: number) => Snapshot;

/**
 * A frozen view of the whole store, created only by `store.snapshot()`. Later writes, restores
 * and clears never change it.
 *
 * @example
 * const before = await store.snapshot();
 * await store.set("tasks", "t1", { done: true });
 * const after = await store.snapshot();
 * await after.diff(before); // { added: [["tasks", "t1"]], removed: [], changed: [] }
 */
export class Snapshot {
  static {
    construct = (internal, sizeBytes) => new Snapshot(internal, sizeBytes);
  }

  /** Monotonic id from its store, starting at 1. */
  readonly id: number;
  /** When it was taken, in seconds since the Unix epoch (fractional). */
  readonly timestamp: number;
  /** Id of the snapshot its store took just before this one, or `null` for the first. */
  readonly parent: number | null;
  /** Total encoded size of all values at that moment, in bytes. */
  readonly sizeBytes: number;

  private constructor(internal: Internals, sizeBytes: number) {
    this.id = internal.record.id;
    this.timestamp = internal.record.timestamp;
    this.parent = internal.record.parent;
    this.sizeBytes = sizeBytes;
    internals.set(this, internal);
    Object.freeze(this);
  }

  /** The `(namespace, key)` pairs it contains, sorted by namespace, then key. */
  async keys(): Promise<[string, string][]> {
    const { owner, record } = usable(this, "keys");
    return owner.snapshotKeys(record);
  }

  /** A value as it was in this snapshot, or `defaultValue` when absent. */
  async get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D> {
    checkName("snapshot.get", "namespace", namespace);
    checkName("snapshot.get", "key", key);
    const { owner, record } = usable(this, "get");
    const value = await owner.snapshotGet(record, namespace, key);
    return value === undefined ? (defaultValue as D) : value;
  }

  /**
   * What happened to get from `base` to this snapshot. Works between any two live snapshots of
   * the same store, across restores too; costs what was written between them, not the store size.
   */
  async diff(base: Snapshot): Promise<Diff> {
    if (!(base instanceof Snapshot)) {
      throw new TypeError("snapshot.diff: base must be a Snapshot taken by the same store");
    }
    const { owner, record } = usable(this, "diff");
    const other = usable(base, "diff");
    if (other.owner !== owner) {
      throw new SwarmStateError(`snapshot.diff: snapshot ${base.id} belongs to another store`);
    }
    return owner.diff(record, other.record);
  }

  /** Frees it now; later use rejects with `SnapshotReleasedError`. Releasing twice is a no-op. */
  async release(): Promise<void> {
    const { owner, record } = internalsOf(this);
    await owner.release(record);
  }
}

export function createSnapshot(
  owner: Coordinator,
  record: SnapshotRecord,
  sizeBytes: number,
): Snapshot {
  return construct({ owner, record }, sizeBytes);
}

/** The record behind `snapshot`, checked to be live and to belong to `owner`. */
export function recordFor(owner: Coordinator, snapshot: unknown, method: string): SnapshotRecord {
  if (!(snapshot instanceof Snapshot)) {
    throw new TypeError(`${method}: snapshot must be a Snapshot taken by this store`);
  }
  const internal = usable(snapshot, method);
  if (internal.owner !== owner) {
    throw new SwarmStateError(`${method}: snapshot ${snapshot.id} belongs to another store`);
  }
  return internal.record;
}

function internalsOf(snapshot: Snapshot): Internals {
  return internals.get(snapshot) as Internals;
}

function usable(snapshot: Snapshot, method: string): Internals {
  const internal = internalsOf(snapshot);
  internal.owner.ensureUsable();
  if (internal.record.released) {
    throw new SnapshotReleasedError(`${method}: snapshot ${snapshot.id} was released`);
  }
  return internal;
}
