/**
 * What the durability questions share: the section's name, its shard count, a quiet disk, and
 * the large store two of them measure.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Store } from "../../../dist/index.js";
import { chunksOf, range } from "../../harness/data.js";
import { bytesWritten } from "../../harness/disk.js";

export const NAME = "durability";
export const SHARDS = 2;

/** Waits until this process has stopped writing (a checkpoint in the background, say). */
export async function quiet(): Promise<void> {
  for (let last = bytesWritten(); ; ) {
    await sleep(500);
    const now = bytesWritten();
    if (now === last) return;
    last = now;
  }
}

/**
 * Builds a durable store of `entries` entries at `path` (`"async"`), with a checkpoint written,
 * and closes it: what the snapshot-bytes and reopen questions measure.
 */
export async function buildStore(path: string, entries: number): Promise<void> {
  const store = new Store({ shards: SHARDS, path, durability: "async" });
  for (const chunk of chunksOf(range(entries))) await store.setMany(chunk);
  // Two cuts: the first freezes a checkpoint, the second lets it be written; then quiet.
  await store.snapshot();
  await store.snapshot();
  await quiet();
  await store.close();
}
