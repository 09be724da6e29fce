/**
 * The snapshots after a kill, once the recovery check has matched their ids: each one holds
 * exactly the contents the ledger says it was taken with, and the store's diff between each two
 * consecutive ones (by id) is exactly the difference of those contents: no key more, none less,
 * and `changed` only where the write that made the value differs.
 */
import type { Diff, Snapshot } from "../index.js";
import { idOf, pairOf, showId } from "../load/ledger.js";
import { contentDifferences, type Describe } from "./differences.js";
import type { Contents, Model } from "./model.js";
import { snapshotContents } from "./observe.js";

export interface SnapshotCheck {
  failures: string[];
  /** Snapshots whose contents were read back and compared. */
  contentsChecked: number;
  /** Diffs between consecutive snapshots compared. */
  diffsChecked: number;
}

/** Differences listed at most per snapshot or diff. */
const SHOWN = 10;

/** Checks every snapshot in `snapshots` (all held by `model`) and the diffs between them. */
export async function checkSnapshots(
  snapshots: readonly Snapshot[],
  model: Model,
  describe: Describe,
): Promise<SnapshotCheck> {
  const failures: string[] = [];
  const ordered = [...snapshots].sort((a, b) => a.id - b.id);
  let previous: { snapshot: Snapshot; contents: Contents } | null = null;
  let diffsChecked = 0;
  for (const snapshot of ordered) {
    const held = model.snapshots.get(snapshot.id);
    if (held === undefined) continue; // the recovery check has said so
    const differences = contentDifferences(
      held.contents,
      await snapshotContents(snapshot),
      describe,
    );
    failures.push(...shown(`snapshot ${snapshot.id}`, differences));
    if (previous !== null) {
      const expected = diffOf(previous.contents, held.contents);
      const actual = await snapshot.diff(previous.snapshot);
      failures.push(
        ...shown(
          `snapshot ${snapshot.id}.diff(snapshot ${previous.snapshot.id})`,
          diffDifferences(expected, actual),
        ),
      );
      diffsChecked++;
    }
    previous = { snapshot, contents: held.contents };
  }
  return { failures, contentsChecked: ordered.length, diffsChecked };
}

/** What a diff from `base` to `target` must list, each list sorted as the store sorts it. */
export function diffOf(base: Contents, target: Contents): Diff {
  const ids = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  for (const [id, tag] of target) {
    const before = base.get(id);
    if (before === undefined) ids.added.push(id);
    else if (before !== tag) ids.changed.push(id);
  }
  for (const [id] of base) if (!target.has(id)) ids.removed.push(id);
  // ids sort by namespace, then key (see idOf), as diffs do.
  const sorted = (list: string[]) => list.sort().map(pairOf);
  return { added: sorted(ids.added), removed: sorted(ids.removed), changed: sorted(ids.changed) };
}

function diffDifferences(expected: Diff, actual: Diff): string[] {
  const lines: string[] = [];
  for (const kind of ["added", "removed", "changed"] as const) {
    const want = expected[kind].map(([namespace, key]) => idOf(namespace, key));
    const got = actual[kind].map(([namespace, key]) => idOf(namespace, key));
    const wanted = new Set(want);
    const gotten = new Set(got);
    for (const id of got)
      if (!wanted.has(id)) lines.push(`${showId(id)}: ${kind}, not by the ledger`);
    for (const id of want)
      if (!gotten.has(id)) lines.push(`${showId(id)}: ${kind} by the ledger, not listed`);
    if (lines.length === 0 && want.join() !== got.join()) lines.push(`${kind}: not sorted`);
  }
  return lines;
}

function shown(what: string, differences: string[]): string[] {
  const lines = differences.slice(0, SHOWN).map((line) => `${what}: ${line}`);
  if (differences.length > SHOWN) lines.push(`${what}: … and ${differences.length - SHOWN} more`);
  return lines;
}
