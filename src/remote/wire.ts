/**
 * What crosses the port between a `RemoteStore` and the store it reaches.
 *
 * A client sends the calls made in one tick as one `WireMessage` and gets one back with their
 * results, in order. The comlink transfer handler registered here turns a message into a single
 * msgpack buffer and transfers it rather than copying it. Values travel in it as their encoded
 * bytes, both ways, so they are encoded and decoded only in the threads that use them. Snapshots travel as ids and errors as
 * `{ name, message }`; each side rebuilds its own objects from them.
 */
import type { MessagePort } from "node:worker_threads";
import { type Endpoint, type TransferHandler, transferHandlers } from "comlink";
import { decodeValue, encodeMessage } from "../core/codec.js";
import {
  rebuildError,
  type SerializedError,
  SwarmStateError,
  serializeError,
} from "../core/errors.js";
import type { Value } from "../core/value.js";
import { fromWire, Snapshot, type SnapshotOnTheWire, toWire } from "../main/snapshot.js";

/** Calls a client can make; arguments as in `StoreApi`, snapshots as ids, values pre-encoded. */
export type RemoteMethod =
  | "set"
  | "setMany"
  | "get"
  | "getMany"
  | "has"
  | "delete"
  | "keys"
  | "namespaces"
  | "size"
  | "clear"
  | "snapshot"
  | "restore"
  | "release"
  | "snapshotGet"
  | "snapshotKeys"
  | "diff";

export type RemoteCall = [RemoteMethod, ...unknown[]];

/** `[0, result]` or `[1, error]`, one per call. */
export type RemoteResult = [0, unknown] | [1, SerializedError];

/** What `exposeStore` tells a client when it connects. */
export interface StoreDescription {
  storeId: string;
  shards: number;
  maxHistory: number | null;
}

/** The server's side of the connection, as comlink exposes it. */
export interface StoreService {
  describe(): StoreDescription;
  run(calls: WireMessage): Promise<WireMessage>;
}

/** A batch of calls or of results, packed into one transferred buffer on the way. */
export class WireMessage {
  constructor(readonly body: RemoteCall[] | RemoteResult[]) {}
}

transferHandlers.set("swarmstate:message", {
  canHandle: (value: unknown): value is WireMessage => value instanceof WireMessage,
  serialize: (message: WireMessage) => {
    // A copy of msgpackr's reused buffer, owned by this message, so it can be transferred.
    const bytes = new Uint8Array(encodeMessage(message.body));
    return [bytes, [bytes.buffer]];
  },
  deserialize: (bytes: Uint8Array) =>
    new WireMessage(decodeValue(bytes) as Value[] as unknown as RemoteCall[]),
} as TransferHandler<unknown, unknown>);

/**
 * A `Snapshot` passed through comlink (say, returned by an agent thread's exposed function)
 * arrives as a `Snapshot` of the same store, usable in the receiving thread if that thread holds
 * the store or is connected to it.
 */
transferHandlers.set("swarmstate:snapshot", {
  canHandle: (value: unknown): value is Snapshot => value instanceof Snapshot,
  serialize: (snapshot: Snapshot) => [toWire(snapshot), []],
  deserialize: (wire: SnapshotOnTheWire) => fromWire(wire),
} as TransferHandler<unknown, unknown>);

/**
 * Errors thrown by any comlink-exposed function (an agent's API, say) keep their class: a
 * `SnapshotReleasedError` thrown in one thread is a `SnapshotReleasedError` where it is caught.
 * Comlink's own "throw" handler rebuilds every error as a plain `Error`; ours wraps it, adding
 * the class of swarmstate's errors and of the `TypeError`/`RangeError` of argument checks.
 */
const comlinkThrow = transferHandlers.get("throw") as TransferHandler<{ value: unknown }, unknown>;
transferHandlers.set("throw", {
  canHandle: comlinkThrow.canHandle,
  serialize: (thrown: { value: unknown }) => {
    const error = thrown.value;
    const ours =
      error instanceof SwarmStateError || error instanceof TypeError || error instanceof RangeError;
    const [wire, transfers] = comlinkThrow.serialize(thrown);
    // Comlink's own shape, plus a field only this handler reads: a thread that never imported
    // swarmstate still gets the error comlink would have given it.
    if (ours) return [{ ...(wire as object), swarmstate: serializeError(error) }, transfers];
    return [wire, transfers];
  },
  deserialize: (wire: unknown) => {
    const ours = (wire as { swarmstate?: SerializedError }).swarmstate;
    if (ours !== undefined) throw rebuildError(ours);
    return comlinkThrow.deserialize(wire);
  },
} as TransferHandler<unknown, unknown>);

/**
 * A Node `MessagePort` as comlink's endpoint. Node's ports are EventTargets with `postMessage`
 * and `start`, which is all comlink uses, so no adapter is needed.
 */
export function asEndpoint(port: MessagePort): Endpoint {
  return port as unknown as Endpoint;
}
