/**
 * One shard's part of a changeset: what it takes to get from one snapshot's contents to
 * another's, with the values. A shard computes its part of `snapshot.changes(base)` from the
 * same comparison as a diff (diff.ts), so it costs what the diff costs plus copying the values
 * out. A shard applies its part of `store.apply(changeset)` at the apply's cut, as mutations
 * (core/replay/mutations.ts, `mutationsOfCut`).
 *
 * Invariant: a part names each pair at most once (removed or put, never both), so the order in
 * which removals and puts are applied does not matter.
 */
import type { PackedChanges } from "../protocol/batch-format.js";
import { PairsBuilder } from "../protocol/pairs.js";
import { compareStates } from "./diff.js";
import type { Journal } from "./journal.js";
import type { EncodedValue, ShardState } from "./state.js";

/** What to do to `base`'s contents to get `target`'s; `journals` as for a diff. */
export function changesBetween(
  base: ShardState,
  target: ShardState,
  journals: Journal[],
): PackedChanges {
  const removed = new PairsBuilder();
  const put = new PairsBuilder();
  const values: EncodedValue[] = [];
  const set = (namespace: string, key: string, now: EncodedValue) => {
    put.add(namespace, key);
    values.push(now);
  };
  compareStates(
    { added: set, changed: set, removed: (namespace, key) => removed.add(namespace, key) },
    base,
    target,
    journals,
  );
  const valueLengths = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) valueLengths[i] = (values[i] as EncodedValue).length;
  return { removed: removed.finish(), put: put.finish(), values: values.join(""), valueLengths };
}
