/**
 * Where a shard lives, seen from the coordinator: something that applies a batch and replies.
 */
import type { Reply, ShardTask } from "../core/batch-format.js";

export interface ShardHost {
  /** Applies a batch; rejects only if the shard itself is gone (its thread died). */
  run(task: ShardTask): Promise<Reply>;
  /** Stops the host; called once, after every batch has been answered. */
  close(): Promise<void>;
}
