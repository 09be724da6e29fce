/**
 * What a run prints and writes: progress lines while it runs, then one table of every figure
 * with its target and verdict, and the JSON file holding all of it with the machine.
 *
 * Progress and (with `--json`) the table go to stderr, so stdout carries only the JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { type Figure, format, formatTarget } from "./figures.js";
import type { Machine } from "./machine.js";

const started = performance.now();

export function progress(section: string, message: string): void {
  const elapsed = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[${elapsed}s] ${section}: ${message}\n`);
}

export function formatTable(figures: readonly Figure[]): string {
  const header = ["section", "figure", "value", "target", "verdict", "measured"];
  const rows = figures.map((f) => [
    f.section,
    f.name,
    format(f),
    formatTarget(f.target, f.unit),
    f.verdict,
    Object.entries(f.detail)
      .map(([label, quantity]) => `${label} ${format(quantity)}`)
      .join(", "),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join(" | ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-|-");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

export function summarize(figures: readonly Figure[]): string {
  const judged = figures.filter((f) => f.verdict !== "info");
  const missed = judged.filter((f) => f.verdict === "MISS");
  const list = missed.map((f) => `  MISS ${f.section}: ${f.name}`).join("\n");
  return missed.length === 0
    ? `all ${judged.length} targets met`
    : `${missed.length} of ${judged.length} targets missed:\n${list}`;
}

export interface Results {
  quick: boolean;
  startedAt: string;
  durationSeconds: number;
  machine: Machine;
  /** 1-minute load average when the run ended (the machine's is from when it started). */
  loadAverageAtEnd: number;
  sections: { name: string; question: string }[];
  figures: Figure[];
}

export function writeResults(path: URL, results: Results): void {
  mkdirSync(dirname(fileURLToPath(path)), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}
