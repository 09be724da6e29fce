/**
 * `RemoteStore`: the store as seen from another thread, through a port from `exposeStore`.
 * Same interface, same argument and value checks, same errors as `Store`.
 *
 * Calls made in one tick travel as one message; each client's calls keep their order (the
 * server queues a message's calls in order, and messages arrive in order). Snapshots taken
 * through any client of a store are `Snapshot` objects usable with every other client of it.
 */
import type { MessagePort } from "node:worker_threads";
import { type Remote, wrap } from "comlink";
import { decodeValue } from "../core/codec.js";
import { rebuildError, StoreClosedError } from "../core/errors.js";
import type { Value } from "../core/value.js";
import { checkName, checkPairs, encodeItems, encodeStoredValue } from "../main/arguments.js";
import type { Pair } from "../main/merge.js";
import {
  checkSameStore,
  createSnapshot,
  type Diff,
  makeReachable,
  makeUnreachable,
  type Snapshot,
  type SnapshotBackend,
  type SnapshotInfo,
} from "../main/snapshot.js";
import type { StoreApi } from "../main/store-api.js";
import {
  asEndpoint,
  type RemoteCall,
  type RemoteResult,
  type StoreDescription,
  type StoreService,
  WireMessage,
} from "./wire.js";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Connects to a store served by `exposeStore` in another thread.
 *
 * @example
 * // in a worker thread, given the port the store's thread sent:
 * const store = await connectStore(workerData.port);
 * await store.set("agents", "a1", { step: 1 });
 * await store.close(); // disconnects this client; the store itself stays open
 */
export async function connectStore(port: MessagePort): Promise<RemoteStore> {
  const service = wrap<StoreService>(asEndpoint(port));
  const description = await untilClosed(port, service.describe());
  return new RemoteStore(port, service, description);
}

/** A client of a store in another thread; see `connectStore`. */
export class RemoteStore implements StoreApi {
  readonly shards: number;
  readonly maxHistory: number | null;
  readonly codec = "msgpack" as const;
  /** How this client's snapshots reach the store (kept off the public surface). */
  private readonly backend: SnapshotBackend;
  private calls: RemoteCall[] = [];
  private waiters: Waiter[] = [];
  /** Batches sent and not answered yet: the promise of their handling, and their waiters. */
  private readonly inFlight = new Map<Promise<void>, Waiter[]>();
  private closed = false;
  /** Settles when the port closes, from either side. */
  private readonly disconnected: Promise<void>;

  /** @internal use `connectStore(port)`. */
  constructor(
    private readonly port: MessagePort,
    private readonly service: Remote<StoreService>,
    description: StoreDescription,
  ) {
    this.backend = {
      storeId: description.storeId,
      snapshotKeys: async (id) => (await this.call(["snapshotKeys", id])) as Pair[],
      snapshotGet: async (id, namespace, key) =>
        decodeFound(await this.call(["snapshotGet", id, namespace, key])),
      diff: async (id, baseId) => (await this.call(["diff", id, baseId])) as Diff,
      release: async (id) => {
        await this.call(["release", id]);
      },
    };
    this.shards = description.shards;
    this.maxHistory = description.maxHistory;
    makeReachable(this.backend);
    // An idle client does not keep its thread alive (as Node's HTTP agent unrefs an idle
    // keep-alive socket): a thread that never calls close() still exits once its work is done.
    // While a batch is in flight the port is ref'd, so no answer is lost to an early exit.
    port.unref();
    // The store closed (its side of the port closed), or this thread closed the port.
    this.disconnected = new Promise((resolve) => {
      port.once("close", () => {
        this.shutDown();
        resolve();
      });
    });
  }

  async set(namespace: string, key: string, value: Value): Promise<void> {
    checkName("set", "namespace", namespace);
    checkName("set", "key", key);
    const encoded = encodeStoredValue("set", "value", value);
    await this.call(["set", namespace, key, encoded]);
  }

