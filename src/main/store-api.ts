/**
 * The interface every store handle shares: the `Store` itself and a `RemoteStore` reaching it
 * from another thread. Code written against `StoreApi` runs unchanged with either.
 */
import type { Value } from "../core/value.js";
import type { Snapshot } from "./snapshot.js";

export interface StoreApi {
  /** Number of worker threads (`0`: everything runs in the store's own thread). */
  readonly shards: number;
  /** Most snapshots kept before the oldest is released, or `null` for no limit. */
  readonly maxHistory: number | null;
  /** The value codec: standard msgpack (see `dumps`/`loads`). */
  readonly codec: "msgpack";
  /** Stores `value` under `(namespace, key)`, replacing any value there. */
  set(namespace: string, key: string, value: Value): Promise<void>;
  /** The value under `(namespace, key)`, a fresh copy, or `defaultValue` when absent. */
  get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D>;
  /** Applies many `[namespace, key, value]` triples in order; all or nothing on bad input. */
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
  /** A frozen view of the whole store, taken in O(1). */
  snapshot(): Promise<Snapshot>;
  /** Replaces the whole store with the snapshot's contents, in O(1). */
  restore(snapshot: Snapshot): Promise<void>;
  /** Finishes the calls already made, then closes this handle; later calls reject. */
  close(): Promise<void>;
}
