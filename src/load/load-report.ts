/**
 * The report at the end of a run: one plain object (printed as is by `--json`) and its text
 * rendering. Times are in milliseconds, rates per second of the whole run (barriers, audits
 * and rollbacks included), sizes in bytes.
 */
import type { AgentStats } from "./agent-api.js";
import type { RunResult } from "./checkpoint-loop.js";
import { Histogram } from "./histogram.js";
import type { LoadOptions } from "./load-options.js";
import { int, plural } from "./numbers.js";
import type { ReplicaCosts } from "./replica.js";

/** Count, rate and latency of one kind of store operation made by the agents. */
export interface OperationFigures {
  count: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What one checkpoint-loop operation (snapshot, diff, restore, full check) cost. */
export interface CostFigures {
  count: number;
  meanMs: number;
  maxMs: number;
}

/** Everything `swarmstate load` reports; `--json` prints exactly this. */
export interface LoadReport {
  /** Whether the store matched the ledgers throughout. */
  ok: boolean;
  settings: Omit<LoadOptions, "json">;
  elapsedSeconds: number;
  /** Agent steps: run (rolled-back ones included) and kept (surviving every rollback). */
  steps: OperationFigures & { kept: number };
  operations: {
    get: OperationFigures;
    set: OperationFigures;
    delete: OperationFigures;
    all: { count: number; perSecond: number };
  };
  checkpoints: {
    kept: number;
    rollbacks: { at: number; to: number; writesUndone: number }[];
    snapshot: CostFigures;
    diff: CostFigures & { keysPerDiff: number };
    restore: CostFigures;
    /** Reading every key and value back and comparing it with the ledgers. */
    fullCheck: CostFigures;
  };
  verification: {
    audits: number;
    fullChecks: number;
    /** Agent reads and deletes whose result was checked against the ledgers. */
    readsChecked: number;
    /** What failed, or `null`. */
    failedCheck: string | null;
    differences: string[];
  };
  store: { entries: number; sizeBytes: number; fingerprint: string } | null;
  /** With `--replica`: the store kept in step by changesets, and whether it ended equal. */
  replica: {
    shards: number;
    changesets: number;
    /** Bytes of all the changesets together. */
    bytes: number;
    changes: CostFigures;
    apply: CostFigures;
    /** Its entries equal the store's exactly (`null`: the run stopped before comparing). */
    matched: boolean | null;
  } | null;
  process: { rssBytes: number; peakRssBytes: number; maxEventLoopStallMs: number };
}

/** What the run measured besides the checkpoint loop's result. */
export interface Measurements {
  agentStats: AgentStats[];
  /** With `--replica`: its shard count and what keeping it in step cost. */
  replica: { shards: number; costs: ReplicaCosts } | null;
  rssBytes: number;
  peakRssBytes: number;
  maxEventLoopStallMs: number;
}

/** Assembles the report. */
export function buildReport(
  options: LoadOptions,
  result: RunResult,
  measured: Measurements,
): LoadReport {
  const seconds = result.elapsedMs / 1000;
  const merged = (kind: keyof AgentStats["latency"]) => {
    const histogram = new Histogram();
    for (const stats of measured.agentStats) histogram.merge(stats.latency[kind]);
    return histogram;
  };
  const figures = (histogram: Histogram): OperationFigures => ({
    count: histogram.count,
    perSecond: round(histogram.count / seconds),
    p50Ms: round(histogram.percentile(0.5), 3),
    p99Ms: round(histogram.percentile(0.99), 3),
    maxMs: round(histogram.max, 3),
  });
  const get = figures(merged("get"));
  const set = figures(merged("set"));
  const del = figures(merged("delete"));
  const all = get.count + set.count + del.count;
  const { json: _json, ...settings } = options;
  const { costs } = result;
  return {
    ok: result.differences.length === 0,
    settings,
    elapsedSeconds: round(seconds, 2),
    steps: { ...figures(merged("step")), count: result.stepsRun, kept: result.stepsKept },
    operations: { get, set, delete: del, all: { count: all, perSecond: round(all / seconds) } },
    checkpoints: {
      kept: result.checkpointsKept,
      rollbacks: result.rollbacks,
      snapshot: cost(costs.snapshot),
      diff: {
        ...cost(costs.diff),
        keysPerDiff: round(result.diffKeys / Math.max(1, costs.diff.count)),
      },
      restore: cost(costs.restore),
      fullCheck: cost(costs.fullCheck),
    },
    verification: {
      audits: result.audits,
      fullChecks: result.fullChecks,
      readsChecked: measured.agentStats.reduce((sum, stats) => sum + stats.readsChecked, 0),
      failedCheck: result.failedCheck,
      differences: result.differences,
    },
    store: result.final,
    replica:
      measured.replica === null
        ? null
        : {
            shards: measured.replica.shards,
            changesets: measured.replica.costs.changesets,
            bytes: measured.replica.costs.bytes,
            changes: cost(measured.replica.costs.changes),
            apply: cost(measured.replica.costs.apply),
            matched: result.replicaMatched,
          },
    process: {
      rssBytes: measured.rssBytes,
      peakRssBytes: measured.peakRssBytes,
      maxEventLoopStallMs: round(measured.maxEventLoopStallMs, 1),
    },
  };
}

/** The report as text for a terminal. */
export function formatReport(report: LoadReport): string {
  const { settings: s, operations: ops, steps, checkpoints: cp, verification: v } = report;
  const length = s.steps === null ? `${s.durationSeconds} s` : `${s.steps} steps per agent`;
  const where = s.path === null ? "" : `, durable in ${s.path}`;
  const lines = [
    `swarmstate load: ${s.agents} agents, ${s.shards} shards${where}, ${length}, ` +
      `${s.valueSize}-byte tool results, seed ${s.seed} (${report.elapsedSeconds} s)`,
    report.ok
      ? `verified: the store matched the agents' ledgers at every check (${v.audits} audits, ` +
        `${v.fullChecks} full checks, ${int(v.readsChecked)} reads checked)`
      : `FAILED: ${v.failedCheck}`,
    "",
    `${pad("operation", 12)}${lpad("count", 11)}${lpad("per s", 10)}${lpad("p50 ms", 9)}${lpad("p99 ms", 9)}${lpad("max ms", 9)}`,
    ...(["get", "set", "delete"] as const).map((kind) => row(kind, ops[kind])),
    row("all", { ...ops.all, p50Ms: null, p99Ms: null, maxMs: null }),
    row("agent step", steps),
    `${int(steps.kept)} of ${int(steps.count)} steps survived the rollbacks`,
    "",
    `checkpoints: ${cp.kept} kept, ${plural(cp.rollbacks.length, "rollback")}` +
      (cp.rollbacks.length === 0
        ? ""
        : ` (${cp.rollbacks.map((r) => `at ${r.at} to ${r.to}, ${int(r.writesUndone)} writes undone`).join("; ")})`),
    costLine("snapshot", cp.snapshot),
    `${costLine("diff", cp.diff)}, ${int(cp.diff.keysPerDiff)} keys per diff`,
    costLine("restore", cp.restore),
    `${costLine("full check", cp.fullCheck)} (every key and value read back)`,
    "",
    report.store === null
      ? "store: not measured (the run stopped early)"
      : `store: ${int(report.store.entries)} entries, ${size(report.store.sizeBytes)} ` +
        `(sizeBytes), fingerprint ${report.store.fingerprint.slice(0, 12)}`,
    ...replicaLines(report),
    `process: RSS ${size(report.process.rssBytes)} (peak ${size(report.process.peakRssBytes)}), ` +
      `longest event-loop stall in the main thread ${report.process.maxEventLoopStallMs} ms`,
  ];
  return `${lines.join("\n")}\n`;
}

function replicaLines({ replica, store }: LoadReport): string[] {
  if (replica === null) return [];
  const outcome =
    replica.matched === null
      ? "not compared (the run stopped before)"
      : replica.matched
        ? `its ${int(store?.entries ?? 0)} entries equal the store's exactly`
        : "its entries differ from the store's (see the replica check's differences)";
  return [
    `replica (${replica.shards} shards): kept in step by ${plural(replica.changesets, "changeset")} ` +
      `(${size(replica.bytes)} in all); ${outcome}`,
    costLine("changes", replica.changes),
    costLine("apply", replica.apply),
  ];
}

function cost(histogram: Histogram): CostFigures {
  return {
    count: histogram.count,
    meanMs: round(histogram.mean, 3),
    maxMs: round(histogram.max, 3),
  };
}

type RowFigures = { count: number; perSecond: number } & {
  [K in "p50Ms" | "p99Ms" | "maxMs"]: number | null;
};

function row(name: string, figures: RowFigures): string {
  const ms = (value: number | null) => lpad(value === null ? "" : value.toFixed(2), 9);
  return (
    `  ${pad(name, 10)}${lpad(int(figures.count), 11)}${lpad(int(figures.perSecond), 10)}` +
    `${ms(figures.p50Ms)}${ms(figures.p99Ms)}${ms(figures.maxMs)}`
  ).trimEnd();
}

function costLine(name: string, figures: CostFigures): string {
  if (figures.count === 0) return `  ${pad(name, 10)} none`;
  return `  ${pad(name, 10)} ${figures.count} x, mean ${figures.meanMs.toFixed(2)} ms, max ${figures.maxMs.toFixed(2)} ms`;
}

function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function size(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function pad(text: string, width: number): string {
  return text.padEnd(width);
}

function lpad(text: string, width: number): string {
  return text.padStart(width);
}