  async get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D> {
    checkName("get", "namespace", namespace);
    checkName("get", "key", key);
    const value = decodeFound(await this.call(["get", namespace, key]));
    return value === undefined ? (defaultValue as D) : value;
  }

  async setMany(items: readonly (readonly [string, string, Value])[]): Promise<void> {
    await this.call(["setMany", encodeItems(items)]);
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    checkPairs(pairs);
    return ((await this.call(["getMany", pairs])) as unknown[]).map(decodeFound);
  }

  async has(namespace: string, key: string): Promise<boolean> {
    checkName("has", "namespace", namespace);
    checkName("has", "key", key);
    return (await this.call(["has", namespace, key])) as boolean;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    checkName("delete", "namespace", namespace);
    checkName("delete", "key", key);
    return (await this.call(["delete", namespace, key])) as boolean;
  }

  async keys(namespace: string): Promise<string[]> {
    checkName("keys", "namespace", namespace);
    return (await this.call(["keys", namespace])) as string[];
  }

  async namespaces(): Promise<string[]> {
    return (await this.call(["namespaces"])) as string[];
  }

  async size(): Promise<number> {
    return (await this.call(["size"])) as number;
  }

  async clear(): Promise<void> {
    await this.call(["clear"]);
  }

  async snapshot(): Promise<Snapshot> {
    return createSnapshot(this.backend, (await this.call(["snapshot"])) as SnapshotInfo);
  }

  async restore(snapshot: Snapshot): Promise<void> {
    checkSameStore(this.backend, snapshot, "restore", "snapshot");
    await this.call(["restore", snapshot.id]);
  }

  /** Finishes the calls this client already made, then disconnects it (the store stays open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.calls.length > 0) this.flush();
    // Batches in flight when the port closes never get an answer: stop waiting then.
    await Promise.race([Promise.all(this.inFlight.keys()), this.disconnected]);
    this.port.close();
  }

  private call(call: RemoteCall): Promise<unknown> {
    if (this.closed) return Promise.reject(new StoreClosedError("this store client is closed"));
    if (this.calls.length === 0) {
      queueMicrotask(() => {
        if (this.calls.length > 0) this.flush();
      });
    }
    this.calls.push(call);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private flush(): void {
    const calls = this.calls;
    const waiters = this.waiters;
    this.calls = [];
    this.waiters = [];
    if (this.inFlight.size === 0) this.port.ref();
    const handled: Promise<void> = this.service.run(new WireMessage(calls)).then(
      (reply) => {
        this.answered(handled);
        (reply.body as RemoteResult[]).forEach(([failed, outcome], i) => {
          const waiter = waiters[i] as Waiter;
          if (failed) waiter.reject(rebuildError(outcome as never));
          else waiter.resolve(outcome);
        });
      },
      (error: unknown) => {
        this.answered(handled);
        for (const waiter of waiters) waiter.reject(error);
      },
    );
    this.inFlight.set(handled, waiters);
  }

  private answered(batch: Promise<void>): void {
    this.inFlight.delete(batch);
    if (this.inFlight.size === 0) this.port.unref();
  }

  /** The port closed: every call not answered yet, and every later call, gets StoreClosedError. */
  private shutDown(): void {
    this.closed = true;
    makeUnreachable(this.backend);
    const error = new StoreClosedError("the store's connection is closed");
    for (const waiters of this.inFlight.values()) {
      for (const waiter of waiters) waiter.reject(error);
    }
    this.inFlight.clear();
    for (const waiter of this.waiters) waiter.reject(error);
    this.calls = [];
    this.waiters = [];
  }
}

/** A value the store found, as its encoded bytes, or `undefined` for none. */
function decodeFound(bytes: unknown): Value | undefined {
  return bytes === undefined ? undefined : decodeValue(bytes as Uint8Array);
}

/** Rejects with `StoreClosedError` if the port closes before `promise` settles. */
function untilClosed<T>(port: MessagePort, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onClose = () => reject(new StoreClosedError("the store's connection is closed"));
    port.once("close", onClose);
    promise.then(resolve, reject).finally(() => port.off("close", onClose));
  });
}
