/**
 * A table is a sweep as measured: one row per store size (or change count, or store), one
 * column per thing timed, swarmstate's columns beside its baselines'. Tables go to the JSON
 * whole; the report prints them, the Markdown summary and the charts are drawn from them.
 */
import { format, formatCount, type Quantity } from "./figures.js";

export interface Row {
  /** Store size, change count or shard count; a name where rows are not numbers. */
  key: number | string;
  /** Measured values by column name; `null` where nothing was measured. */
  cells: Record<string, Quantity | null>;
}

export interface Table {
  section: string;
  /** Stable name: charts and summaries find a table by it (e.g. `snapshot-vs-size`). */
  id: string;
  title: string;
  /** Heading of the row keys (e.g. `entries`). */
  rowHeading: string;
  columns: string[];
  /** Columns measuring a baseline rather than swarmstate (charts draw them dashed). */
  baselines: string[];
  rows: Row[];
}

export function table(
  section: string,
  id: string,
  title: string,
  rowHeading: string,
  columns: { swarmstate: string[]; baselines?: string[]; ratios?: string[] },
): Table {
  const { swarmstate, baselines = [], ratios = [] } = columns;
  return {
    section,
    id,
    title,
    rowHeading,
    columns: [...swarmstate, ...baselines, ...ratios],
    baselines,
    rows: [],
  };
}

export function addRow(into: Table, key: number | string, cells: Record<string, Quantity>): void {
  into.rows.push({ key, cells });
}

/** Adds a row and reports it on the progress line, as `label: column value, …`. */
export function addReportedRow(
  into: Table,
  key: number | string,
  label: string,
  cells: Record<string, Quantity>,
  progress: (message: string) => void,
): void {
  const shown = Object.entries(cells).map(([name, q]) => `${name} ${format(q)}`);
  progress(`  ${label}: ${shown.join(", ")}`);
  addRow(into, key, cells);
}

/** A cell's value, for computing ratios and headlines from a table. */
export function valueAt(of: Table, key: number | string, column: string): number {
  const cell = of.rows.find((row) => row.key === key)?.cells[column];
  return cell?.value ?? Number.NaN;
}

/** Header and formatted cells of a table, for both plain text and Markdown. */
function cellsOf(of: Table): { header: string[]; rows: string[][] } {
  return {
    header: [of.rowHeading, ...of.columns],
    rows: of.rows.map((row) => [
      typeof row.key === "number" ? formatCount(row.key) : row.key,
      ...of.columns.map((column) => {
        const cell = row.cells[column];
        return cell === undefined || cell === null ? "" : format(cell);
      }),
    ]),
  };
}

/** Columns padded to their widest cell, separated by ` | `. */
export function textGrid(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join(" | ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-|-");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** A Markdown table; numbers (cells starting with a digit) are right-aligned. */
export function markdownGrid(header: string[], rows: string[][]): string {
  const escapeCell = (cell: string) => cell.replaceAll("|", "\\|");
  const numeric = header.map(
    (_, i) => rows.length > 0 && rows.every((r) => /^[\d.-]/.test(r[i] ?? "")),
  );
  const rule = numeric.map((right) => (right ? "---:" : "---"));
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(" | ")} |`;
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)].join("\n");
}

export function tableAsText(of: Table): string {
  const { header, rows } = cellsOf(of);
  return `${of.title}\n${textGrid(header, rows)}`;
}

export function tableAsMarkdown(of: Table): string {
  const { header, rows } = cellsOf(of);
  return markdownGrid(header, rows);
}
