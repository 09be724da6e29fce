/**
 * Diff of two shard states, driven by the journals between them. The three lists come out
 * sorted by namespace then key (UTF-16 order), packed for the trip to the caller's thread (see
 * pairs.ts).
 */
import type { PackedDiff } from "./batch-format.js";
import type { Journal } from "./journal.js";
import { PairsBuilder } from "./pairs.js";
import type { NamespaceMap, ShardState } from "./state.js";

interface DiffBuilder {
  added: PairsBuilder;
  removed: PairsBuilder;
  changed: PairsBuilder;
}

/** What it took to get from `base` to `target`; `journals` must cover every write between them. */
export function diffStates(base: ShardState, target: ShardState, journals: Journal[]): PackedDiff {
  const diff = {
    added: new PairsBuilder(),
    removed: new PairsBuilder(),
    changed: new PairsBuilder(),
  };
  compare(diff, base, target, journals);
  return {
    added: diff.added.finish(),
    removed: diff.removed.finish(),
    changed: diff.changed.finish(),
  };
}

function compare(diff: DiffBuilder, base: ShardState, target: ShardState, journals: Journal[]) {
  if (base === target) return;
  let candidates = 0;
  for (const journal of journals) {
    if (journal.cleared) return diffInFull(diff, base, target);
    candidates += journal.size;
  }
  // Looking up a candidate costs about what visiting an entry costs, so past this point a
  // full comparison (which still skips shared namespaces) is the cheaper one.
  if (candidates > base.count + target.count) return diffInFull(diff, base, target);
  const touched = unionOf(journals);
  for (const namespace of [...touched.keys()].sort()) {
    const keys = touched.get(namespace) as Set<string>;
    compareNamespace(diff, namespace, base.root.get(namespace), target.root.get(namespace), [
      ...keys,
    ]);
  }
}

function unionOf(journals: Journal[]): Map<string, Set<string>> {
  const [first] = journals;
  if (journals.length === 1 && first !== undefined) return first.written;
  const union = new Map<string, Set<string>>();
  for (const journal of journals) {
    for (const [namespace, keys] of journal.written) {
      const merged = union.get(namespace);
      if (merged === undefined) union.set(namespace, new Set(keys));
      else for (const key of keys) merged.add(key);
    }
  }
  return union;
}

/** Compares every namespace of both states, skipping namespace maps the two share. */
function diffInFull(diff: DiffBuilder, base: ShardState, target: ShardState): void {
  const namespaces = new Set([...base.root.keys(), ...target.root.keys()]);
  for (const namespace of [...namespaces].sort()) {
    const before = base.root.get(namespace);
    const after = target.root.get(namespace);
    if (before === after) continue;
    const keys = new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])]);
    compareNamespace(diff, namespace, before, after, [...keys]);
  }
}

function compareNamespace(
  diff: DiffBuilder,
  namespace: string,
  before: NamespaceMap | undefined,
  after: NamespaceMap | undefined,
  keys: string[],
): void {
  if (before === after) return; // untouched on both sides: nothing inside can differ
  keys.sort();
  for (const key of keys) {
    const old = before?.get(key);
    const now = after?.get(key);
    if (old === now) continue;
    if (old === undefined) diff.added.add(namespace, key);
    else if (now === undefined) diff.removed.add(namespace, key);
    else diff.changed.add(namespace, key);
  }
}
