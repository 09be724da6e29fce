/**
 * `shards: 0`: the one shard lives in the calling thread. Batches run the same code as in a
 * worker, one per microtask, so ordering and batching behave exactly as with threads.
 */
import type { Reply, ShardTask } from "../core/batch-format.js";
import { runBatch } from "../core/batch-runner.js";
import { Shard } from "../core/shard.js";
import type { ShardHost } from "./shard-host.js";

export class LocalShardHost implements ShardHost {
  private readonly shard = new Shard();

  async run(task: ShardTask): Promise<Reply> {
    return runBatch(this.shard, task.batch);
  }

  async close(): Promise<void> {}
}
