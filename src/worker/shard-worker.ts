/**
 * A shard worker thread: hosts exactly one shard for the thread's whole life and applies the
 * batches the coordinator sends it (piscina calls the default export once per batch).
 *
 * A thread that was never sent `init` holds no shard. That is what a replacement thread looks
 * like after piscina restarts a crashed worker, so it refuses every batch instead of answering
 * from an empty shard; the coordinator then fails the store with `ShardFailedError`.
 */
import { move, transferableSymbol, valueSymbol } from "piscina";
import type { ShardTask } from "../core/batch-format.js";
import { runBatch, transferablesOf } from "../core/batch-runner.js";
import { Shard } from "../core/shard.js";

let shard: Shard | undefined;

export default function handle(task: ShardTask): unknown {
  if (task.init) {
    if (shard !== undefined) throw new Error("this thread already hosts a shard");
    shard = new Shard();
  } else if (shard === undefined) {
    throw new Error("its worker thread was replaced and the shard's state is lost");
  }
  const reply = runBatch(shard, task.batch);
  const buffers = transferablesOf(reply);
  if (buffers.length === 0) return reply;
  // Piscina sends `valueSymbol`'s value and transfers (rather than copies) the listed buffers.
  const movable = { [transferableSymbol]: buffers, [valueSymbol]: reply };
  return move(movable as unknown as Parameters<typeof move>[0]);
}
