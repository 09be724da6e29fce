/**
 * Bare round trips between two threads, the floor under any call to a shard's thread: a
 * `MessagePort` ping-pong (what swarmstate's channels are), and a `SharedArrayBuffer` one with
 * `Atomics`, plain or spinning before it waits (the alternative src/core/protocol/port.ts weighs).
 */
import { MessageChannel, Worker } from "node:worker_threads";
import { type Timing, time } from "./measure.js";

const ECHO = new URL("./echo-thread.js", import.meta.url);

/** p50/p99 of a MessagePort round trip to another thread. */
export async function portRoundTrip(options: { time: number; iterations: number }) {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(ECHO, { workerData: { port: port2 }, transferList: [port2] });
  let answer: (() => void) | null = null;
  port1.on("message", () => answer?.());
  const trip = () =>
    new Promise<void>((resolve) => {
      answer = resolve;
      port1.postMessage(0);
    });
  try {
    await trip(); // the thread is up
    return await time("MessagePort round trip", trip, options);
  } finally {
    port1.close();
    await worker.terminate();
  }
}

/**
 * p50/p99 of a SharedArrayBuffer round trip: this thread writes slot 0 and waits (blocking in
 * `Atomics.wait`, after spinning `spin` times) for the far side to copy it to slot 1: the floor
 * of that transport. (The first version waited with `Atomics.waitAsync`, as a thread that must
 * keep its event loop would; on a 16-core machine with Node 20 the run hung in these round
 * trips, which a lost wake-up would explain; not reproduced on 2 cores.)
 */
export async function sharedMemoryRoundTrip(
  spin: number,
  options: { time: number; iterations: number },
): Promise<Timing> {
  const shared = new SharedArrayBuffer(8);
  const slots = new Int32Array(shared);
  const worker = new Worker(ECHO, { workerData: { shared, spin } });
  await new Promise((resolve) => worker.once("message", resolve));
  let sent = 0;
  const trip = () => {
    sent++;
    Atomics.store(slots, 0, sent);
    Atomics.notify(slots, 0);
    for (let i = 0; i < spin && Atomics.load(slots, 1) !== sent; i++);
    for (let seen = Atomics.load(slots, 1); seen !== sent; seen = Atomics.load(slots, 1)) {
      Atomics.wait(slots, 1, seen);
    }
  };
  try {
    return await time(`SharedArrayBuffer round trip (spin ${spin})`, trip, options);
  } finally {
    Atomics.store(slots, 0, -1);
    Atomics.notify(slots, 0);
    await worker.terminate();
  }
}
