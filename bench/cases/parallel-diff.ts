/**
 * Question: how much faster is a diff of 500k changed keys in a 1M-entry store when the shards
 * diff in parallel (shards 1, 2, 4), and how long is the caller's event loop blocked in each
 * case? Targets (#10): 2 shards at least 1.3x faster than 1 on 2 cores or more, 4 shards at
 * least 2x on 4 cores or more (on fewer, the figure is reported without its target).
 *
 * On a 2-core machine at most two shards run at once, and the caller's thread (which decodes
 * and merges the shards' sorted lists) competes with them for the cores: 4 shards show what
 * more threads than cores cost. See harness/big-diff.ts for the store and the probe.
 */
import { availableParallelism } from "node:os";
import { type BigDiff, probeBigDiff } from "../harness/big-diff.js";
import {
  type Figure,
  figure,
  format,
  formatCount,
  ms,
  ratio,
  type Target,
} from "../harness/figures.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";

const NAME = "parallel-diff";
const SHARDS = [1, 2, 4];
/** The cores this process may use: a speed-up target only holds where there are enough. */
const cores = availableParallelism();
const TARGETS: Record<number, (cores: number) => Target | null> = {
  2: (n) => (n >= 2 ? { op: ">=", value: 1.3, source: "#10" } : null),
  4: (n) => (n >= 4 ? { op: ">=", value: 2, source: "#10" } : null),
};

export const parallelDiffSection: Section = {
  name: NAME,
  question: "speed-up of a 500k-change diff from shards running in parallel, and event-loop blocks",
  async run({ quick, cap, progress }) {
    const [entries, changes] = [cap(1_000_000), cap(500_000)];
    const runs = quick ? 2 : 5;
    const results = new Map<number, BigDiff>();
    for (const shards of SHARDS) {
      progress(
        `shards ${shards}, diff of ${formatCount(changes)} changed keys of ${formatCount(entries)}, ${runs} runs`,
      );
      const result = await probeBigDiff(shards, changes, runs, entries);
      results.set(shards, result);
      progress(
        `  diff ${format(ms(result.duration))}, longest block ${format(ms(result.block))} (worst ${format(ms(result.worst))})`,
      );
    }
    const one = results.get(1) as BigDiff;
    const speeds = table(
      NAME,
      "parallel-diff",
      `diff of ${formatCount(changes)} changed keys in ${formatCount(entries)}`,
      "shards",
      {
        swarmstate: [
          "diff (median)",
          "fastest",
          "speed-up vs 1 shard",
          "longest block",
          "worst block",
        ],
      },
    );
    const figures: Figure[] = [];
    for (const [shards, result] of results) {
      addRow(speeds, shards, {
        "diff (median)": ms(result.duration),
        fastest: ms(result.fastest),
        "speed-up vs 1 shard": ratio(one.duration / result.duration),
        "longest block": ms(result.block),
        "worst block": ms(result.worst),
      });
      if (shards === 1) continue;
      figures.push(
        figure(
          NAME,
          `diff(${formatCount(changes)} changed) speed-up, shards ${shards} / shards 1`,
          ratio(one.duration / result.duration),
          TARGETS[shards]?.(cores) ?? null,
          {
            [`diff ${shards}`]: ms(result.duration),
            "diff 1": ms(one.duration),
            [`block ${shards}`]: ms(result.block),
            "block 1": ms(one.block),
          },
        ),
      );
    }
    return { figures, tables: [speeds] };
  },
};
