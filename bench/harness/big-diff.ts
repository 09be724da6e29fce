/**
 * A big diff and what it does to the caller: a store of `changes` entries, every one rewritten
 * between two snapshots, so that the diff reports all of them as changed. Each diff runs under
 * the event-loop probe, several times; figures are medians over runs (a single preemption by
 * another process on a shared machine would otherwise decide them).
 */
import { filledStore, range, write } from "./data.js";
import { median, probeEventLoop, type Stall, settle } from "./measure.js";

export interface BigDiff {
  /** Median over runs of each run's longest event-loop block, in ms. */
  block: number;
  /** Longest block of any run, in ms. */
  worst: number;
  /** Median wall time of the diff, in ms. */
  duration: number;
  /** Fastest run, in ms. */
  fastest: number;
}

function summarize(stalls: Stall[]): BigDiff {
  return {
    block: median(stalls.map((s) => s.longestBlock)),
    worst: Math.max(...stalls.map((s) => s.longestBlock)),
    duration: median(stalls.map((s) => s.duration)),
    fastest: Math.min(...stalls.map((s) => s.duration)),
  };
}

/** Diffs `changes` changed keys `runs` times with `shards` shards, under the probe. */
export async function probeBigDiff(
  shards: number,
  changes: number,
  runs: number,
): Promise<BigDiff> {
  const store = await filledStore(shards, changes);
  const base = await store.snapshot();
  await write(store, range(changes), 1);
  const target = await store.snapshot();
  const stalls: Stall[] = [];
  for (let run = 0; run < runs; run++) {
    await settle();
    let changed = 0;
    stalls.push(
      await probeEventLoop(async () => {
        changed = (await target.diff(base)).changed.length;
      }),
    );
    if (changed !== changes) throw new Error(`diff found ${changed} changes, expected ${changes}`);
  }
  await store.close();
  await settle();
  return summarize(stalls);
}
