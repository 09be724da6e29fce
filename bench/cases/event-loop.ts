/**
 * Question: while a big diff runs, how long is the caller's event loop blocked, with the diff on
 * two worker shards against `shards: 0` (where the shard runs in the calling thread)?
 *
 * Every entry of the store is rewritten between the two snapshots, so the diff reports all of
 * them as changed. Each diff is run several times; the figure is the median over runs of each
 * run's longest block (a single preemption by another process on this shared machine would
 * otherwise decide it).
 */
import { filledStore, range, write } from "../harness/data.js";
import { type Figure, figure, format, formatCount, ms, ratio } from "../harness/figures.js";
import { median, probeEventLoop, type Stall, settle } from "../harness/measure.js";
import type { Section } from "../harness/section.js";

const NAME = "event-loop";
const HALF = { op: "<=", value: 0.5, source: "#2" } as const;

interface Summary {
  /** Median over runs of each run's longest block, in ms. */
  block: number;
  /** Longest block of any run, in ms. */
  worst: number;
  /** Median wall time of the diff, in ms. */
  duration: number;
}

function summarize(stalls: Stall[]): Summary {
  return {
    block: median(stalls.map((s) => s.longestBlock)),
    worst: Math.max(...stalls.map((s) => s.longestBlock)),
    duration: median(stalls.map((s) => s.duration)),
  };
}

async function probeDiff(shards: number, changes: number, runs: number): Promise<Stall[]> {
  const store = await filledStore(shards, changes);
  const base = await store.snapshot();
  await write(store, range(changes), 1);
  const target = await store.snapshot();
  const stalls: Stall[] = [];
  for (let run = 0; run < runs; run++) {
    let changed = 0;
    stalls.push(
      await probeEventLoop(async () => {
        changed = (await target.diff(base)).changed.length;
      }),
    );
    if (changed !== changes) throw new Error(`diff found ${changed} changes, expected ${changes}`);
    await settle();
  }
  await store.close();
  return stalls;
}

export const eventLoopSection: Section = {
  name: NAME,
  question: "longest event-loop block of the caller during a large diff, shards 2 vs shards 0",
  async run({ quick, progress }) {
    const changes = quick ? 15_000 : 150_000;
    const runs = quick ? 2 : 7;
    const summaries: Summary[] = [];
    for (const shards of [0, 2]) {
      progress(`shards ${shards}, diff of ${formatCount(changes)} changed keys, ${runs} runs`);
      const summary = summarize(await probeDiff(shards, changes, runs));
      summaries.push(summary);
      progress(
        `  longest block ${format(ms(summary.block))} (worst ${format(ms(summary.worst))}), diff ${format(ms(summary.duration))}`,
      );
      await settle();
    }
    const [local, threaded] = summaries as [Summary, Summary];
    const figures: Figure[] = [
      figure(
        NAME,
        `longest block during diff(${formatCount(changes)} changed), shards 2 / shards 0`,
        ratio(threaded.block / local.block),
        HALF,
        {
          "shards 2": ms(threaded.block),
          "shards 0": ms(local.block),
          "worst 2": ms(threaded.worst),
          "worst 0": ms(local.worst),
          "diff 2": ms(threaded.duration),
          "diff 0": ms(local.duration),
        },
      ),
    ];
    return figures;
  },
};
