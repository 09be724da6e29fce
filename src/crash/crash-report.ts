/**
 * What a crash test reports: one plain object (printed as is by `--json`, returned by
 * `runCrashTest`) and its text rendering. Counts cover this run's kills; times are in
 * milliseconds unless named otherwise.
 */
import { int, plural } from "../load/numbers.js";
import type { SessionCounts } from "./recovery-check.js";

/** Everything `swarmstate crash-test` reports. */
export interface CrashTestReport {
  /** Whether every check after every kill passed. */
  ok: boolean;
  settings: {
    /** The test directory, absolute. */
    path: string;
    kills: number;
    shards: number;
    durability: "sync" | "async";
    seed: number;
  };
  elapsedSeconds: number;
  /** Writers killed, and how many of them before they had opened the store. */
  kills: number;
  killedWhileOpening: number;
  /** Units the writers were told were done, each checked after the kill that followed. */
  acknowledged: {
    /** `setMany` batches and bursts of unawaited calls, and the calls in them. */
    batches: number;
    writes: number;
    snapshots: number;
    restores: number;
    releases: number;
  };
  /** Units in flight when a writer died: found applied whole, or dropped whole. */
  unacknowledged: { applied: number; dropped: number };
  /** With `"async"`: acknowledged units lost within the flush window (always 0 with `"sync"`). */
  lostWithinAsyncWindow: number;
  /** Live snapshots read back after kills and compared whole, and diffs between them compared. */
  snapshotChecks: { contents: number; diffs: number };
  /** Reopening the store after a kill (recovery included), until its first answer. */
  reopen: { count: number; meanMs: number; maxMs: number };
  /** The store after the last check: entries and live snapshots. */
  store: { entries: number; snapshots: number } | null;
  /** What failed (empty when `ok`): each line one problem. */
  failures: string[];
  /** The kill after which the check failed, if one did. */
  failedAfterKill: number | null;
}

/** Counts as the runner adds them up. */
export class CrashTally {
  kills = 0;
  killedWhileOpening = 0;
  readonly acknowledged = { batches: 0, writes: 0, snapshots: 0, restores: 0, releases: 0 };
  readonly unacknowledged = { applied: 0, dropped: 0 };
  lost = 0;
  readonly snapshotChecks = { contents: 0, diffs: 0 };
  private readonly reopenMs: number[] = [];

  addSession(counts: SessionCounts): void {
    this.acknowledged.batches += counts.acknowledgedFlushes;
    this.acknowledged.writes += counts.acknowledgedWrites;
    this.acknowledged.snapshots += counts.acknowledgedSnapshots;
    this.acknowledged.restores += counts.acknowledgedRestores;
    this.acknowledged.releases += counts.acknowledgedReleases;
    this.unacknowledged.applied += counts.unacknowledgedApplied;
    this.unacknowledged.dropped += counts.unacknowledgedDropped;
    this.lost += counts.acknowledgedLost;
  }

  addReopen(ms: number): void {
    this.reopenMs.push(ms);
  }

  reopen(): CrashTestReport["reopen"] {
    const count = this.reopenMs.length;
    const total = this.reopenMs.reduce((sum, ms) => sum + ms, 0);
    return {
      count,
      meanMs: count === 0 ? 0 : Math.round(total / count),
      maxMs: Math.round(Math.max(0, ...this.reopenMs)),
    };
  }
}

/** What one kill and the check after it found. */
export interface KillOutcome {
  /** The writer had opened the store (said "ready") before it was killed. */
  wasReady: boolean;
  /** Milliseconds from start to "ready", and from "ready" (or start) to the kill. */
  openMs: number | null;
  ranMs: number;
  /** Units the writer began; of those in flight when it died, how many the store kept. */
  units: number;
  applied: number;
  dropped: number;
  /** With `"async"`: acknowledged units not kept. */
  lost: number;
  /** Whether the check after the kill failed. */
  failed: boolean;
  reopenMs: number;
  entries: number;
  snapshots: number;
}

/** What the check after a kill found, in figures. */
export type CheckOutcome = Omit<KillOutcome, "wasReady" | "openMs" | "ranMs">;

/** The progress line of one kill and its check. */
export function killLine(kill: number, kills: number, outcome: KillOutcome): string {
  const when = outcome.wasReady
    ? `${Math.round(outcome.ranMs)} ms after the writer opened the store`
    : `while the writer was opening the store (${Math.round(outcome.ranMs)} ms in)`;
  return `kill ${kill}/${kills}: ${when}; ${checkLine(outcome)}`;
}

/** The progress line of a check: what was in flight, what the reopened store holds. */
export function checkLine(outcome: CheckOutcome): string {
  if (outcome.failed) return `reopened in ${outcome.reopenMs} ms: THE CHECK FAILED (see below)`;
  const lost = outcome.lost > 0 ? `, ${outcome.lost} acknowledged lost (async)` : "";
  return (
    `${int(outcome.units)} units, ${outcome.applied + outcome.dropped} in flight ` +
    `(${outcome.applied} found applied, ${outcome.dropped} dropped${lost}); reopened in ` +
    `${outcome.reopenMs} ms: ${int(outcome.entries)} entries and ${outcome.snapshots} ` +
    "snapshots as the ledger says"
  );
}

/** The report as text for a terminal. */
export function formatCrashReport(report: CrashTestReport): string {
  const { settings: s, acknowledged: a, unacknowledged: u } = report;
  const lines = [
    `swarmstate crash-test: ${plural(report.kills, "kill")} of the writer, ${s.shards} shards, ` +
      `durability ${s.durability}, seed ${s.seed} (${report.elapsedSeconds} s)`,
    report.ok
      ? s.durability === "sync"
        ? "verified: after every kill, every acknowledged write and snapshot was there, every " +
          "batch whole, nothing kept after anything dropped"
        : "verified: after every kill, every batch whole, nothing kept after anything dropped, " +
          "every acknowledged snapshot and restore there (async: acknowledged writes may be " +
          `lost within the flush window; ${int(report.lostWithinAsyncWindow)} were)`
      : `FAILED after kill ${report.failedAfterKill}: ${report.failures[0] ?? "see above"}`,
    `acknowledged and checked: ${plural(a.batches, "batch", "batches")} (${plural(a.writes, "write")}), ` +
      `${plural(a.snapshots, "snapshot")}, ${plural(a.restores, "restore")}, ${plural(a.releases, "release")}`,
    `in flight at a kill: ${int(u.applied)} found applied, ${int(u.dropped)} dropped, each whole` +
      ` (${int(report.killedWhileOpening)} kills landed while the writer was opening the store)`,
    `snapshots: ${int(report.snapshotChecks.contents)} read back whole, ` +
      `${int(report.snapshotChecks.diffs)} diffs between consecutive ones exact`,
    `reopening after a kill: mean ${report.reopen.meanMs} ms, max ${report.reopen.maxMs} ms`,
    report.store === null
      ? "store: not read"
      : `store: ${int(report.store.entries)} entries, ${plural(report.store.snapshots, "live snapshot")}, in ${s.path}`,
  ];
  return `${lines.join("\n")}\n`;
}
