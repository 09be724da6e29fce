/**
 * What a run prints and writes: progress lines while it runs, then per section its tables and
 * its figures (each with its target and verdict), and the JSON file holding all of it with the
 * machine it ran on.
 *
 * Progress and (with `--json`) the tables go to stderr, so stdout carries only the JSON.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Figure, format, formatTarget } from "./figures.js";
import type { Machine } from "./machine.js";
import { type Table, tableAsText, textGrid } from "./table.js";

const started = performance.now();

export function progress(section: string, message: string): void {
  const elapsed = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${elapsed}s] ${section}: ${message}\n`);
}

export interface Results {
  /** Which files the run wrote: only a full run of everything replaces `latest`. */
  kind: "latest" | "quick" | "partial";
  quick: boolean;
  /** The flags the bench was run with. */
  argv: string[];
  settings: { sizes: number[]; maxEntries: number | null; budgetMs: number; rounds: number };
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  /** 1-minute load average when the run ended (the machine's is from when it started). */
  loadAverageAtEnd: number;
  sections: { name: string; question: string }[];
  figures: Figure[];
  tables: Table[];
}

/** Rows of the figures table: figure, value, target, verdict, and what it was computed from. */
export function figureCells(figures: readonly Figure[]): { header: string[]; rows: string[][] } {
  return {
    header: ["figure", "value", "target", "verdict", "measured"],
    rows: figures.map((f) => [
      f.name,
      format(f),
      formatTarget(f.target, f.unit),
      f.verdict,
      Object.entries(f.detail)
        .map(([label, quantity]) => `${label} ${format(quantity)}`)
        .join(", "),
    ]),
  };
}

/** Every section's tables, then its figures, as plain text. */
export function formatReport(results: Results): string {
  const parts: string[] = [];
  for (const { name, question } of results.sections) {
    parts.push(`== ${name}: ${question}`);
    for (const table of results.tables.filter((t) => t.section === name)) {
      parts.push(tableAsText(table), "");
    }
    const { header, rows } = figureCells(results.figures.filter((f) => f.section === name));
    if (rows.length > 0) parts.push(textGrid(header, rows), "");
  }
  return parts.join("\n");
}

export function summarize(figures: readonly Figure[]): string {
  const judged = figures.filter((f) => f.verdict !== "info");
  const missed = judged.filter((f) => f.verdict === "MISS");
  const list = missed.map((f) => `  MISS ${f.section}: ${f.name}`).join("\n");
  return missed.length === 0
    ? `all ${judged.length} targets met`
    : `${missed.length} of ${judged.length} targets missed:\n${list}`;
}

export function writeFile(path: URL, text: string): void {
  mkdirSync(dirname(fileURLToPath(path)), { recursive: true });
  writeFileSync(path, text);
}

export function writeResults(path: URL, results: Results): void {
  writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
}

/** An earlier run's results (`--from`), to write its summary and charts again. */
export function readResults(path: string): Results {
  return JSON.parse(readFileSync(path, "utf8")) as Results;
}
