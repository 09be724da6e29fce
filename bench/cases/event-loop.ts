/**
 * Question: while a big diff runs, how long is the caller's event loop blocked, with the diff on
 * two worker shards against `shards: 0` (where the shard runs in the calling thread)?
 *
 * Every entry of the store is rewritten between the two snapshots, so the diff reports all of
 * them as changed (see harness/big-diff.ts).
 */
import { type BigDiff, probeBigDiff } from "../harness/big-diff.js";
import { figure, format, formatCount, ms, ratio } from "../harness/figures.js";
import type { Section } from "../harness/section.js";

const NAME = "event-loop";
const HALF = { op: "<=", value: 0.5, source: "#2" } as const;

export const eventLoopSection: Section = {
  name: NAME,
  question: "longest event-loop block of the caller during a large diff, shards 2 vs shards 0",
  async run({ quick, cap, progress }) {
    const changes = cap(150_000);
    const runs = quick ? 2 : 7;
    const summaries: BigDiff[] = [];
    for (const shards of [0, 2]) {
      progress(`shards ${shards}, diff of ${formatCount(changes)} changed keys, ${runs} runs`);
      const summary = await probeBigDiff(shards, changes, runs);
      summaries.push(summary);
      progress(
        `  longest block ${format(ms(summary.block))} (worst ${format(ms(summary.worst))}), diff ${format(ms(summary.duration))}`,
      );
    }
    const [local, threaded] = summaries as [BigDiff, BigDiff];
    const figures = [
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
    return { figures, tables: [] };
  },
};
