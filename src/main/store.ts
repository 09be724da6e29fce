/**
 * The public `Store`: it validates arguments and delegates to the coordinator. Every method is
 * `async`, so a refused call rejects (it never throws synchronously) and has changed nothing.
 */
import type { Value } from "../core/value.js";
import { checkItems, checkKey, checkNamespace, checkPairs, checkStoredValue } from "./arguments.js";
import { Coordinator } from "./coordinator.js";
import { hostFactoryFor } from "./hosts.js";
import {
  checkSameStore,
  createSnapshot,
  makeReachable,
  makeUnreachable,
  type Snapshot,
} from "./snapshot.js";
import type { StoreApi } from "./store-api.js";
import { resolveOptions, type StoreOptions } from "./store-options.js";

let coordinatorOfStore: (store: Store) => Coordinator;

/**
 * A state store for agents: values under `(namespace, key)`, namespaces sharded across worker
 * threads, O(1) snapshots and restores, and diffs that cost what changed.
 *
 * Its methods are those of {@link StoreApi}, documented there. Calls take effect in the order
 * they are made, awaited or not; calls made in the same tick are batched into one message per
 * shard.
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

  readonly shards: number;
  readonly maxHistory: number | null;
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

  async set(namespace: string, key: string, value: Value): Promise<void> {
    checkNamespace("set", namespace);
    checkKey("set", key);
    checkStoredValue("set", "value", value);
    return this.#coordinator.set(namespace, key, value);
  }

  async get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D> {
    checkNamespace("get", namespace);
    checkKey("get", key);
    const value = await this.#coordinator.get(namespace, key);
    return value === undefined ? (defaultValue as D) : value;
  }

  async setMany(items: readonly (readonly [string, string, Value])[]): Promise<void> {
    checkItems(items);
    return this.#coordinator.setMany(items);
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    checkPairs(pairs);
    return this.#coordinator.getMany(pairs);
  }

  async has(namespace: string, key: string): Promise<boolean> {
    checkNamespace("has", namespace);
    checkKey("has", key);
    return this.#coordinator.has(namespace, key);
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    checkNamespace("delete", namespace);
    checkKey("delete", key);
    return this.#coordinator.delete(namespace, key);
  }

  async keys(namespace: string): Promise<string[]> {
    checkNamespace("keys", namespace);
    return this.#coordinator.keys(namespace);
  }

  async namespaces(): Promise<string[]> {
    return this.#coordinator.namespaces();
  }

  async size(): Promise<number> {
    return this.#coordinator.size();
  }

  async clear(): Promise<void> {
    return this.#coordinator.clear();
  }

  async snapshot(): Promise<Snapshot> {
    return createSnapshot(this.#coordinator, await this.#coordinator.snapshot());
  }

  async restore(snapshot: Snapshot): Promise<void> {
    checkSameStore(this.#coordinator, snapshot, "restore", "snapshot");
    return this.#coordinator.restore(snapshot.id);
  }

  async close(): Promise<void> {
    return this.#coordinator.close();
  }
}

/** The coordinator behind a store, for integrations in this package (e.g. serving clients). */
export function coordinatorOf(store: Store): Coordinator {
  if (!(store instanceof Store)) throw new TypeError("expected a Store");
  return coordinatorOfStore(store);
}
