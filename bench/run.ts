/**
 * `npm run bench -- [--quick] [--json] [--only a,b] [--sizes 100,1k,1M] [--max-entries 200k]`:
 * runs each section (one file per question in `cases/`), prints a progress line per case, then
 * per section its tables and its figures with their targets and verdicts, and writes the results
 * with the machine they came from: JSON, a Markdown summary and SVG charts of the sweeps.
 *
 * A full run writes `bench/results/latest.{json,md}` and the charts in `docs/`; a `--quick` run
 * (small sizes, to check that everything runs) writes `bench/results/quick.json`, and a run with
 * `--only`, `--sizes` or `--max-entries` writes `partial.json`, with their summaries and charts
 * in `dist-bench/results/`, so that neither replaces the figures of a full run. `--from <json>`
 * measures nothing: it rewrites the summary and charts of an earlier run from its JSON.
 * Every store comes from the built package (`dist/`), as users get it, and the bench itself runs
 * compiled (see bench/tsconfig.json).
 */
import { loadavg } from "node:os";
import { changesetsSection } from "./cases/changesets.js";
import { crashSection } from "./cases/crash.js";
import { crossShardSection } from "./cases/cross-shard.js";
import { diffSection } from "./cases/diff.js";
import { diffChangesSection } from "./cases/diff-changes.js";
import { durabilitySection } from "./cases/durability.js";
import { endingSection } from "./cases/ending.js";
import { eventLoopSection } from "./cases/event-loop.js";
import { langgraphSection } from "./cases/langgraph.js";
import { latencySection } from "./cases/latency.js";
import { memorySection } from "./cases/memory.js";
import { parallelDiffSection } from "./cases/parallel-diff.js";
import { poolRoutingSection } from "./cases/pool-routing.js";
import { replicationSection } from "./cases/replication.js";
import { replicationClientSection } from "./cases/replication-client.js";
import { scalingSection } from "./cases/scaling.js";
import { snapshotSection } from "./cases/snapshot.js";
import { throughputSection } from "./cases/throughput.js";
import { renderCharts } from "./harness/charts.js";
import { HELP, readOptions } from "./harness/cli.js";
import type { Figure } from "./harness/figures.js";
import { describeMachine } from "./harness/machine.js";
import { describeRun, markdownSummary } from "./harness/markdown.js";
import { chartsDir, projectRoot, resultsDir, scratchResultsDir } from "./harness/paths.js";
import {
  formatReport,
  progress,
  type Results,
  readResults,
  summarize,
  writeFile,
  writeResults,
} from "./harness/report.js";
import type { Section } from "./harness/section.js";
import type { Table } from "./harness/table.js";

const SECTIONS: readonly Section[] = [
  snapshotSection,
  diffSection,
  diffChangesSection,
  changesetsSection,
  parallelDiffSection,
  eventLoopSection,
  throughputSection,
  latencySection,
  memorySection,
  poolRoutingSection,
  scalingSection,
  crossShardSection,
  durabilitySection,
  crashSection,
  endingSection,
  langgraphSection,
  replicationSection,
  replicationClientSection,
];
const FULL_SIZES = [100, 1000, 10_000, 100_000, 1_000_000];
const QUICK_SIZES = [100, 1000, 10_000];
/** Quick runs cap every store and change count here: small, but past the smallest sweep size. */
const QUICK_MAX_ENTRIES = 20_000;

const names = SECTIONS.map((s) => s.name);
const options = readOptions(process.argv.slice(2), names);
if (options.help) {
  process.stdout.write(`${HELP}\nsections: ${names.join(", ")}\n`);
  process.exit(0);
}
/** Runs the chosen sections and gathers what they found, with the machine and settings. */
async function measure(): Promise<Results> {
  const { quick } = options;
  const maxEntries = options.maxEntries ?? (quick ? QUICK_MAX_ENTRIES : null);
  const cap = (n: number) => (maxEntries === null ? n : Math.min(n, maxEntries));
  const sizes = [...new Set((options.sizes ?? (quick ? QUICK_SIZES : FULL_SIZES)).map(cap))].sort(
    (a, b) => a - b,
  );
  const kind: Results["kind"] = quick
    ? "quick"
    : options.only || options.sizes || options.maxEntries
      ? "partial"
      : "latest";
  const chosen = SECTIONS.filter((s) => options.only === null || options.only.includes(s.name));
  const machine = describeMachine();
  const startedAt = new Date();
  const budget = quick ? 100 : 1500;
  const rounds = quick ? 20 : 300;
  if (globalThis.gc === undefined) progress("run", "warning: run with --expose-gc (npm run bench)");
  progress(
    "run",
    `${quick ? "quick run (small sizes: figures do not test the targets)" : `${kind === "latest" ? "full" : "partial"} run`} on ` +
      `${machine.cpuCount}x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.toFixed(2)}, ` +
      `commit ${machine.revision?.commit.slice(0, 7) ?? "unknown"}${machine.revision?.srcModified ? " with src/ modified" : ""}; ` +
      `sizes ${sizes.join(", ")}${maxEntries === null ? "" : `, at most ${maxEntries} entries`}`,
  );
  const figures: Figure[] = [];
  const tables: Table[] = [];
  for (const section of chosen) {
    progress(section.name, section.question);
    const outcome = await section.run({
      quick,
      budget,
      rounds,
      sizes,
      cap,
      baseline: options.baseline,
      progress: (message) => progress(section.name, message),
    });
    figures.push(...outcome.figures);
    tables.push(...outcome.tables);
  }
  return {
    kind,
    quick,
    argv: process.argv.slice(2),
    settings: { sizes, maxEntries, budgetMs: budget, rounds },
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    machine,
    loadAverageAtEnd: loadavg()[0] ?? 0,
    sections: chosen.map(({ name, question }) => ({ name, question })),
    figures,
    tables,
  };
}

const results = options.from === null ? await measure() : readResults(options.from);
const { kind, machine, figures } = results;
const json = new URL(`${kind}.json`, resultsDir);
if (options.from === null) writeResults(json, results);

// Only a full run replaces the summary and the charts docs/performance.md shows.
const charts = await renderCharts(
  results.tables,
  kind === "latest" ? chartsDir : scratchResultsDir,
  kind === "latest" ? "" : `${kind}-`,
  `${machine.cpuCount}x ${machine.cpuModel}, Node ${machine.node}, load ${machine.loadAverage.toFixed(1)}${results.quick ? ", quick run" : ""}`,
);
const summaryFile = new URL(`${kind}.md`, kind === "latest" ? resultsDir : scratchResultsDir);
writeFile(summaryFile, markdownSummary(results, charts, summaryFile));

const relative = (url: URL) => url.href.slice(projectRoot.href.length);
const report = [
  "",
  formatReport(results),
  results.quick ? "quick run: sizes too small for the verdicts to mean anything" : "",
  summarize(figures),
  `machine: ${describeRun(results)}`,
  `results ${options.from === null ? "written to" : "read from"} ${relative(json)}, summary in ${relative(summaryFile)}`,
  `charts: ${charts.map((chart) => relative(chart.file)).join(", ") || "none"}`,
].join("\n");
if (options.json) {
  process.stderr.write(`${report}\n`);
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
} else {
  process.stdout.write(`${report}\n`);
}
