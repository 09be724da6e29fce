/**
 * The public `Store`: it validates arguments and delegates to the coordinator. Every method is
 * `async`, so a refused call rejects (it never throws synchronously) and has changed nothing.
 */
import type { Value } from "../core/value.js";
import { checkName, checkPairs, encodeItems, encodeStoredValue } from "./arguments.js";
import { Coordinator } from "./coordinator.js";
import { hostFactoryFor } from "./hosts.js";
import { resolveOptions, type StoreOptions } from "./options.js";
import {
  checkSameStore,
  createSnapshot,
  makeReachable,
  makeUnreachable,
  type Snapshot,
} from "./snapshot.js";
import type { StoreApi } from "./store-api.js";

let coordinatorOfStore: (store: Store) => Coordinator;

/**
 * A state store for agents: values under `(namespace, key)`, namespaces sharded across worker
 * threads, O(1) snapshots and restores, and diffs that cost what changed.
 *
 * Calls take effect in the order they are made, awaited or not; calls made in the same tick are
 * batched into one message per shard.
 *
 * @example
 * const store = new Store({ shards: 2 });
 * await store.set("workflow", "onboarding", { step: 3 });
 * const snap = await store.snapshot();
 * await store.set("workflow", "onboarding", { step: 4 });
 * await store.restore(snap);
 * await store.get("workflow", "onboarding"); // { step: 3 }
 * await store.close();
 */
export class Store implements StoreApi {
  static {
    coordinatorOfStore = (store) => store.#coordinator;
  }

  /** Number of worker threads (`0`: everything runs in the calling thread). */
  readonly shards: number;
  /** Most snapshots kept before the oldest is released, or `null` for no limit. */
  readonly maxHistory: number | null;
  /** The value codec: standard msgpack (see `dumps`/`loads`). */
  readonly codec = "msgpack" as const;
  readonly #coordinator: Coordinator;

  /**
   * Returns at once; calls made before the workers are up wait for them.
   * @throws TypeError / RangeError for invalid options, naming the option.
   */
  constructor(options?: StoreOptions) {
    const { shards, maxHistory } = resolveOptions(options);
    this.shards = shards;
    this.maxHistory = maxHistory;
    const coordinator = new Coordinator(Math.max(1, shards), hostFactoryFor(shards), maxHistory);
    this.#coordinator = coordinator;
    makeReachable(coordinator);
    coordinator.afterClose(() => makeUnreachable(coordinator));
  }

  /** Stores `value` under `(namespace, key)`, replacing any value there. */
  async set(namespace: string, key: string, value: Value): Promise<void> {
    checkName("set", "namespace", namespace);
    checkName("set", "key", key);
    const encoded = encodeStoredValue("set", "value", value);
    return this.#coordinator.setEncoded(namespace, key, encoded);
  }

  /** The value under `(namespace, key)`, a fresh copy, or `defaultValue` when absent. */
  async get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D> {
    checkName("get", "namespace", namespace);
    checkName("get", "key", key);
    const value = await this.#coordinator.get(namespace, key);
    return value === undefined ? (defaultValue as D) : value;
  }

  /**
   * Applies many `[namespace, key, value]` triples in order. All or nothing on bad input: one
   * invalid item refuses the whole call before anything is written.
   */
  async setMany(items: readonly (readonly [string, string, Value])[]): Promise<void> {
    return this.#coordinator.setManyEncoded(encodeItems(items));
  }

  /** Values of many `[namespace, key]` pairs, in input order; missing ones are `undefined`. */
  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    checkPairs(pairs);
    return this.#coordinator.getMany(pairs);
  }

  /** Whether `(namespace, key)` holds a value. */
  async has(namespace: string, key: string): Promise<boolean> {
    checkName("has", "namespace", namespace);
    checkName("has", "key", key);
    return this.#coordinator.has(namespace, key);
  }

  /** Removes `(namespace, key)`; `true` if a value was removed. */
  async delete(namespace: string, key: string): Promise<boolean> {
    checkName("delete", "namespace", namespace);
    checkName("delete", "key", key);
    return this.#coordinator.delete(namespace, key);
  }

  /** Keys of one namespace, sorted; `[]` for an unknown namespace. */
  async keys(namespace: string): Promise<string[]> {
    checkName("keys", "namespace", namespace);
    return this.#coordinator.keys(namespace);
  }

  /** Namespaces holding at least one key, sorted. */
  async namespaces(): Promise<string[]> {
    return this.#coordinator.namespaces();
  }

  /** Total number of `(namespace, key)` entries. */
  async size(): Promise<number> {
    return this.#coordinator.size();
  }

  /** Removes every entry; snapshots already taken are kept. */
  async clear(): Promise<void> {
    return this.#coordinator.clear();
  }

  /**
   * A frozen view of the whole store, taken in O(1): it holds exactly the calls made before
   * it. With `maxHistory: n`, taking snapshot n+1 releases the oldest one still held.
   */
  async snapshot(): Promise<Snapshot> {
    return createSnapshot(this.#coordinator, await this.#coordinator.snapshot());
  }

  /** Replaces the whole store with the snapshot's contents, in O(1). */
  async restore(snapshot: Snapshot): Promise<void> {
    checkSameStore(this.#coordinator, snapshot, "restore", "snapshot");
    return this.#coordinator.restore(snapshot.id);
  }

  /**
   * Lets every call already made finish, then stops the workers, so a program that closes its
   * store exits on its own. Idempotent; every later call rejects with `StoreClosedError`.
   */
  async close(): Promise<void> {
    return this.#coordinator.close();
  }
}

/** The coordinator behind a store, for integrations in this package (e.g. serving clients). */
export function coordinatorOf(store: Store): Coordinator {
  if (!(store instanceof Store)) throw new TypeError("expected a Store");
  return coordinatorOfStore(store);
}
