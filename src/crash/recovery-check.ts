/**
 * The check after a kill: what the reopened store holds against what the killed writer's ledger
 * says, given the state the store was in when that writer started (the model).
 *
 * The rule, from the store's contract (durable stores, and the order of a client's calls):
 * the store kept a prefix of the writer's units, whole (a unit is a flush or a cut, units.ts):
 * its contents and its live snapshot ids are exactly the model's after the first `P` units, for
 * some `P`. With `"sync"` every acknowledged unit is in it; with `"async"` every acknowledged cut
 * is (a cut is answered only once on disk, in every mode), and acknowledged flushes after the
 * last one may be lost. A unit cut in two (some of a batch's keys, one shard's part of a
 * flush), a unit kept after one dropped, an acknowledged write missing: no `P` matches, and
 * the check says which keys differ from the closest guess, and why each was expected.
 *
 * Each guess costs only the keys its unit touched: the keys where model and store differ are
 * kept as a set, updated as each unit is applied (a restore compares everything again).
 */
import { idOf } from "../load/ledger.js";
import { contentDifferences, type Describe, differingIds } from "./differences.js";
import type { LoggedUnit } from "./ledger-file.js";
import { type Applied, type Model, ModelError } from "./model.js";
import { isCut, isFlush, type LoggedSnapshot, tagOf } from "./units.js";

/** What the reopened store holds. */
export interface Observed {
  /** `idOf(namespace, key)` → tag of the write whose value it holds, or `FOREIGN`. */
  contents: Map<string, string>;
  /** The live snapshots, as `store.snapshots()` describes them. */
  snapshots: LoggedSnapshot[];
}

/** The tag of a value no write of the test made. */
export const FOREIGN = "foreign";

/** What the check found. */
export interface SessionCheck {
  /** How many of the session's units the store kept, or `null`: no prefix matches. */
  kept: number | null;
  /** The model after those units (unchanged when nothing matches). */
  model: Model;
  /** The last unit was a snapshot, not acknowledged, and kept: what the store says of it. */
  keptSnapshot: LoggedSnapshot | null;
  /** Every problem found, one line each; empty when all is well. */
  failures: string[];
  counts: SessionCounts;
}

export interface SessionCounts {
  /** Acknowledged batches and bursts, and the writes in them. */
  acknowledgedFlushes: number;
  acknowledgedWrites: number;
  /** Acknowledged snapshots, restores and releases. */
  acknowledgedSnapshots: number;
  acknowledgedRestores: number;
  acknowledgedReleases: number;
  /** Units not acknowledged when the writer died, found applied whole or dropped whole. */
  unacknowledgedApplied: number;
  unacknowledgedDropped: number;
  /** `"async"` only: acknowledged units the store did not keep (allowed in its window). */
  acknowledgedLost: number;
}

/** Differences listed at most per failure; the count says how many more. */
const SHOWN = 20;

/** Checks the store kept a whole prefix of `units`, starting from `model` (not changed). */
export function checkSession(
  model: Model,
  units: readonly LoggedUnit[],
  observed: Observed,
  durability: "sync" | "async",
  describe: Describe,
): SessionCheck {
  const lastAcked = units.findLastIndex(({ ack }) => ack !== null);
  const lastAckedCut = units.findLastIndex(({ unit, ack }) => ack !== null && isCut(unit));
  const least = (durability === "sync" ? lastAcked : lastAckedCut) + 1;
  const search = searchPrefixes(model, units, observed, least);
  const failures = [...orderFailures(units), ...search.failures];
  const { kept, guess, facts } = search;
  const counts = countUnits(units, kept ?? units.length, lastAcked);
  if (kept === null) {
    failures.push(...explain(model, units, facts, observed, search.closest, least, describe));
    return { kept, model, keptSnapshot: null, failures, counts };
  }
  failures.push(...factFailures(guess.model, observed));
  const last = units[kept - 1];
  const keptSnapshot =
    last !== undefined && last.ack === null && last.unit.op === "snapshot"
      ? (facts[kept - 1] ?? null)
      : null;
  return { kept, model: guess.model, keptSnapshot, failures, counts };
}

/** What the search through the prefixes found. */
interface PrefixSearch {
  /** The first prefix, of at least `least` units, that the store matches; `null`: none. */
  kept: number | null;
  /** The model after the units applied (all of them, if none matched). */
  guess: Guess;
  /** The length of the prefix closest to the store, when none matched. */
  closest: number;
  /** The facts each snapshot unit was applied with. */
  facts: (LoggedSnapshot | undefined)[];
  /** Acknowledgements that contradict the model, and units the model refused. */
  failures: string[];
}

