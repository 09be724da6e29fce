/**
 * A big diff and what it does to the caller: a store of `entries` entries, the first `changes`
 * of them rewritten between two snapshots, so that the diff reports them all as changed. Each
 * run times one diff alone, then one under the event-loop probe; figures are medians over runs
 * (a single preemption by another process on a shared machine would otherwise decide them).
 * The two are apart because the probe keeps the caller's thread busy turning its event loop,
 * which on a machine with few cores takes one from the shards a diff is meant to run on.
 */
import { filledStore, range, write } from "./data.js";
import { median, probeEventLoop, type Stall, settle } from "./measure.js";

export interface BigDiff {
  /** Median over runs of each run's longest event-loop block, in ms. */
  block: number;
  /** Longest block of any run, in ms. */
  worst: number;
  /** Median wall time of the diff (without the probe), in ms. */
  duration: number;
  /** Fastest run (without the probe), in ms. */
  fastest: number;
}

/** Diffs `changes` changed keys of `entries` (default: as many) `runs` times with `shards` shards. */
export async function probeBigDiff(
  shards: number,
  changes: number,
  runs: number,
  entries = changes,
): Promise<BigDiff> {
  const store = await filledStore(shards, entries);
  const base = await store.snapshot();
  await write(store, range(changes), 1);
  const target = await store.snapshot();
  const check = (changed: number) => {
    if (changed !== changes) throw new Error(`diff found ${changed} changes, expected ${changes}`);
  };
  const durations: number[] = [];
  const stalls: Stall[] = [];
  for (let run = 0; run < runs; run++) {
    await settle();
    const started = performance.now();
    check((await target.diff(base)).changed.length);
    durations.push(performance.now() - started);
    await settle();
    let changed = 0;
    stalls.push(
      await probeEventLoop(async () => {
        changed = (await target.diff(base)).changed.length;
      }),
    );
    check(changed);
  }
  await store.close();
  await settle();
  return {
    block: median(stalls.map((s) => s.longestBlock)),
    worst: Math.max(...stalls.map((s) => s.longestBlock)),
    duration: median(durations),
    fastest: Math.min(...durations),
  };
}
