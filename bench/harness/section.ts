/**
 * What a bench file exports: one section answering one question, made of figures (the numbers
 * held to targets or quoted as headlines) and tables (every measurement of its sweeps). `run.ts`
 * lists the sections; each runs on its own (`--only name`) and leaves no store open.
 */
import type { Figure } from "./figures.js";
import type { Table } from "./table.js";

export interface Context {
  quick: boolean;
  /** Time budget for one repeated measurement, in ms of timed work (smaller with `--quick`). */
  budget: number;
  /** Iterations of a measurement that needs set-up before each one (its budget would not see it). */
  rounds: number;
  /** Store sizes of the size sweeps, ascending, already capped (`--sizes`). */
  sizes: readonly number[];
  /** A store size or change count, capped at `--max-entries` (quick runs have a small cap). */
  cap(n: number): number;
  /** Another build's `dist/` to compare with, where a section does (`--baseline`), or `null`. */
  baseline: string | null;
  /** Writes a progress line (stderr), prefixed with the section name and elapsed time. */
  progress(message: string): void;
}

/** What a section found. */
export interface Outcome {
  figures: Figure[];
  tables: Table[];
}

export interface Section {
  /** Short name used by `--only` and in the results. */
  name: string;
  /** The question the section answers. */
  question: string;
  run(context: Context): Promise<Outcome>;
}
