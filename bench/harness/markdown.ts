/**
 * The Markdown summary of a run (`bench/results/latest.md` for a full run): the machine it ran
 * on, the verdicts, then per section its question, charts, tables and figures. Written by the
 * bench from the same results as the JSON; never edited by hand.
 */
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { Chart } from "./charts.js";
import type { Figure } from "./figures.js";
import { figureCells, type Results } from "./report.js";
import { markdownGrid, tableAsMarkdown } from "./table.js";

/** One line naming the machine and versions the figures came from. */
export function describeRun(results: Results): string {
  const { machine } = results;
  const packages = Object.entries(machine.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(", ");
  const commit = machine.revision
    ? `commit ${machine.revision.commit.slice(0, 7)}${machine.revision.srcModified ? " with src/ modified" : ""}`
    : "no git revision";
  return (
    `${machine.cpuCount}x ${machine.cpuModel} (${Math.round(machine.totalMemoryMB / 1024)} GB), ` +
    `${machine.platform}, Node ${machine.node}; ${packages}; ${commit}. ` +
    `1-minute load average ${machine.loadAverage.toFixed(2)} at the start, ` +
    `${results.loadAverageAtEnd.toFixed(2)} at the end.`
  );
}

function verdicts(figures: readonly Figure[]): string {
  const judged = figures.filter((f) => f.verdict !== "info");
  const missed = judged.filter((f) => f.verdict === "MISS");
  const list = missed.map(
    (f) => `- MISS ${f.section}: ${f.name} (${f.value.toPrecision(3)}${f.unit})`,
  );
  return [`**Targets:** ${judged.length - missed.length} of ${judged.length} met.`, ...list].join(
    "\n",
  );
}

export function markdownSummary(results: Results, charts: readonly Chart[], file: URL): string {
  const kind = {
    latest: "Full run",
    quick: "Quick run (small sizes: checks that every case runs; the figures test no target)",
    partial: `Partial run (\`${results.argv.join(" ")}\`)`,
  }[results.kind];
  const minutes = (results.durationSeconds / 60).toFixed(1);
  const parts = [
    "# swarmstate benchmark results",
    "",
    `${kind} of \`npm run bench\`, ${results.startedAt.slice(0, 16).replace("T", " ")} UTC, ${minutes} min, on ${describeRun(results)}`,
    "",
    "Written by the bench (bench/run.ts) from the results in the JSON beside it. Figures are",
    "medians; ratios compare measurements made in the same run.",
    "",
    verdicts(results.figures),
  ];
  const here = dirname(fileURLToPath(file));
  for (const { name, question } of results.sections) {
    parts.push("", `## ${name}`, "", `Question: ${question}.`);
    for (const table of results.tables.filter((t) => t.section === name)) {
      for (const chart of charts.filter((c) => c.table === table.id)) {
        parts.push("", `![${chart.title}](${relative(here, fileURLToPath(chart.file))})`);
      }
      parts.push("", `${table.title}:`, "", tableAsMarkdown(table));
    }
    const { header, rows } = figureCells(results.figures.filter((f) => f.section === name));
    if (rows.length > 0) parts.push("", markdownGrid(header, rows));
  }
  return `${parts.join("\n")}\n`;
}
