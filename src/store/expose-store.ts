/**
 * The store's side of a connection from another thread. Connecting gives the client its own
 * channels to every shard (it sends its calls there directly, see client/data-path.ts); afterwards
 * this connection only carries the client's store-wide operations (snapshot, restore, clear,
 * apply), which the coordinator places as cuts, the releases it reports, and its requests for
 * the list of snapshots.
 *
 * A replicated store's clients send their writes and cuts here too, for its log
 * (client/logged-client.ts).
 *
 * Trust: only `RemoteStore` speaks this protocol. It checks every argument and encodes every
 * value with the store's codec before sending (a changeset read, checked and split by shard),
 * so the shards take encoded values as they come.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { expose, transfer } from "comlink";
import {
  asEndpoint,
  registerTransferHandlers,
  type StoreDescription,
  type StoreService,
} from "../client/wire.js";
import type { LogService } from "../core/protocol/log-step.js";
import type { Coordinator } from "./coordinator.js";
import { coordinatorOf, type Store } from "./store.js";

/**
 * Serves `store` to another thread: returns a `MessagePort` to hand over (in `transferList`)
 * to that thread, where `connectStore(port)` turns it into a `RemoteStore`. Call it once per
 * client. The port closes when the store closes.
 *
 * The first call in a thread installs swarmstate's comlink transfer handlers there (importing
 * swarmstate does not): from then on a `Snapshot` passed through any comlink call of this
 * thread arrives as a `Snapshot`, and swarmstate's errors, `TypeError` and `RangeError` keep
 * their class; every other value and error travels as comlink alone would carry it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isMainThread, type MessagePort, Worker, workerData } from "node:worker_threads";
 * import { connectStore, exposeStore, Store } from "swarmstate";
 *
 * if (isMainThread) {
 *   const store = new Store();
 *   const port = exposeStore(store); // one port per client thread
 *   const agent = new Worker(new URL(import.meta.url), {
 *     workerData: port,
 *     transferList: [port],
 *   });
 *   await new Promise((resolve, reject) => agent.once("exit", resolve).once("error", reject));
 *   assert.deepEqual(await store.get("agents", "a1"), { step: 1 });
 *   await store.close();
 * } else {
 *   const remote = await connectStore(workerData as MessagePort);
 *   await remote.set("agents", "a1", { step: 1 });
 *   await remote.close(); // disconnects this client; the store stays open
 * }
 * ```
 */
export function exposeStore(store: Store): MessagePort {
  return serve(coordinatorOf(store), store.shards, store.maxHistory);
}

/**
 * Serves the store behind `coordinator` (tests serve one whose shards are fixtures).
 * @internal
 */
export function serve(
  coordinator: Coordinator,
  shards: number,
  maxHistory: number | null,
): MessagePort {
  coordinator.ensureUsable();
  registerTransferHandlers();
  const { port1, port2 } = new MessageChannel();
  const service: StoreService = {
    connect: async (): Promise<StoreDescription> => {
      const storeId = await coordinator.identity();
      const { id, ports, commits } = coordinator.connect(false);
      const description: StoreDescription = {
        storeId,
        replicated: coordinator.log !== null,
        shards,
        maxHistory,
        // Channels for another thread are MessagePorts (see ShardHost.connect).
        channels: { id, ports: ports as unknown as MessagePort[], commits },
      };
      return transfer(description, description.channels.ports);
    },
    snapshot: (requester) => coordinator.snapshot(requester),
    restore: (requester, id) => coordinator.restore(requester, id),
    clear: (requester) => coordinator.clear(requester),
    apply: (requester, parts) => coordinator.apply(requester, parts),
    forget: (id) => coordinator.forget(id),
    snapshots: () => coordinator.snapshots(),
    write: (steps) => logOf(coordinator).write(steps),
    sync: () => logOf(coordinator).sync(),
    opened: () => logOf(coordinator).opened(),
  };
  expose(service, asEndpoint(port1));
  // A served port alone must not keep the store's thread alive; clients keep theirs alive.
  port1.unref();
  const cancel = coordinator.afterClose(() => port1.close());
  port1.once("close", cancel); // the client went away first: forget this port

  return port2;
}

/** A replicated store's log; a client of another store never asks for it. */
function logOf(coordinator: Coordinator): LogService {
  const { log } = coordinator;
  if (log === null) throw new Error("this store has no log: it is not replicated");
  return log;
}
