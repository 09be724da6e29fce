/**
 * Question: what does durability cost, and does it persist what changed rather than the store?
 *
 * - `setMany` (chunks of 1,000) on 2 shards: memory only, `"async"` and `"sync"`, in
 *   alternating rounds (targets: async >= 0.5x, sync >= 0.25x of memory).
 * - Group commit: 8 writers each awaiting one `set` at a time against 1 writer, `"sync"`
 *   (target >= 4x: concurrent calls share a flush).
 * - A snapshot after 100 changed keys in a store of 1M entries: bytes this process wrote (the
 *   100 values and the snapshot), less those of a snapshot after one change on each shard (the
 *   constant: each shard's commits), against a copy-on-snapshot writer that writes all 1M
 *   entries to lmdb (target: at most 2x the 100 values' encoded size).
 * - Reopening that store (the first answer after `new Store({ path })`), against lmdb alone
 *   reading the same entries from the copy (targets: under 3 s, at most 2x lmdb alone).
 * - Disk use under a steady load with `maxHistory: 10`, sampled over time (bounded: the second
 *   half never grows past 1.5x the first half's peak).
 *
 * Bytes come from /proc/self/io (harness/disk.ts): the shard threads are this process's.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { open } from "lmdb";
import { shardOf } from "../../dist/core/protocol/hash.js";
import { dumps, Store } from "../../dist/index.js";
import { chunksOf, type Item, itemFor, namespaceOf, range, valueFor } from "../harness/data.js";
import { bytesWritten, directorySize, scratchDirectory } from "../harness/disk.js";
import {
  bytes,
  type Figure,
  figure,
  format,
  mb,
  ms,
  opsPerSecond,
  ratio,
} from "../harness/figures.js";
import { median, settle } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table } from "../harness/table.js";

const NAME = "durability";
const SHARDS = 2;

export const durabilitySection: Section = {
  name: NAME,
  question: "what durability costs in writes, snapshot bytes, reopening and disk over time",
  async run({ quick, cap, progress }) {
    const figures: Figure[] = [];

    progress("setMany throughput: memory, async, sync (alternating rounds)");
    const chunks = quick ? 10 : 100;
    const modes = {
      memory: {},
      async: { durability: "async" },
      sync: { durability: "sync" },
    } as const;
    const rates: Record<keyof typeof modes, number[]> = { memory: [], async: [], sync: [] };
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
        rates[mode].push(await setManyRate(modes[mode], chunks));
      }
    }
    const throughput = table(NAME, "durability-throughput", "setMany, chunks of 1,000", "mode", {
      swarmstate: ["items/s", "vs memory"],
    });
    const memory = median(rates.memory);
    for (const mode of Object.keys(modes) as (keyof typeof modes)[]) {
      const rate = median(rates[mode]);
      addReportedRow(
        throughput,
        mode,
        mode,
        { "items/s": opsPerSecond(rate), "vs memory": ratio(rate / memory) },
        progress,
      );
    }
    for (const [mode, target] of [
      ["async", 0.5],
      ["sync", 0.25],
    ] as const) {
      const rate = median(rates[mode]);
      figures.push(
        figure(
          NAME,
          `setMany "${mode}" / memory-only items/s`,
          ratio(rate / memory),
          { op: ">=", value: target, source: "#11" },
          {
            [mode]: opsPerSecond(rate),
            memory: opsPerSecond(memory),
          },
        ),
      );
    }

    progress('group commit: 1 and 8 writers awaiting each "sync" set');
    const seconds = quick ? 1 : 4;
    const single: number[] = [];
    const eight: number[] = [];
    for (let round = 0; round < (quick ? 1 : 3); round++) {
      single.push(await awaitedWriters(1, seconds));
      eight.push(await awaitedWriters(8, seconds));
    }
    const [one, many] = [median(single), median(eight)];
    progress(`  1 writer ${format(opsPerSecond(one))}, 8 writers ${format(opsPerSecond(many))}`);
    figures.push(
      figure(
        NAME,
        'awaited "sync" sets: 8 writers / 1 writer',
        ratio(many / one),
        { op: ">=", value: 4, source: "#11" },
        {
          "8 writers": opsPerSecond(many),
          "1 writer": opsPerSecond(one),
        },
      ),
    );

    const entries = cap(1_000_000);
    progress(
      `a store of ${entries.toLocaleString("en-US")} entries on disk, and a copy of them in lmdb alone`,
    );
    const scratch = scratchDirectory();
    try {
      const path = `${scratch.path}/store`;
      let store = new Store({ shards: SHARDS, path, durability: "async" });
      for (const chunk of chunksOf(range(entries))) await store.setMany(chunk);
      // Two cuts: the first freezes a checkpoint, the second lets it be written; then quiet.
      await store.snapshot();
      await store.snapshot();
      await quiet();
      await store.close();
      store = new Store({ path });
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
      // The constant: a snapshot after one change on every shard, so that it holds each
      // shard's commits (B-tree pages, meta page) as the 100 changes' do. Whole pages make
      // single measurements jump by 4 KB either way, so both alternate and the medians count.
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

      const copy = await copyOnSnapshot(`${scratch.path}/copy`, entries);
      progress(
        `  snapshot after 100 changes: ${format(bytes(written))} written (values ${format(bytes(payload))}); ` +
          `a copy of every entry: ${format(bytes(copy))}`,
      );
      figures.push(
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
          {
            "copy-on-snapshot": bytes(copy),
            written: bytes(written),
          },
        ),
      );

      progress("reopening the store, and lmdb alone reading the copy");
      const reopen: number[] = [];
      const engine: number[] = [];
      for (let round = 0; round < (quick ? 1 : 3); round++) {
        await settle();
        engine.push(await readCopy(`${scratch.path}/copy`, entries));
        await settle();
        const started = performance.now();
        const reopened = new Store({ path });
        if ((await reopened.size()) !== entries) throw new Error("reopened store lost entries");
        reopen.push(performance.now() - started);
        await reopened.close();
      }
      const [opened, alone] = [median(reopen), median(engine)];
      progress(`  reopen ${format(ms(opened))}, lmdb alone ${format(ms(alone))}`);
      figures.push(
        figure(
          NAME,
          `reopen a store of ${entries.toLocaleString("en-US")} entries`,
          ms(opened),
          entries >= 1_000_000 ? { op: "<=", value: 3000, source: "#11" } : null,
        ),
        figure(
          NAME,
          "reopen / lmdb alone reading the same entries",
          ratio(opened / alone),
          { op: "<=", value: 2, source: "#11" },
          {
            reopen: ms(opened),
            "lmdb alone": ms(alone),
          },
        ),
      );
    } finally {
      scratch.remove();
    }

    progress("disk use under a steady load, maxHistory 10");
    const sizes = await diskOverTime(quick ? 4 : 30, progress);
    const disk = table(
      NAME,
      "durability-disk",
      "disk use under a steady load, maxHistory 10",
      "seconds",
      {
        swarmstate: ["on disk"],
      },
    );
    for (const [second, size] of sizes)
      disk.rows.push({ key: second, cells: { "on disk": mb(size) } });
    const half = Math.floor(sizes.length / 2);
    const firstPeak = Math.max(...sizes.slice(0, half).map(([, size]) => size));
    const secondPeak = Math.max(...sizes.slice(half).map(([, size]) => size));
    figures.push(
      figure(
        NAME,
        "disk use, second half's peak / first half's peak",
        ratio(secondPeak / firstPeak),
        { op: "<=", value: 1.5, source: "#11" },
        {
          "first half": mb(firstPeak),
          "second half": mb(secondPeak),
        },
      ),
    );

    return { figures, tables: [throughput, disk] };
  },
};

/**
 * The first entry index whose namespace lives on `shard` (of {@link SHARDS}). Routing is the
 * package's fixed hash (pinned by its tests); the bench reads it from the build, not `src/`.
 */
