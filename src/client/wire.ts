/**
 * What crosses the port between a `RemoteStore` and the store it reaches: a comlink service for
 * connecting and for store-wide operations (the data path has channels of its own, see
 * client/data-path.ts). Snapshots travel as ids and errors as `SerializedError`; each side rebuilds
 * its own objects from them.
 *
 * Comlink's transfer handlers are one table per thread, shared by every user of comlink in it,
 * so importing this module changes nothing: `registerTransferHandlers` installs ours, once, and
 * `exposeStore` / `connectStore` call it, as a thread needs them only once it serves or reaches
 * a store.
 */
import type { MessagePort } from "node:worker_threads";
import { type Endpoint, type TransferHandler, transferHandlers } from "comlink";
import {
  rebuildError,
  type SerializedError,
  SwarmStateError,
  serializeError,
} from "../core/errors.js";
import type { LogService } from "../core/protocol/log-step.js";
import type { ClientChannels, CutService } from "./data-path.js";
import { Snapshot } from "./snapshot.js";
import { fromWire, type SnapshotOnTheWire, toWire } from "./snapshot-wire.js";

/** What `exposeStore` gives a client when it connects. */
export interface StoreDescription {
  storeId: string;
  /** A replicated store: the client writes through `StoreService.write` (logged-client.ts). */
  replicated: boolean;
  shards: number;
  maxHistory: number | null;
  /** Its channels to the shards (MessagePorts, for another thread). */
  channels: ClientChannels<MessagePort>;
}

/**
 * The store's side of a connection, as comlink exposes it: connecting, and the store-wide
 * operations a client asks the coordinator for (`CutService`). Calls and values never go this
 * way: the client sends them straight to the shards; a replicated store's client sends its
 * writes and cuts to the log this way instead (`LogService`).
 */
export interface StoreService extends CutService, LogService {
  /** Describes the store once it has opened (a replica, once it has caught up). */
  connect(): Promise<StoreDescription>;
}

let registered = false;

/**
 * Installs swarmstate's comlink transfer handlers in this thread; later calls do nothing. What
 * it changes for every user of comlink in the thread:
 *
 * - `"swarmstate:snapshot"`: a `Snapshot` passed through comlink (say, returned by an agent
 *   thread's exposed function) arrives as a `Snapshot` of the same store, usable in the
 *   receiving thread if that thread holds the store or is connected to it.
 * - `"throw"` is wrapped: errors thrown by any comlink-exposed function keep their class, so a
 *   `SnapshotReleasedError` thrown in one thread is a `SnapshotReleasedError` where it is
 *   caught. Comlink's own handler rebuilds every error as a plain `Error`; the wrapper keeps
 *   comlink's wire shape and adds one field, read only by this wrapper, carrying the class,
 *   `shard` and `cause` of swarmstate's errors and of the `TypeError`/`RangeError` of argument
 *   checks. Every other error, and a thread without swarmstate, gets what comlink gives.
 */
export function registerTransferHandlers(): void {
  if (registered) return;
  registered = true;
  transferHandlers.set("swarmstate:snapshot", {
    canHandle: (value: unknown): value is Snapshot => value instanceof Snapshot,
    serialize: (snapshot: Snapshot) => [toWire(snapshot), []],
    deserialize: (wire: SnapshotOnTheWire) => fromWire(wire),
  } as TransferHandler<unknown, unknown>);

  const comlinkThrow = transferHandlers.get("throw") as TransferHandler<
    { value: unknown },
    unknown
  >;
  transferHandlers.set("throw", {
    canHandle: comlinkThrow.canHandle,
    serialize: (thrown: { value: unknown }) => {
      const error = thrown.value;
      const ours =
        error instanceof SwarmStateError ||
        error instanceof TypeError ||
        error instanceof RangeError;
      const [wire, transfers] = comlinkThrow.serialize(thrown);
      if (ours) return [{ ...(wire as object), swarmstate: serializeError(error) }, transfers];
      return [wire, transfers];
    },
    deserialize: (wire: unknown) => {
      const ours = (wire as { swarmstate?: SerializedError }).swarmstate;
      if (ours !== undefined) throw rebuildError(ours);
      return comlinkThrow.deserialize(wire);
    },
  } as TransferHandler<unknown, unknown>);
}

/**
 * A Node `MessagePort` as comlink's endpoint. Node's ports are EventTargets with `postMessage`
 * and `start`, which is all comlink uses, so no adapter is needed.
 */
export function asEndpoint(port: MessagePort): Endpoint {
  return port as unknown as Endpoint;
}