/**
 * One pass over every unit, from the model as the writer found it: applies the units one by
 * one and stops at the first prefix (of at least `least` units) the store matches.
 */
function searchPrefixes(
  model: Model,
  units: readonly LoggedUnit[],
  observed: Observed,
  least: number,
): PrefixSearch {
  const guess = new Guess(model, observed);
  const facts: (LoggedSnapshot | undefined)[] = [];
  const failures: string[] = [];
  let closest = { at: least, misses: Number.POSITIVE_INFINITY };
  for (let at = 0; ; at++) {
    if (at >= least) {
      const misses = guess.misses();
      if (misses === 0) return { kept: at, guess, closest: at, facts, failures };
      if (misses < closest.misses) closest = { at, misses };
    }
    const logged = units[at];
    if (logged === undefined) break;
    facts[at] = snapshotFactsFor(logged, guess.model, observed);
    let applied: Applied;
    try {
      applied = guess.apply(logged, facts[at]);
    } catch (error) {
      if (!(error instanceof ModelError)) throw error;
      failures.push(error.message);
      break;
    }
    failures.push(...answerFailures(logged, applied));
  }
  return { kept: null, guess, closest: closest.at, facts, failures };
}

/**
 * A guess at what the store holds (a copy of the model, with units applied to it) and how far
 * it is from what the store holds. Invariant: `differing` holds exactly the keys whose tag
 * differs between the guess and the store; applying a unit re-compares only the keys it
 * touched (a restore: all of them).
 */
class Guess {
  readonly model: Model;
  private differing: Set<string>;
  private readonly observedIds: Set<number>;

  constructor(
    start: Model,
    private readonly observed: Observed,
  ) {
    this.model = start.copy();
    this.differing = differingIds(this.model.contents, observed.contents);
    this.observedIds = new Set(observed.snapshots.map((facts) => facts.id));
  }

  /** Applies a unit (throws `ModelError` for one the model cannot apply). */
  apply({ unit }: LoggedUnit, facts: LoggedSnapshot | undefined): Applied {
    const applied = this.model.apply(unit, facts);
    const { contents } = this.model;
    if (applied.touched === "all") {
      this.differing = differingIds(contents, this.observed.contents);
      return applied;
    }
    for (const id of applied.touched) {
      if (contents.get(id) === this.observed.contents.get(id)) this.differing.delete(id);
      else this.differing.add(id);
    }
    return applied;
  }

  /** Differing keys, plus one if the live snapshot ids differ: 0 when the guess is the store. */
  misses(): number {
    const { snapshots } = this.model;
    const sameSnapshots =
      snapshots.size === this.observedIds.size &&
      [...snapshots.keys()].every((id) => this.observedIds.has(id));
    return this.differing.size + (sameSnapshots ? 0 : 1);
  }
}

/**
 * The facts to apply a snapshot unit with: what its acknowledgement said; if it has none, the
 * one live snapshot newer than any the ledger knows (what it is, if it was kept), else facts
 * that match no snapshot.
 */
function snapshotFactsFor(
  logged: LoggedUnit,
  model: Model,
  observed: Observed,
): LoggedSnapshot | undefined {
  const { unit, ack } = logged;
  if (unit.op !== "snapshot") return undefined;
  if (ack?.snapshot !== undefined) return ack.snapshot;
  let newest = 0;
  for (const id of model.snapshots.keys()) newest = Math.max(newest, id);
  return (
    observed.snapshots.find((s) => s.id > newest && !model.snapshots.has(s.id)) ?? {
      id: -unit.n,
      parent: null,
      timestamp: 0,
      sizeBytes: 0,
    }
  );
}

/** What an acknowledged burst's deletes answered, against what the ledger says they removed. */
function answerFailures({ unit, ack }: LoggedUnit, applied: Applied): string[] {
  if (unit.op !== "burst" || ack?.deleted === undefined) return [];
  const said = ack.deleted.join();
  if (said === applied.deleted.join()) return [];
  return [
    `unit ${unit.n} (a burst): its deletes answered [${said}], but by the ledger the keys ` +
      `held values as [${applied.deleted.join()}]`,
  ];
}

/** A unit acknowledged while an earlier one was not: the store answered out of order. */
function orderFailures(units: readonly LoggedUnit[]): string[] {
  const firstUnacked = units.findIndex(({ ack }) => ack === null);
  if (firstUnacked < 0) return [];
  const later = units.slice(firstUnacked).find(({ ack }) => ack !== null);
  if (later === undefined) return [];
  const early = units[firstUnacked] as LoggedUnit;
  return [
    `unit ${later.unit.n} was acknowledged although unit ${early.unit.n}, made before it, was ` +
      "not: a client is only told a call is done once its earlier ones are",
  ];
}

