/**
 * The far side of a bare round trip between two threads, for the transport measurements of
 * cases/scaling.ts: with a `port`, it echoes each message back; with a `SharedArrayBuffer`, it
 * waits for slot 0 to change (after spinning `spin` times) and copies it to slot 1, until -1.
 */
import { parentPort, workerData } from "node:worker_threads";

interface EchoData {
  port?: import("node:worker_threads").MessagePort;
  shared?: SharedArrayBuffer;
  spin?: number;
}

const { port, shared, spin = 0 } = workerData as EchoData;
if (port !== undefined) {
  port.on("message", (message) => port.postMessage(message));
} else if (shared !== undefined) {
  const slots = new Int32Array(shared);
  parentPort?.postMessage("ready");
  let last = 0;
  for (;;) {
    for (let i = 0; i < spin && Atomics.load(slots, 0) === last; i++);
    if (Atomics.load(slots, 0) === last) Atomics.wait(slots, 0, last);
    last = Atomics.load(slots, 0);
    if (last === -1) break;
    Atomics.store(slots, 1, last);
    Atomics.notify(slots, 1);
  }
}
