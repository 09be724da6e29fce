/**
 * The interface every store handle shares, and the one place its methods are documented:
 * `Store` and `RemoteStore` implement it and inherit these comments.
 */
import type { Value } from "../core/codec/value.js";
import type { Snapshot } from "./snapshot.js";

/**
 * What every handle on a store offers: the `Store` itself, and a `RemoteStore` reaching it from
 * another thread. Code written against `StoreApi` runs unchanged with either.
 *
 * Every method is `async`: a refused call rejects (it never throws synchronously) and has
 * changed nothing. Calls take effect in the order they are made on a handle, awaited or not;
 * calls made in the same tick are batched. A `namespace` or `key` is any string, the empty one
 * included, that is well-formed Unicode; anything else is refused with a `TypeError` naming
 * the method and the argument.
 */
export interface StoreApi {
  /** Number of worker threads (`0`: everything runs in the store's own thread). */
  readonly shards: number;
  /** Most snapshots kept before the oldest is released, or `null` for no limit. */
  readonly maxHistory: number | null;
  /** The value codec: standard msgpack (see `dumps`/`loads`). */
  readonly codec: "msgpack";
  /**
   * Stores `value` under `(namespace, key)`, replacing any value there. The store keeps its own
   * copy: changing `value` afterwards changes nothing stored.
   * @throws TypeError / RangeError (as a rejection) for a value that cannot be stored, naming
   * where in it the problem is, e.g. `set: value.data.when: Date is not supported`.
   */
  set(namespace: string, key: string, value: Value): Promise<void>;
  /** The value under `(namespace, key)`, a fresh copy, or `defaultValue` when absent. */
  get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D>;
  /**
   * Applies many `[namespace, key, value]` triples in order. All or nothing on bad input: one
   * invalid item refuses the whole call before anything is written.
   */
  setMany(items: readonly (readonly [string, string, Value])[]): Promise<void>;
  /** Values of many `[namespace, key]` pairs, in input order; missing ones are `undefined`. */
  getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]>;
  /** Whether `(namespace, key)` holds a value. */
  has(namespace: string, key: string): Promise<boolean>;
  /** Removes `(namespace, key)`; `true` if a value was removed. */
  delete(namespace: string, key: string): Promise<boolean>;
  /** Keys of one namespace, sorted; `[]` for an unknown namespace. */
  keys(namespace: string): Promise<string[]>;
  /** Namespaces holding at least one key, sorted. */
  namespaces(): Promise<string[]>;
  /** Total number of `(namespace, key)` entries. */
  size(): Promise<number>;
  /** Removes every entry; snapshots already taken are kept. */
  clear(): Promise<void>;
  /**
   * A frozen view of the whole store, taken in O(1): it holds exactly the calls this handle
   * made before it. With `maxHistory: n`, taking snapshot n+1 releases the oldest one still
   * held. Usable through every handle on the same store.
   */
  snapshot(): Promise<Snapshot>;
  /**
   * Replaces the whole store (every namespace and key) with the snapshot's contents, in O(1).
   * @throws SwarmStateError (as a rejection) for a snapshot of another store.
   */
  restore(snapshot: Snapshot): Promise<void>;
  /**
   * The store's live snapshots (taken through any handle, not released, neither by `release()`
   * nor by `maxHistory`), oldest first, as `Snapshot` objects bound to this handle. In order
   * with this handle's calls: it lists a snapshot this handle asked for before, and not one it
   * released before.
   */
  snapshots(): Promise<Snapshot[]>;
  /**
   * Applies a changeset (made by `snapshot.changes(base)`, of this store or any other, or
   * written by any msgpack library in the same format) to the whole store at once: at one
   * point in the store's order, like a snapshot, and all or nothing. Its removals of absent
   * keys are no-ops, its puts overwrite. A store holding `base`'s contents holds the target's
   * afterwards, whatever the shard counts of the two stores. The whole changeset is checked
   * before anything is applied, each value against the value rules; values are stored in this
   * store's own encoding, byte for byte what `set` stores for the value they decode to.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BadChangesetError, Store } from "swarmstate";
   *
   * const store = new Store();
   * await store.set("tasks", "t1", { done: false });
   * const bytes = new Uint8Array([0x81, 0xa6, 0x66, 0x6f, 0x72, 0x6d, 0x61, 0x74, 0xc0]);
   * await assert.rejects(store.apply(bytes), BadChangesetError); // {format: null}: refused
   * assert.deepEqual(await store.get("tasks", "t1"), { done: false }); // nothing applied
   * await store.close();
   * ```
   * @throws TypeError (as a rejection) if `changeset` is not a `Uint8Array`.
   * @throws BadChangesetError (as a rejection) for bytes that are not a changeset of a version
   *   this store reads, naming what is wrong and where, e.g.
   *   `apply: changeset.put[3][2].when: an extension type (marker 0xd6) is not a value`.
   */
  apply(changeset: Uint8Array): Promise<void>;
  /**
   * Resolves once this handle sees every write acknowledged before the call. On a replicated
   * store (`StoreOptions.replication`): once this replica has applied every entry committed to
   * the store's log before the call, by any process. On any other store, once the calls made
   * on this handle so far are answered (every write is already visible to every handle).
   */
  sync(): Promise<void>;
  /**
   * Lets every call this handle already made finish, then closes it: a `Store` stops its
   * workers (so a program that closes its store exits on its own), a `RemoteStore` disconnects
   * (the store stays open). Idempotent; every later call on the handle rejects with
   * `StoreClosedError`.
   */
  close(): Promise<void>;
}
