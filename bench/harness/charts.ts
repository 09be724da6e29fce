/**
 * Charts of the sweeps, drawn from the results' tables with vega-lite, compiled to a vega spec
 * and rendered to SVG headlessly (no browser, no canvas). Both axes are logarithmic: a flat cost
 * is a level line, a linear one climbs a decade per decade. Baselines are dashed.
 */
import type { TopLevelSpec } from "vega-lite";
import { writeFile } from "./report.js";
import type { Table } from "./table.js";

/** A chart the run wrote. */
export interface Chart {
  /** Id of the table it draws. */
  table: string;
  title: string;
  file: URL;
}

const CHARTS = [
  {
    table: "snapshot-vs-size",
    title: "snapshot() and restore() vs copying the state",
    x: "entries in the store",
  },
  {
    table: "diff-vs-size",
    title: "diff of 100 changed keys vs store size",
    x: "entries in the store",
  },
  { table: "diff-vs-changes", title: "diff vs number of changed keys", x: "changed keys" },
] as const;

function specOf(of: Table, title: string, x: string, subtitle: string): TopLevelSpec {
  const values = of.rows.flatMap((row) =>
    of.columns.flatMap((column) => {
      const cell = row.cells[column];
      if (cell?.unit !== "ms" || !(cell.value > 0)) return [];
      const baseline = of.baselines.includes(column);
      const series = baseline ? `${column} (baseline)` : column;
      return [{ x: row.key, ms: cell.value, series, kind: baseline ? "baseline" : "swarmstate" }];
    }),
  );
  const log = { type: "log", nice: false } as const;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle },
    width: 520,
    height: 300,
    background: "white",
    padding: 12,
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "x", type: "quantitative", scale: log, title: x, axis: { format: "~s" } },
      y: { field: "ms", type: "quantitative", scale: log, title: "median time (ms, log scale)" },
      color: {
        field: "series",
        type: "nominal",
        sort: [...new Set(values.map((v) => v.series))],
        title: null,
      },
      strokeDash: {
        field: "kind",
        type: "nominal",
        sort: ["swarmstate", "baseline"],
        legend: null,
      },
    },
  };
}

/**
 * Renders every chart whose table the run measured (with at least two rows) into `dir`, each
 * file named `prefix` + the table id + `.svg`.
 */
export async function renderCharts(
  tables: readonly Table[],
  dir: URL,
  prefix: string,
  subtitle: string,
): Promise<Chart[]> {
  // Loaded only now, after every measurement, so that no case carries them in its heap.
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const charts: Chart[] = [];
  for (const { table: id, title, x } of CHARTS) {
    const of = tables.find((t) => t.id === id);
    if (of === undefined || of.rows.length < 2) continue;
    const spec = vegaLite.compile(specOf(of, title, x, subtitle)).spec;
    const view = new vega.View(vega.parse(spec), { renderer: "none" });
    const svg = await view.toSVG();
    view.finalize();
    const file = new URL(`${prefix}${id}.svg`, dir);
    writeFile(file, `${svg}\n`);
    charts.push({ table: id, title, file });
  }
  return charts;
}
