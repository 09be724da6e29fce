/**
 * `npm run bench -- [--quick] [--json] [--only a,b]`: runs each section (one file per question in
 * `cases/`), prints a progress line per case and a table of every figure with its target and
 * verdict, and writes the results with the machine they came from.
 *
 * A full run writes `bench/results/latest.json`; a `--quick` run (small sizes, to check that
 * everything runs) writes `bench/results/quick.json` and an `--only` run `partial.json` instead,
 * so neither replaces the figures of a full run.
 * Every store comes from the built package (`dist/`), as users get it, and the bench itself runs
 * compiled (see bench/tsconfig.json).
 */
import { loadavg } from "node:os";
import { diffSection } from "./cases/diff.js";
import { eventLoopSection } from "./cases/event-loop.js";
import { memorySection } from "./cases/memory.js";
import { poolRoutingSection } from "./cases/pool-routing.js";
import { snapshotSection } from "./cases/snapshot.js";
import { writesSection } from "./cases/writes.js";
import { readOptions } from "./harness/cli.js";
import type { Figure } from "./harness/figures.js";
import { describeMachine } from "./harness/machine.js";
import { resultsDir } from "./harness/paths.js";
import { formatTable, progress, type Results, summarize, writeResults } from "./harness/report.js";
import type { Section } from "./harness/section.js";

const SECTIONS: readonly Section[] = [
  snapshotSection,
  diffSection,
  writesSection,
  eventLoopSection,
  memorySection,
  poolRoutingSection,
];

const options = readOptions(
  process.argv.slice(2),
  SECTIONS.map((s) => s.name),
);
const chosen = SECTIONS.filter((s) => options.only === null || options.only.includes(s.name));
const machine = describeMachine();
const startedAt = new Date();
if (globalThis.gc === undefined) progress("run", "warning: run with --expose-gc (npm run bench)");
progress(
  "run",
  `${options.quick ? "quick run (small sizes: figures do not test the targets)" : "full run"} on ` +
    `${machine.cpuCount}x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.toFixed(2)}, ` +
    `commit ${machine.revision?.commit.slice(0, 7) ?? "unknown"}${machine.revision?.srcModified ? " with src/ modified" : ""}`,
);

const figures: Figure[] = [];
for (const section of chosen) {
  progress(section.name, section.question);
  figures.push(
    ...(await section.run({
      quick: options.quick,
      budget: options.quick ? 200 : 1500,
      rounds: options.quick ? 40 : 300,
      progress: (message) => progress(section.name, message),
    })),
  );
}

const results: Results = {
  quick: options.quick,
  startedAt: startedAt.toISOString(),
  durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
  machine,
  loadAverageAtEnd: loadavg()[0] ?? 0,
  sections: chosen.map(({ name, question }) => ({ name, question })),
  figures,
};
// Only a full run of every section replaces latest.json.
const file = options.quick ? "quick.json" : options.only !== null ? "partial.json" : "latest.json";
writeResults(new URL(file, resultsDir), results);

const report = [
  "",
  formatTable(figures),
  "",
  options.quick ? "quick run: sizes too small for the verdicts to mean anything" : "",
  summarize(figures),
  `results written to bench/results/${file}`,
].join("\n");
if (options.json) {
  process.stderr.write(`${report}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  process.stdout.write(`${report}\n`);
}
