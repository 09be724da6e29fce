/**
 * Question: what does a batch written across shards cost, now that each is committed as one
 * (shard/commit-gate.ts), against the same calls on one shard, and against another build?
 *
 * One store of this build with 2 worker shards: an awaited `setMany` of 8 namespaces (both
 * shards) against an awaited `set` (one), and `setMany`s of 8 namespaces made back to back, a
 * flush each, against the same on one namespace. With `--baseline DIR` (another build's `dist/`,
 * say the commit before a change), the same cases run on a store of that build too, each case
 * on both back to back, whichever goes first swapped every round: the ratios this build / that
 * one are the change's cost.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import * as thisBuild from "../../dist/index.js";
import { type Figure, figure, format, ms, opsPerSecond, ratio } from "../harness/figures.js";
import { median, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";

const NAME = "cross-shard";
const SHARDS = 2;
/** Eight namespaces, across both shards. */
const NAMESPACES = Array.from({ length: 8 }, (_, i) => `n${i}`);
/** Batches per timed run of the back-to-back cases. */
const BATCHES = 200;

type StoreClass = typeof thisBuild.Store;
type Store = InstanceType<StoreClass>;

/** The measurements of one build's store: each resolves to a timing. */
function casesOn(store: Store, options: { time: number; iterations: number }) {
  let step = 0;
  const awaited = (run: () => Promise<unknown>) => () => time("awaited", run, options);
  // A run: BATCHES setManys, each in a flush of its own; its time per batch.
  const backToBack = (namespaces: readonly string[]) => () =>
    time(
      "back to back",
      async () => {
        const all: Promise<void>[] = [];
        for (let i = 0; i < BATCHES; i++) {
          all.push(store.setMany(namespaces.map((ns, j) => [ns, `k${j}-${i % 50}`, i])));
          await null; // the flush goes first: one flush per setMany
        }
        await Promise.all(all);
      },
      { ...options, iterations: Math.max(4, options.iterations / 16) },
    ).then(
      (timing): Timing => ({ ...timing, p50: timing.p50 / BATCHES, p99: timing.p99 / BATCHES }),
    );
  return {
    "awaited setMany, 8 namespaces (2 shards)": awaited(() =>
      store.setMany(NAMESPACES.map((ns) => [ns, "k", step++])),
    ),
    "awaited set (1 shard)": awaited(() => store.set("n0", "k", step++)),
    "setMany back to back, 8 namespaces (2 shards), per batch": backToBack(NAMESPACES),
    "setMany back to back, 1 namespace x 8 keys (1 shard), per batch": backToBack(
      Array.from({ length: 8 }, () => "n0"),
    ),
  };
}

type Cases = ReturnType<typeof casesOn>;
type CaseName = keyof Cases;

export const crossShardSection: Section = {
  name: NAME,
  question: "a batch across shards against one on a single shard, and against another build",
  async run({ quick, budget, progress, baseline }) {
    const rounds = quick ? 2 : 12; // even: each build goes first as often
    const options = { time: budget / rounds, iterations: quick ? 16 : 128 };
    const builds: [string, StoreClass][] = [["this build", thisBuild.Store]];
    if (baseline !== null) {
      const other = (await import(pathToFileURL(resolve(baseline, "index.js")).href)) as {
        Store: StoreClass;
      };
      builds.push([`baseline (${baseline})`, other.Store]);
    }
    progress(`${builds.map(([name]) => name).join(" and ")}, ${rounds} alternating rounds`);
    const stores = builds.map(([, StoreOf]) => new StoreOf({ shards: SHARDS }));
    const cases = stores.map((store) => casesOn(store, options));
    const names = Object.keys(cases[0] as object) as CaseName[];
    // Each case on both builds back to back, the first one swapped every round: whichever runs
    // first in a pair was measured up to ~1.2x slower in an A/A run (a build against its copy).
    const runs = builds.map(() => new Map<CaseName, Timing[]>(names.map((n) => [n, []])));
    for (let round = 0; round < rounds; round++) {
      for (const name of names) {
        const order = builds.map((_, b) => b);
        if (round % 2 === 1) order.reverse();
        for (const b of order) runs[b]?.get(name)?.push(await (cases[b] as Cases)[name]());
      }
    }
    await Promise.all(stores.map((store) => store.close()));

    const of = (name: CaseName, build = 0): Timing => {
      const timings = runs[build]?.get(name) ?? [];
      return {
        p50: median(timings.map((t) => t.p50)),
        p99: median(timings.map((t) => t.p99)),
        samples: timings.reduce((sum, t) => sum + t.samples, 0),
      };
    };
    const grid = table(NAME, "cross-shard", "per batch", "case", {
      swarmstate: ["p50", "p99"],
      ...(builds.length > 1
        ? { baselines: ["baseline p50"], ratios: ["calls/s, this / baseline"] }
        : {}),
    });
    for (const name of names) {
      const mine = of(name);
      const theirs = builds.length > 1 ? of(name, 1) : null;
      addRow(grid, name, {
        p50: ms(mine.p50),
        p99: ms(mine.p99),
        ...(theirs === null
          ? {}
          : {
              "baseline p50": ms(theirs.p50),
              "calls/s, this / baseline": ratio(theirs.p50 / mine.p50),
            }),
      });
      progress(`  ${name}: p50 ${format(ms(mine.p50))}`);
    }
    const across = of("setMany back to back, 8 namespaces (2 shards), per batch");
    const within = of("setMany back to back, 1 namespace x 8 keys (1 shard), per batch");
    const figures: Figure[] = [
      figure(
        NAME,
        "setManys across 2 shards, back to back: batches/s, against the same on 1 shard",
        ratio(within.p50 / across.p50),
        null,
        {
          "across, batches/s": opsPerSecond(1000 / across.p50),
          "one shard, batches/s": opsPerSecond(1000 / within.p50),
        },
      ),
    ];
    if (builds.length > 1) {
      // Each round's pair ran back to back, on the machine as it was then: the median of the
      // rounds' ratios is steadier than the ratio of the medians on a busy machine.
      const pairedRatio = (name: CaseName) => {
        const mine = runs[0]?.get(name) ?? [];
        const theirs = runs[1]?.get(name) ?? [];
        return median(mine.map((timing, round) => (theirs[round]?.p50 ?? 0) / timing.p50));
      };
      for (const name of names) {
        figures.push(
          figure(
            NAME,
            `${name}: this build / baseline, in calls per second (median of the rounds' ratios)`,
            ratio(pairedRatio(name)),
            { op: ">=", value: 0.95, source: "#27" },
            { "this p50": ms(of(name).p50), "baseline p50": ms(of(name, 1).p50) },
          ),
        );
      }
    }
    return { figures, tables: [grid] };
  },
};
