/**
 * Question: does a snapshot persist what changed rather than the store? A snapshot after 100
 * changed keys in a store of 1M entries: bytes this process wrote (the 100 values and the
 * snapshot), less those of a snapshot after one change on each shard (the constant: each
 * shard's commits), against a copy-on-snapshot writer that writes all 1M entries to lmdb
 * (target: at most 2x the 100 values' encoded size).
 *
 * Bytes come from /proc/self/io (harness/disk.ts): the shard threads are this process's.
 */
import { open } from "lmdb";
import { shardOf } from "../../../dist/core/protocol/hash.js";
import { dumps, Store } from "../../../dist/index.js";
import { chunksOf, type Item, itemFor, namespaceOf, range } from "../../harness/data.js";
import { bytesWritten } from "../../harness/disk.js";
import { bytes, figure, format, ratio } from "../../harness/figures.js";
import { median } from "../../harness/measure.js";
import type { Context, Outcome } from "../../harness/section.js";
import { NAME, quiet, SHARDS } from "./shared.js";

/**
 * Measures on the store at `path` (of `entries` entries, see `buildStore`); writes the
 * copy-on-snapshot baseline to `copyPath`, which it leaves there.
 */
export async function measureSnapshotBytes(
  { quick, progress }: Context,
  path: string,
  entries: number,
  copyPath: string,
): Promise<Outcome> {
  const store = new Store({ path });
  await store.size();
  await quiet();
  /** Bytes written by a setMany of `items` and the snapshot after it. */
  const snapshotAfter = async (items: Item[]) => {
    const before = await store.snapshot();
    const start = bytesWritten();
    await store.setMany(items);
    const after = await store.snapshot();
    const written = bytesWritten() - start;
    const diff = await after.diff(before);
    if (diff.changed.length !== items.length) throw new Error("a change went missing");
    return written;
  };
  // The constant: a snapshot after one change on every shard, so that it holds each shard's
  // commits as the 100 changes' do. Whole pages make single measurements jump by 4 KB either
  // way, so both alternate and the medians count.
  const oneEach = Array.from({ length: SHARDS }, (_, shard) => firstOnShard(shard, entries));
  const constants: number[] = [];
  const writtens: number[] = [];
  let payload = 0;
  for (let round = 1; round <= (quick ? 3 : 7); round++) {
    constants.push(await snapshotAfter(oneEach.map((i) => itemFor(i, -round))));
    const changed = Array.from({ length: 100 }, (_, k) =>
      itemFor((k * 7919 + round) % entries, round),
    );
    payload = changed.reduce((total, [, , value]) => total + dumps(value).length, 0);
    writtens.push(await snapshotAfter(changed));
  }
  const [constant, written] = [median(constants), median(writtens)];
  await store.close();

  const copy = await copyOnSnapshot(copyPath, entries);
  progress(
    `  snapshot after 100 changes: ${format(bytes(written))} written (values ${format(bytes(payload))}); ` +
      `a copy of every entry: ${format(bytes(copy))}`,
  );
  const figures = [
    figure(
      NAME,
      "bytes written for a snapshot after 100 changes, less those after 1 per shard, / the 100 values",
      ratio(Math.max(0, written - constant) / payload),
      { op: "<=", value: 2, source: "#11" },
      {
        written: bytes(written),
        "after 1 change per shard": bytes(constant),
        values: bytes(payload),
        "copy-on-snapshot": bytes(copy),
      },
    ),
    figure(
      NAME,
      "bytes written: copy-on-snapshot / a snapshot after 100 changes",
      ratio(copy / written),
      null,
      { "copy-on-snapshot": bytes(copy), written: bytes(written) },
    ),
  ];
  return { figures, tables: [] };
}

/**
 * The first entry index whose namespace lives on `shard` (of {@link SHARDS}). Routing is the
 * package's fixed hash (pinned by its tests); the bench reads it from the build, not `src/`.
 */
function firstOnShard(shard: number, entries: number): number {
  for (let i = 0; i < entries; i++) if (shardOf(namespaceOf(i), SHARDS) === shard) return i;
  throw new Error(`no entry of the first ${entries} lives on shard ${shard}`);
}

/** Writes every entry to a fresh lmdb database, as a copy-on-snapshot store would; bytes written. */
async function copyOnSnapshot(path: string, entries: number): Promise<number> {
  const start = bytesWritten();
  const env = open({ path, encoding: "binary" });
  for (const chunk of chunksOf(range(entries))) {
    for (const [namespace, key, value] of chunk)
      void env.put(`${namespace}\0${key}`, Buffer.from(dumps(value)));
    await env.committed;
  }
  await env.flushed;
  await env.close();
  return bytesWritten() - start;
}
