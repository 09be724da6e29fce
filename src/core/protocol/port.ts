/**
 * The channel between one client and one shard: a `MessagePort` pair from `worker_threads`, or,
 * for a client in the very thread that hosts the shard (`shards: 0`), its in-process twin below.
 *
 * Why MessagePorts rather than rings in a `SharedArrayBuffer` with `Atomics`: measured on the
 * 2-core VM that builds this project (bench section "scaling", bench/harness/transport.ts), a
 * bare ping-pong between two threads takes p50 ~15 µs over a MessagePort against ~10 µs over a
 * SharedArrayBuffer with both sides blocking in `Atomics.wait`, and ~40 µs when they spin before
 * waiting (the spinning thread takes the core the other one needs; with cores to spare the issue
 * that asked for this measured 21, 16 and 6 µs). But a shard cannot block: it serves many
 * clients' channels and its control tasks, so it would wait with `Atomics.waitAsync` (the
 * bench's first version of this measurement waited that way and hung on a 16-core machine with
 * Node 20, not reproduced on 2 cores). And a ring would cost what a port gives for free: messages
 * of any size and shape, FIFO delivery, delivery of everything posted before the sending thread
 * died followed by a `close` event, and no thread burning a core while it waits. An awaited call
 * through a shard costs ~1.3x a bare port round trip (p50 ~20 µs against ~15 µs); agents wait on
 * models and tools for milliseconds.
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
