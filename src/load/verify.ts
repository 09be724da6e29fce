/**
 * The checks: the store against what the ledgers say, never the store against itself.
 *
 * - An audit compares the diff the store computed between two checkpoints (from its own
 *   journals) with the diff the ledgers predict: for every key written since the older
 *   checkpoint, its state then and now according to the ledgers. Keys nobody wrote must not
 *   appear at all; a key rewritten with identical bytes must not appear as changed.
 * - A full check compares every key and value digest in the store with the ledgers' fold.
 * - With `--replica`, the replica's keys and value digests are compared with the store's.
 *
 * Each returns a list of human-readable differences, empty when all is well.
 */
import type { Diff } from "../index.js";
import type { ExpectedState, ExpectedValue } from "./expected-state.js";
import { idOf, pairOf, showId } from "./ledger.js";

/** A check found differences; `differences` says what differed, one line each. */
export class VerificationError extends Error {
  override readonly name = "VerificationError";

  constructor(
    readonly what: string,
    readonly differences: string[],
  ) {
    // The first difference in the message too: only the message survives a thread boundary.
    const more = differences.length > 1 ? ` (and ${differences.length - 1} more)` : "";
    super(`${what}: ${differences[0] ?? "no details"}${more}`);
  }
}

/** Throws `VerificationError` if `differences` is not empty. */
export function expectNoDifferences(what: string, differences: string[]): void {
  if (differences.length > 0) throw new VerificationError(what, differences);
}

/**
 * The diff the ledgers predict from `base` to `current`, given the keys written in between.
 * Sorted by namespace, then key, as the store sorts its diffs.
 */
export function predictDiff(
  base: ExpectedState,
  current: ExpectedState,
  touched: Iterable<string>,
): Diff {
  const ids = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  for (const id of touched) {
    const before = base.get(id);
    const after = current.get(id);
    if (before === undefined && after !== undefined) ids.added.push(id);
    else if (before !== undefined && after === undefined) ids.removed.push(id);
    else if (before !== undefined && after !== undefined && before.digest !== after.digest) {
      ids.changed.push(id);
    }
  }
  const sorted = (list: string[]) => list.sort().map(pairOf);
  return { added: sorted(ids.added), removed: sorted(ids.removed), changed: sorted(ids.changed) };
}

/** How the store's diff differs from the predicted one. */
export function compareDiffs(predicted: Diff, actual: Diff, current: ExpectedState): string[] {
  const differences: string[] = [];
  for (const kind of ["added", "removed", "changed"] as const) {
    const want = new Set(predicted[kind].map(([ns, key]) => idOf(ns, key)));
    const got = new Set(actual[kind].map(([ns, key]) => idOf(ns, key)));
    for (const id of got) {
      if (!want.has(id)) {
        differences.push(`${showId(id)}: the store's diff says ${kind}, the ledgers do not`);
      }
    }
    for (const id of want) {
      if (!got.has(id)) {
        const by = current.get(id);
        const who = by === undefined ? "" : ` (last written by ${author(by)})`;
        differences.push(`${showId(id)}: the ledgers say ${kind}${who}, the store's diff does not`);
      }
    }
  }
  return differences;
}

/**
 * How the store's contents differ from the ledgers' fold.
 * @param actual every key in the store, with `digestOf` its value
 */
export function compareContents(expected: ExpectedState, actual: Map<string, string>): string[] {
  const differences: string[] = [];
  for (const [id, want] of expected.entries()) {
    const got = actual.get(id);
    if (got === undefined) {
      differences.push(`${showId(id)}: missing from the store; ${author(want)} wrote it`);
    } else if (got !== want.digest) {
      differences.push(
        `${showId(id)}: the store holds a different value (${got}) from what ${author(want)} ` +
          `wrote (${want.digest})`,
      );
    }
  }
  for (const [id, got] of actual) {
    if (expected.get(id) === undefined) {
      differences.push(`${showId(id)}: in the store (${got}), but no ledger says it should be`);
    }
  }
  return differences;
}

/**
 * How a copy of the store (the replica) differs from it.
 * @param store, copy every key with `digestOf` its value
 */
export function compareCopies(store: Map<string, string>, copy: Map<string, string>): string[] {
  const differences: string[] = [];
  for (const [id, digest] of store) {
    const copied = copy.get(id);
    if (copied === undefined) differences.push(`${showId(id)}: missing from the replica`);
    else if (copied !== digest) {
      differences.push(`${showId(id)}: the replica holds ${copied}, the store ${digest}`);
    }
  }
  for (const [id, copied] of copy) {
    if (!store.has(id))
      differences.push(`${showId(id)}: in the replica (${copied}), not in the store`);
  }
  return differences;
}

function author(value: ExpectedValue): string {
  return `agent-${value.agent} at step ${value.step} (epoch ${value.epoch})`;
}
