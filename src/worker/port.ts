/**
 * The channel between one client and one shard: a `MessagePort` pair from `worker_threads`, or,
 * for a client in the very thread that hosts the shard (`shards: 0`), its in-process twin below.
 *
 * Why MessagePorts rather than rings in a `SharedArrayBuffer` with `Atomics`: measured on the
 * 2-core VM that builds this project (bench section "scaling", and bench/cases/transport.ts),
 * a bare ping-pong between two threads takes p50 ~18 µs over a MessagePort against ~14 µs over
 * a SharedArrayBuffer with `Atomics.wait`, and ~40 µs when the far side spins before it waits
 * (the spinning thread takes the core the other one needs; with cores to spare the issue that
 * asked for this measured 21, 16 and 6 µs). A ring would save a few microseconds a round trip
 * and cost what a port gives for free: messages of any size and shape, buffers transferred
 * rather than copied, FIFO delivery, delivery of everything posted before the sending thread
 * died followed by a `close` event, and no thread burning a core while it waits. Agents wait on
 * models and tools for milliseconds; the store's side of a call is what must stay small.
 */

/** One end of a FIFO channel. A `MessagePort` is one; so is each end of {@link localPortPair}. */
export interface DataPort {
  /** `message` listeners get each message; `close` ones nothing. */
  on(event: "message" | "close", listener: (message: unknown) => void): unknown;
  postMessage(message: unknown, transfer?: readonly ArrayBuffer[]): void;
  close(): void;
  /** Whether the port keeps its thread alive (MessagePorts only; see ShardLink). */
  ref?(): void;
  unref?(): void;
}

type Listener = (message: unknown) => void;

/**
 * Two connected ends in one thread. Messages are delivered one per microtask, in order, and not
 * copied (the sender never touches a message again), so a client and a shard in the same thread
 * behave as they would across threads, at the cost of a function call.
 */
export function localPortPair(): [DataPort, DataPort] {
  const a = new LocalPort();
  const b = new LocalPort();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class LocalPort implements DataPort {
  peer: LocalPort | null = null;
  private readonly listeners: { message: Listener[]; close: (() => void)[] } = {
    message: [],
    close: [],
  };
  private closed = false;

  on(event: "message" | "close", listener: Listener): this {
    if (event === "message") this.listeners.message.push(listener);
    else this.listeners.close.push(listener as () => void);
    return this;
  }

  postMessage(message: unknown): void {
    const peer = this.peer;
    if (this.closed || peer === null) return;
    queueMicrotask(() => {
      if (peer.closed) return;
      for (const listener of peer.listeners.message) listener(message);
    });
  }

  /** Closes both ends, after whatever was posted before (as a MessagePort does). */
  close(): void {
    const peer = this.peer;
    if (this.closed) return;
    this.closed = true;
    queueMicrotask(() => {
      for (const listener of this.listeners.close) listener();
      if (peer !== null && !peer.closed) {
        peer.closed = true;
        for (const listener of peer.listeners.close) listener();
      }
    });
  }
}
