/**
 * The public `Store`: it owns the shards (through its coordinator) and is the store thread's own
 * client of them. Argument checks and the data path are shared with `RemoteStore` (see
 * client/store-handle.ts).
 */

import { makeReachable, makeUnreachable } from "../client/backends.js";
import { StoreHandle } from "../client/store-handle.js";
import { openStoreDirectory } from "../durable/store-dir.js";
import { Coordinator } from "./coordinator.js";
import { hostFactoryFor } from "./hosts.js";
import { DEFAULT_SHARDS, MAX_SHARDS, resolveOptions, type StoreOptions } from "./store-options.js";

let coordinatorOfStore: (store: Store) => Coordinator;

/**
 * A state store for agents: values under `(namespace, key)`, namespaces sharded across worker
 * threads, O(1) snapshots and restores, and diffs that cost what changed.
 *
 * Calls take effect in the order they are made, awaited or not; calls made in the same tick are
 * batched into one message per shard.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Store } from "swarmstate";
 *
 * const store = new Store({ shards: 2 });
 * await store.set("workflow", "onboarding", { step: 3 });
 * const snap = await store.snapshot();
 * await store.set("workflow", "onboarding", { step: 4 });
 * await store.restore(snap);
 * assert.deepEqual(await store.get("workflow", "onboarding"), { step: 3 });
 * await store.close();
 * ```
 */
export class Store extends StoreHandle {
  static {
    coordinatorOfStore = (store) => store.#coordinator;
  }

  /** Number of worker threads (`0`: everything runs in the calling thread). */
  readonly shards: number;
  /** Most snapshots kept before the oldest is released, or `null` for no limit. */
  readonly maxHistory: number | null;
  /** The directory a durable store lives in (absolute), or `null` for one in memory. */
  readonly path: string | null;
  /** How a durable store acknowledges writes (see `StoreOptions.durability`), or `null`. */
  readonly durability: "sync" | "async" | null;
  /** A replicated store's name and schema in its database (never its URL), or `null`. */
  readonly replication: {
    /** The store's name in its database. */
    readonly name: string;
    /** The schema holding its tables. */
    readonly schema: string;
  } | null;
  readonly #coordinator: Coordinator;

  /**
   * Returns at once; calls made before the workers are up wait for them.
   * @throws TypeError / RangeError for invalid options, naming the option.
   */
  constructor(options?: StoreOptions) {
    const { shards: asked, maxHistory, path, durability, replication } = resolveOptions(options);
    // On disk, `shards: 0` is one shard (in the calling thread).
    const directory =
      path === null
        ? null
        : openStoreDirectory(path, {
            shards: asked === null ? null : Math.max(1, asked),
            fallback: DEFAULT_SHARDS,
            max: MAX_SHARDS,
          });
    const shards = asked ?? directory?.shards ?? DEFAULT_SHARDS;
    const durable = directory === null ? null : { directory, durability: durability ?? "sync" };
    const coordinator = new Coordinator(
      Math.max(1, shards),
      hostFactoryFor(shards),
      maxHistory,
      durable,
      replication,
    );
    super(coordinator.own);
    this.shards = shards;
    this.maxHistory = maxHistory;
    this.path = directory?.path ?? null;
    this.durability = durable?.durability ?? null;
    this.replication =
      replication === null
        ? null
        : Object.freeze({ name: replication.name, schema: replication.schema });
    this.#coordinator = coordinator;
    makeReachable(this.client);
    coordinator.afterClose(() => makeUnreachable(this.client));
  }

  /**
   * Lets every call already made finish, then stops the workers, so a program that closes its
   * store exits on its own. Idempotent; every later call rejects with `StoreClosedError`.
   */
  async close(): Promise<void> {
    this.client.refuse();
    return this.#coordinator.close();
  }
}

/** The coordinator behind a store, for integrations in this package (e.g. serving clients). */
export function coordinatorOf(store: Store): Coordinator {
  if (!(store instanceof Store)) throw new TypeError("expected a Store");
  return coordinatorOfStore(store);
}
