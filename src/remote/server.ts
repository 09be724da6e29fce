/**
 * The store's side of a connection from another thread: applies each batch of client calls to
 * the store, in order, and answers with their results.
 *
 * Ordering: a batch's calls are all queued on the store synchronously, before any is awaited,
 * so they keep their order and are batched per shard like local calls. Batches from different
 * clients interleave whole, in the order their messages arrive.
 *
 * Trust: only `RemoteStore` speaks this protocol. It checks every argument and encodes every
 * value with the store's codec before sending, so the server passes encoded values straight to
 * the shards instead of decoding and re-encoding them in the store's thread; values read
 * (`get`, `getMany`, `snapshotGet`) go back encoded too, decoded in the client's thread.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { expose } from "comlink";
import { serializeError } from "../core/errors.js";
import type { Coordinator } from "../main/coordinator.js";
import { coordinatorOf, type Store } from "../main/store.js";
import {
  asEndpoint,
  type RemoteCall,
  type RemoteResult,
  type StoreDescription,
  type StoreService,
  WireMessage,
} from "./wire.js";

/**
 * Serves `store` to another thread: returns a `MessagePort` to hand over (in `transferList`)
 * to that thread, where `connectStore(port)` turns it into a `RemoteStore`. Call it once per
 * client. The port closes when the store closes.
 *
 * @example
 * const worker = new Worker(url, { workerData: { port: exposeStore(store) }, transferList: [port] });
 */
export function exposeStore(store: Store): MessagePort {
  const coordinator = coordinatorOf(store);
  const { port1, port2 } = new MessageChannel();
  const service: StoreService = {
    describe: (): StoreDescription => ({
      storeId: coordinator.storeId,
      shards: store.shards,
      maxHistory: store.maxHistory,
    }),
    run: async (message) =>
      new WireMessage(await runCalls(coordinator, message.body as RemoteCall[])),
  };
  expose(service, asEndpoint(port1));
  // A served port alone must not keep the store's thread alive; clients keep theirs alive.
  port1.unref();
  const cancel = coordinator.afterClose(() => port1.close());
  port1.once("close", cancel); // the client went away first: forget this port

  return port2;
}

async function runCalls(coordinator: Coordinator, calls: RemoteCall[]): Promise<RemoteResult[]> {
  const pending = calls.map((call) => {
    try {
      return Promise.resolve(apply(coordinator, call));
    } catch (error) {
      return Promise.reject(error);
    }
  });
  const settled = await Promise.allSettled(pending);
  return settled.map((outcome) =>
    outcome.status === "fulfilled" ? [0, outcome.value] : [1, serializeError(outcome.reason)],
  );
}

function apply(coordinator: Coordinator, [method, ...args]: RemoteCall): Promise<unknown> {
  const [a, b, c] = args as [never, never, never];
  switch (method) {
    case "set":
      return coordinator.setEncoded(a, b, c);
    case "setMany":
      return coordinator.setManyEncoded(a);
    case "get":
      return coordinator.getEncoded(a, b);
    case "getMany":
      return coordinator.getManyEncoded(a);
    case "has":
      return coordinator.has(a, b);
    case "delete":
      return coordinator.delete(a, b);
    case "keys":
      return coordinator.keys(a);
    case "namespaces":
      return coordinator.namespaces();
    case "size":
      return coordinator.size();
    case "clear":
      return coordinator.clear();
    case "snapshot":
      return coordinator.snapshot();
    case "restore":
      return coordinator.restore(a);
    case "release":
      return coordinator.release(a);
    case "snapshotGet":
      return coordinator.snapshotGetEncoded(a, b, c);
    case "snapshotKeys":
      return coordinator.snapshotKeys(a);
    case "diff":
      return coordinator.diff(a, b);
  }
}
