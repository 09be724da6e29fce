/**
 * Comparing two shard states, driven by the journals between them: every key that may differ is
 * visited once, in order (namespace, then key, UTF-16 order), and reported to a
 * {@link Comparison} as added, removed or changed, with its value in the target. A diff keeps
 * the pairs (packed for the trip to the caller's thread, see core/protocol/pairs.ts); a changeset
 * keeps the values too (see changeset-part.ts). Both cost what the journals hold, not the store's
 * size.
 */
import type { PackedDiff } from "../protocol/batch-format.js";
import { PairsBuilder } from "../protocol/pairs.js";
import type { Journal } from "./journal.js";
import type { EncodedValue, NamespaceMap, ShardState } from "./state.js";

/** What a comparison reports, one key at a time, in order. */
export interface Comparison {
  added(namespace: string, key: string, now: EncodedValue): void;
  removed(namespace: string, key: string): void;
  changed(namespace: string, key: string, now: EncodedValue): void;
}

/** What it took to get from `base` to `target`; `journals` must cover every write between them. */
export function diffStates(base: ShardState, target: ShardState, journals: Journal[]): PackedDiff {
  const added = new PairsBuilder();
  const removed = new PairsBuilder();
  const changed = new PairsBuilder();
  compareStates(
    {
      added: (namespace, key) => added.add(namespace, key),
      removed: (namespace, key) => removed.add(namespace, key),
      changed: (namespace, key) => changed.add(namespace, key),
    },
    base,
    target,
    journals,
  );
  return { added: added.finish(), removed: removed.finish(), changed: changed.finish() };
}

/**
 * Reports to `to` every key that differs between `base` and `target`, in order; `journals` must
 * cover every write between them.
 */
export function compareStates(
  to: Comparison,
  base: ShardState,
  target: ShardState,
  journals: Journal[],
): void {
  if (base === target) return;
  let candidates = 0;
  for (const journal of journals) {
    if (journal.cleared) {
      compareInFull(to, base, target);
      return;
    }
    candidates += journal.size;
  }
  // Looking up a candidate costs about what visiting an entry costs, so past this point a
  // full comparison (which still skips shared namespaces) is the cheaper one.
  if (candidates > base.count + target.count) {
    compareInFull(to, base, target);
    return;
  }
  const touched = unionOf(journals);
  for (const namespace of [...touched.keys()].sort()) {
    const keys = touched.get(namespace) as Set<string>;
    compareNamespace(to, namespace, base.root.get(namespace), target.root.get(namespace), [
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
function compareInFull(to: Comparison, base: ShardState, target: ShardState): void {
  const namespaces = new Set([...base.root.keys(), ...target.root.keys()]);
  for (const namespace of [...namespaces].sort()) {
    const before = base.root.get(namespace);
    const after = target.root.get(namespace);
    if (before === after) continue;
    const keys = new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])]);
    compareNamespace(to, namespace, before, after, [...keys]);
  }
}

function compareNamespace(
  to: Comparison,
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
    if (old === undefined) to.added(namespace, key, now as EncodedValue);
    else if (now === undefined) to.removed(namespace, key);
    else to.changed(namespace, key, now);
  }
}