function countUnits(units: readonly LoggedUnit[], kept: number, lastAcked: number): SessionCounts {
  const counts: SessionCounts = {
    acknowledgedFlushes: 0,
    acknowledgedWrites: 0,
    acknowledgedSnapshots: 0,
    acknowledgedRestores: 0,
    acknowledgedReleases: 0,
    unacknowledgedApplied: 0,
    unacknowledgedDropped: 0,
    acknowledgedLost: 0,
  };
  units.forEach(({ unit, ack }, at) => {
    if (ack === null) {
      // Only units after the last acknowledged one can be unacknowledged (order is checked).
      if (at > lastAcked) {
        if (at < kept) counts.unacknowledgedApplied++;
        else counts.unacknowledgedDropped++;
      }
      return;
    }
    if (at >= kept) counts.acknowledgedLost++;
    if (unit.op === "batch") counts.acknowledgedWrites += unit.sets.length;
    if (unit.op === "burst") counts.acknowledgedWrites += unit.calls.length;
    if (isFlush(unit)) counts.acknowledgedFlushes++;
    else if (unit.op === "snapshot") counts.acknowledgedSnapshots++;
    else if (unit.op === "restore") counts.acknowledgedRestores++;
    else counts.acknowledgedReleases++;
  });
  return counts;
}

/** Why no prefix matches: the differences from the closest one, and units found cut in two. */
function explain(
  model: Model,
  units: readonly LoggedUnit[],
  facts: readonly (LoggedSnapshot | undefined)[],
  observed: Observed,
  at: number,
  least: number,
  describe: Describe,
): string[] {
  const guess = model.copy();
  try {
    units.slice(0, at).forEach(({ unit }, i) => {
      guess.apply(unit, facts[i]);
    });
  } catch (error) {
    if (!(error instanceof ModelError)) throw error; // already reported by the check's pass
  }
  const lines = [
    `no prefix of the writer's ${units.length} units that the store may hold (at least the ` +
      `first ${least}: every acknowledged one${least === 0 ? "" : " must be there"}) matches ` +
      `it; the store differs from the closest, the first ${at} units, as follows`,
  ];
  const differences = contentDifferences(guess.contents, observed.contents, describe);
  lines.push(...differences.slice(0, SHOWN));
  if (differences.length > SHOWN) lines.push(`… and ${differences.length - SHOWN} more keys`);
  const ids = [...guess.snapshots.keys()].sort((a, b) => a - b).join(", ");
  const found = observed.snapshots.map((s) => s.id).join(", ");
  if (ids !== found)
    lines.push(`live snapshots: the ledger says [${ids}], the store has [${found}]`);
  lines.push(...partlyKept(units, observed));
  return lines;
}

/**
 * Unacknowledged flush units of which some writes are in the store and some are not. (Only
 * those: an acknowledged unit's keys may since have been overwritten, deleted or restored away.)
 */
function partlyKept(units: readonly LoggedUnit[], observed: Observed): string[] {
  const lines: string[] = [];
  for (const { unit, ack } of units) {
    if (!isFlush(unit) || ack !== null) continue;
    const sets =
      unit.op === "batch"
        ? unit.sets.map(([namespace, key], i) => [i, namespace, key] as const)
        : unit.calls.flatMap(([call, namespace, key], i) =>
            call === "set" ? [[i, namespace, key] as const] : [],
          );
    const present = sets.filter(
      ([i, namespace, key]) => observed.contents.get(idOf(namespace, key)) === tagOf(unit.n, i),
    ).length;
    if (present > 0 && present < sets.length) {
      lines.push(
        `unit ${unit.n} (a ${unit.op}, not acknowledged): ${present} of its ${sets.length} ` +
          "writes are in the store: kept in part",
      );
    }
  }
  return lines;
}

/** Live snapshots whose facts (parent, timestamp, size) differ from what the store said. */
function factFailures(model: Model, observed: Observed): string[] {
  const failures: string[] = [];
  for (const facts of observed.snapshots) {
    const held = model.snapshots.get(facts.id)?.facts;
    if (held === undefined) continue;
    for (const field of ["parent", "timestamp", "sizeBytes"] as const) {
      if (held[field] !== facts[field]) {
        failures.push(
          `snapshot ${facts.id}: its ${field} is ${facts[field]} after reopening, ` +
            `${held[field]} when it was taken`,
        );
      }
    }
  }
  return failures;
}
