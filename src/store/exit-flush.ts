/**
 * What a durable store acknowledged is on disk when the process ends, even without `close()`:
 * when the process emits `exit` (its work is done, `process.exit()`, or an uncaught error), the
 * store's thread asks every open durable store's shards to flush their logs and blocks until
 * they say so (`Atomics.wait`: nothing asynchronous runs in an `exit` listener), as pino's
 * thread-stream does for its worker; a shard in the store's own thread (`shards: 0`) commits
 * synchronously before it returns (durable/segments.ts, `commitNow`). With `"sync"` there is
 * nothing left to flush but what is being written; with `"async"` it is the writes acknowledged
 * before they reached disk.
 *
 * A signal that kills the process outright (SIGKILL; SIGTERM or SIGINT with no handler) emits
 * no `exit`: `"async"` writes acknowledged within the last commit may then be lost.
 */
import type { ShardHost } from "./shard-host.js";

/** The longest the ending process waits for its shards (all stores together). */
export const EXIT_FLUSH_MS = 10_000;

const open = new Set<readonly ShardHost[]>();
let listening = false;

/**
 * Flushes `hosts` when the process exits, until the returned function is called (the store
 * closed: its shards flushed and stopped themselves).
 */
export function flushAtExit(hosts: readonly ShardHost[]): () => void {
  open.add(hosts);
  if (!listening) {
    listening = true;
    // First, before any listener of the program's that might close what the shards need.
    process.prependListener("exit", flushAll);
  }
  return () => {
    open.delete(hosts);
  };
}

function flushAll(): void {
  // Every shard starts flushing before any is waited for, so the flushes overlap.
  const flushes = [...open].flatMap((hosts) => hosts.map((host) => host.startExitFlush()));
  const deadline = performance.now() + EXIT_FLUSH_MS;
  for (const flush of flushes) flush.wait(Math.max(0, deadline - performance.now()));
}
