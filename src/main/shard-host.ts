/**
 * Where a shard lives, seen from the coordinator: something that applies a batch and replies.
 */
import type { Batch, Reply } from "../core/protocol.js";

/** What the coordinator sends a shard worker for each batch. */
export interface ShardTask {
  /** Set on the first batch only: the thread creates its shard then. */
  init: boolean;
  batch: Batch;
}

export interface ShardHost {
  /** Applies a batch; rejects only if the shard itself is gone (its thread died). */
  run(task: ShardTask): Promise<Reply>;
  /** Stops the host; called once, after every batch has been answered. */
  close(): Promise<void>;
}