function firstOnShard(shard: number, entries: number): number {
  for (let i = 0; i < entries; i++) if (shardOf(namespaceOf(i), SHARDS) === shard) return i;
  throw new Error(`no entry of the first ${entries} lives on shard ${shard}`);
}

/** Items per second of `setMany` (chunks of 1,000) on a fresh store. */
async function setManyRate(
  options: { durability?: "sync" | "async" },
  chunks: number,
): Promise<number> {
  const scratch = scratchDirectory();
  const store = new Store({
    shards: SHARDS,
    ...(options.durability ? { path: scratch.path, durability: options.durability } : {}),
  });
  try {
    await store.set("warm", "up", 1);
    const started = performance.now();
    let i = 0;
    for (const chunk of chunksOf(range(chunks * 1000))) {
      await store.setMany(chunk);
      i += chunk.length;
    }
    return (i * 1000) / (performance.now() - started);
  } finally {
    await store.close();
    scratch.remove();
  }
}

/** Sets per second of `writers` loops each awaiting one "sync" set at a time. */
async function awaitedWriters(writers: number, seconds: number): Promise<number> {
  const scratch = scratchDirectory();
  const store = new Store({ shards: SHARDS, path: scratch.path });
  try {
    await store.set("warm", "up", 1);
    let done = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < end; i++) {
          await store.set(`writer-${w}`, `key-${i}`, valueFor(i));
          done++;
        }
      }),
    );
    return done / seconds;
  } finally {
    await store.close();
    scratch.remove();
  }
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

/** Milliseconds lmdb alone takes to read every entry of the copy. */
async function readCopy(path: string, entries: number): Promise<number> {
  const started = performance.now();
  const env = open({ path, encoding: "binary" });
  let count = 0;
  for (const _ of env.getRange({})) count++;
  const elapsed = performance.now() - started;
  await env.close();
  if (count !== entries) throw new Error(`the copy holds ${count} entries, not ${entries}`);
  return elapsed;
}

/** Waits until this process has stopped writing (a checkpoint in the background, say). */
async function quiet(): Promise<void> {
  for (let last = bytesWritten(); ; ) {
    await sleep(500);
    const now = bytesWritten();
    if (now === last) return;
    last = now;
  }
}

/**
 * Runs a steady load for `seconds`: rewrites, new keys and deletions in every batch, a snapshot
 * every 50 ms, `maxHistory: 10`; samples the directory's size every second.
 */
async function diskOverTime(
  seconds: number,
  progress: (message: string) => void,
): Promise<[number, number][]> {
  const scratch = scratchDirectory();
  const store = new Store({
    shards: SHARDS,
    path: scratch.path,
    maxHistory: 10,
    durability: "async",
  });
  const sizes: [number, number][] = [];
  try {
    const started = performance.now();
    let next = 1;
    let round = 0;
    while (performance.now() - started < seconds * 1000) {
      const items = Array.from({ length: 500 }, (_, k) =>
        itemFor((round * 500 + k) % 50_000, round),
      );
      await store.setMany(items);
      for (let k = 0; k < 50; k++)
        await store.delete(items[k]?.[0] as string, items[k]?.[1] as string);
      if (round % 5 === 0) await store.snapshot();
      round++;
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= next) {
        const size = directorySize(scratch.path);
        sizes.push([next, size]);
        if (next % 5 === 0) progress(`  ${next} s: ${format(mb(size))} on disk`);
        next++;
      }
    }
    return sizes;
  } finally {
    await store.close();
    scratch.remove();
  }
}
