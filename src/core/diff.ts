/**
 * Diff of two shard states, driven by the journals between them.
 *
 * Output lists are flat `[ns, key, ns, key, …]` arrays sorted by namespace then key (UTF-16
 * order): flat because they cross a thread boundary, and a flat array of strings is the
 * cheapest shape to send.
 */
import type { Journal } from "./journal.js";
import type { NamespaceMap, ShardState } from "./state.js";

export interface FlatDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

/** What it took to get from `base` to `target`; `journals` must cover every write between them. */
export function diffStates(base: ShardState, target: ShardState, journals: Journal[]): FlatDiff {
  const diff: FlatDiff = { added: [], removed: [], changed: [] };
  if (base === target) return diff;
  let candidates = 0;
  for (const journal of journals) {
    if (journal.cleared) return diffInFull(base, target);
    candidates += journal.size;
  }
  // Looking up a candidate costs about what visiting an entry costs, so past this point a
  // full comparison (which still skips shared namespaces) is the cheaper one.
  if (candidates > base.count + target.count) return diffInFull(base, target);
  const touched = unionOf(journals);
  for (const namespace of [...touched.keys()].sort()) {
    const keys = touched.get(namespace) as Set<string>;
    compareNamespace(diff, namespace, base.root.get(namespace), target.root.get(namespace), [
      ...keys,
    ]);
  }
  return diff;
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
function diffInFull(base: ShardState, target: ShardState): FlatDiff {
  const diff: FlatDiff = { added: [], removed: [], changed: [] };
  const namespaces = new Set([...base.root.keys(), ...target.root.keys()]);
  for (const namespace of [...namespaces].sort()) {
    const before = base.root.get(namespace);
    const after = target.root.get(namespace);
    if (before === after) continue;
    const keys = new Set([...(before?.keys() ?? []), ...(after?.keys() ?? [])]);
    compareNamespace(diff, namespace, before, after, [...keys]);
  }
  return diff;
}

function compareNamespace(
  diff: FlatDiff,
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
    if (old === undefined) diff.added.push(namespace, key);
    else if (now === undefined) diff.removed.push(namespace, key);
    else diff.changed.push(namespace, key);
  }
}
