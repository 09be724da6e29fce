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
  const series = [...new Set(values.map((v) => v.series))];
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle },
    width: 520,
    height: 300,
    background: "white",
    padding: 12,
    config: { legend: { labelLimit: 400 } },
    data: { values },
    mark: { type: "line", point: true },
    encoding: {
      x: {
        field: "x",
        type: "quantitative",
        scale: { type: "log", nice: false },
        title: x,
        axis: { format: "~s" },
      },
      y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "median time (ms)" },
      color: {
        field: "series",
        type: "nominal",
        sort: series,
        scale: { domain: series, range: colorsOf(series) },
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

/** The same colours for the same thing in every chart: a family per shard count, baselines apart. */
function colorsOf(series: readonly string[]): string[] {
  const families: [RegExp, string[]][] = [
    [/shards 2/, ["#1f77b4", "#6baed6"]],
    [/shards 0/, ["#e6550d", "#fdae6b"]],
    [/baseline/, ["#2ca02c", "#9467bd", "#8c564b"]],
    [/./, ["#7f7f7f", "#bcbd22", "#17becf"]],
  ];
  const used = new Map<string[], number>();
  return series.map((name) => {
    const [, colors] = families.find(([pattern]) => pattern.test(name)) as [RegExp, string[]];
    const n = used.get(colors) ?? 0;
    used.set(colors, n + 1);
    return colors[n % colors.length] as string;
  });
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
  const drawn = CHARTS.flatMap((chart) => {
    const of = tables.find((t) => t.id === chart.table);
    return of === undefined || of.rows.length < 2 ? [] : [{ ...chart, of }];
  });
  if (drawn.length === 0) return [];
  // Loaded only now, after every measurement, so that no case carries them in its heap (and
  // not at all by a run with nothing to draw).
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  const charts: Chart[] = [];
  for (const { table: id, title, x, of } of drawn) {
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
