/**
 * Question: does a durable store keep everything it acknowledged, and every batch whole, when
 * its process is killed at any moment?
 *
 * The crash test (`runCrashTest`, as `swarmstate crash-test` runs it) in six runs of 50 SIGKILLs
 * each (one kill each with `--quick`): seeds 1 to 6, 2, 3 and 4 shards, `"sync"` and `"async"`
 * alternating, 300 kills in all. Target: no check fails (nothing acknowledged lost with
 * `"sync"`, no partial batch, every client's writes a prefix, every acknowledged snapshot
 * exact). A failed run's lines are printed and its directory (store and ledger) kept, so a loss
 * is never just a number in a table.
 */
import { runCrashTest } from "../../dist/crash/index.js";
import { scratchDirectory } from "../harness/disk.js";
import { count, type Figure, figure, ms } from "../harness/figures.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table } from "../harness/table.js";

const NAME = "crash";
const RUNS = [
  { seed: 1, shards: 2, durability: "sync" },
  { seed: 2, shards: 3, durability: "async" },
  { seed: 3, shards: 4, durability: "sync" },
  { seed: 4, shards: 2, durability: "async" },
  { seed: 5, shards: 3, durability: "sync" },
  { seed: 6, shards: 4, durability: "async" },
] as const;

export const crashSection: Section = {
  name: NAME,
  question: "whether a durable store keeps what it acknowledged when its process is killed",
  async run({ quick, progress }) {
    const kills = quick ? 1 : 50;
    const runs = table(NAME, "crash-runs", "each run of the crash test", "run", {
      swarmstate: [
        "kills",
        "acknowledged batches",
        "in flight, applied whole",
        "in flight, dropped whole",
        "reopen, mean",
        "checks failed",
      ],
    });
    let failed = 0;
    let killed = 0;
    let acknowledgedBatches = 0;
    let reopenMax = 0;
    for (const run of RUNS) {
      progress(`seed ${run.seed}, ${run.shards} shards, "${run.durability}": ${kills} kills`);
      const scratch = scratchDirectory();
      let keep = false;
      try {
        const report = await runCrashTest(
          { path: scratch.path, kills, json: false, sabotage: false, ...run },
          (line) => progress(`  ${line}`),
        );
        keep = !report.ok;
        if (keep) {
          progress(`  ${report.failures.join("; ")}`);
          progress(`  the store and its ledger are kept in ${scratch.path} for a look`);
        }
        failed += report.failures.length;
        killed += report.kills;
        acknowledgedBatches += report.acknowledged.batches;
        reopenMax = Math.max(reopenMax, report.reopen.maxMs);
        const label = `seed ${run.seed}, ${run.shards} shards, ${run.durability}`;
        addReportedRow(
          runs,
          label,
          label,
          {
            kills: count(report.kills),
            "acknowledged batches": count(report.acknowledged.batches),
            "in flight, applied whole": count(report.unacknowledged.applied),
            "in flight, dropped whole": count(report.unacknowledged.dropped),
            "reopen, mean": ms(report.reopen.meanMs),
            "checks failed": count(report.failures.length),
          },
          progress,
        );
      } finally {
        if (!keep) scratch.remove();
      }
    }
    const figures: Figure[] = [
      figure(
        NAME,
        `crash test, ${killed} kills over ${RUNS.length} runs: checks failed`,
        count(failed),
        { op: "<=", value: 0, source: "#26" },
        { "acknowledged batches": count(acknowledgedBatches) },
      ),
      figure(NAME, "crash test: reopening after a kill, slowest", ms(reopenMax), null),
    ];
    return { figures, tables: [runs] };
  },
};
