/**
 * `RemoteStore`: the store as seen from another thread, through a port from `exposeStore`.
 * Same interface, same argument and value checks, same errors as `Store` (see
 * client/store-handle.ts), and the same direct channels to the shards: the store's own thread is
 * asked only for store-wide operations (snapshot, restore, clear, apply) and the snapshot list.
 *
 * Calls made in one tick travel as one message per shard; each client's calls keep their order.
 * A replicated store's remote clients send their writes and cuts to its log through the store's
 * thread (client/logged-client.ts) and read from the shards directly.
 * Snapshots taken through any client of a store are `Snapshot` objects usable with every other
 * client of it.
 */
import type { MessagePort } from "node:worker_threads";
import { type Remote, wrap } from "comlink";
import { StoreClosedError } from "../core/errors.js";
import type { LogService } from "../core/protocol/log-step.js";
import { makeReachable, makeUnreachable } from "./backends.js";
import { type CutService, StoreClient } from "./data-path.js";
import { LoggedClient } from "./logged-client.js";
import { StoreHandle } from "./store-handle.js";
import {
  asEndpoint,
  registerTransferHandlers,
  type StoreDescription,
  type StoreService,
} from "./wire.js";

/**
 * Connects to a store served by `exposeStore` in another thread.
 *
 * The first call in a thread installs swarmstate's comlink transfer handlers there, as
 * {@link exposeStore} does in the store's thread.
 *
 * {@link exposeStore}'s example shows both ends.
 */
export async function connectStore(port: MessagePort): Promise<RemoteStore> {
  registerTransferHandlers();
  const service = wrap<StoreService>(asEndpoint(port));
  const description = await untilClosed(port, service.connect());
  return new RemoteStore(port, service, description);
}

/**
 * A client of a store in another thread, made by {@link connectStore}: the same
 * {@link StoreApi} as `Store`, with the same checks and errors, reaching the one store.
 */
export class RemoteStore extends StoreHandle {
  /** {@inheritDoc StoreApi.shards} */
  readonly shards: number;
  /** {@inheritDoc StoreApi.maxHistory} */
  readonly maxHistory: number | null;

  /** @internal use `connectStore(port)`. */
  constructor(
    private readonly port: MessagePort,
    service: Remote<StoreService>,
    description: StoreDescription,
  ) {
    // The port keeps this thread alive only while a call awaits its answer (as ShardLink's).
    let calls = 0;
    port.unref();
    const call = async <T>(made: Promise<T>): Promise<T> => {
      if (calls++ === 0) port.ref();
      try {
        return await untilClosed(port, made);
      } finally {
        if (--calls === 0) port.unref();
      }
    };
    const cuts: CutService = {
      snapshot: (requester) => call(service.snapshot(requester)),
      restore: (requester, id) => call(service.restore(requester, id)),
      clear: (requester) => call(service.clear(requester)),
      apply: (requester, parts) => call(service.apply(requester, parts)),
      forget: (id) => call(service.forget(id)),
      snapshots: () => call(service.snapshots()),
    };
    const { storeId, channels } = description;
    super(
      description.replicated
        ? new LoggedClient(storeId, channels, cuts, logThrough(service, call, storeId))
        : new StoreClient(storeId, channels, cuts),
    );
    this.shards = description.shards;
    this.maxHistory = description.maxHistory;
    const client = this.client;
    makeReachable(client);
    // The store closed (its side of the port closed), or this thread closed the port.
    port.once("close", () => {
      client.refuse();
      makeUnreachable(client);
    });
  }

  /** Finishes the calls this client already made, then disconnects it (the store stays open). */
  async close(): Promise<void> {
    await this.client.close();
    this.port.close();
  }
}

/** A replicated store's log, reached through the store's thread. */
function logThrough(
  service: Remote<StoreService>,
  call: <T>(made: Promise<T>) => Promise<T>,
  storeId: string,
): LogService {
  return {
    write: (steps) => call(service.write(steps)),
    sync: () => call(service.sync()),
    // The store's thread described the store once its replica had opened.
    opened: async () => ({ storeId }),
  };
}

/** Rejects with `StoreClosedError` if the port closes before `promise` settles. */
function untilClosed<T>(port: MessagePort, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onClose = () => reject(new StoreClosedError("the store's connection is closed"));
    port.once("close", onClose);
    promise.then(resolve, reject).finally(() => port.off("close", onClose));
  });
}
