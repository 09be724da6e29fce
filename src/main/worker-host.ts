/**
 * A shard in its own worker thread, run by piscina.
 *
 * One single-thread pool per shard rather than one pool whose `loadBalancer` routes each task
 * to its shard's worker: a shard needs one particular thread, not a free one, and with a pool
 * per shard that thread is simply the pool's only worker. Each shard gets its own FIFO queue,
 * so a slow diff on one shard never holds up another's batches, and a replacement worker after
 * a crash cannot be mistaken for another shard's. Measured on a 2-core machine (bench/cases/
 * pool-routing.ts), the round trip of a one-op batch is also a little shorter with a pool per
 * shard: p50 78 µs against 85 µs through a loadBalancer, and 77 µs against 90 µs with both
 * shards busy at once.
 */
import { Piscina } from "piscina";
import type { Reply, ShardTask } from "../core/batch-format.js";
import type { ShardHost } from "./shard-host.js";

export const DEFAULT_WORKER_URL = new URL("../worker/shard-worker.js", import.meta.url);

export class WorkerShardHost implements ShardHost {
  private readonly pool: Piscina;
  private closing = false;

  /** @param onLost called once if the worker dies outside a batch (e.g. while idle). */
  constructor(workerUrl: URL, onLost: (error: Error) => void) {
    this.pool = new Piscina({
      filename: workerUrl.href,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      recordTiming: false,
    });
    // A worker that dies with a task in flight fails that task; one that dies while idle only
    // shows as "workerDestroy" (or an "error" event, which unhandled would crash the process).
    // Either way its shard is gone: report it at once rather than when the empty replacement
    // is next asked something.
    this.pool.on("error", onLost);
    this.pool.on("workerDestroy", () => {
      if (!this.closing) onLost(new Error("its worker thread exited"));
    });
  }

  run(task: ShardTask): Promise<Reply> {
    const values = task.batch.values;
    return this.pool.run(task, { transferList: [values.buffer as ArrayBuffer] });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.pool.destroy();
  }
}
