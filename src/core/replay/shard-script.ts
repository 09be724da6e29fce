/**
 * A shard's contents and snapshot history written as mutations that rebuild an equivalent shard
 * when replayed from empty (see mutations.ts): the same current contents, the same snapshot ids
 * holding the same contents, and journals covering every key that differs between any two of
 * them, so every diff comes out the same. What a durable shard's checkpoint holds (durable/).
 *
 * The script takes the held snapshots in id order. The first one is written in full; each
 * later one as the difference from the nearest held snapshot above it in the tree (or, on a
 * branch whose common ancestor was released, from the one written just before), restoring
 * that one first. Ids only grow along the way, as the history requires (core/state/history.ts).
 * Then the current contents, as the difference from the snapshot they descend from. Differences are
 * found by comparing persistent maps, skipping what two versions share (core/state/bucket-map.ts),
 * so a script costs the contents once plus what changed between snapshots.
 *
 * The rebuilt tree can be simpler than the original (released branch points are gone, and a
 * snapshot with no writes since its base shares the base's node), never different in what any
 * snapshot holds or any diff says.
 */

import type { ShardCapture } from "../state/shard.js";
import { EMPTY_STATE, type ShardState } from "../state/state.js";
import { Mut, type Mutations } from "./mutations.js";

/** Mutations per chunk the script yields. */
const CHUNK = 4096;

/** The script of `capture`, in chunks of about `CHUNK` mutations. */
export function* scriptOf(capture: ShardCapture): Generator<Mutations> {
  const snapshotsOf = new Map<number, number[]>();
  for (const [snapshot, node] of [...capture.held].sort((a, b) => a[0] - b[0])) {
    const list = snapshotsOf.get(node) ?? [];
    list.push(snapshot);
    snapshotsOf.set(node, list);
  }
  const states = new Map<number, ShardState>();
  let chunk: Mutations = [];
  let count = 0;
  function* push(...mutation: (number | string)[]): Generator<Mutations> {
    chunk.push(...mutation);
    if (++count >= CHUNK) {
      yield chunk;
      chunk = [];
      count = 0;
    }
  }
  /** Where the replayed head is: a node id, or `null` for the empty start. */
  let head: number | null = null;
  function* moveTo(base: number | null): Generator<Mutations> {
    if (base === null || base === head) return;
    yield* push(Mut.restore, (snapshotsOf.get(base) as number[])[0] as number);
    head = base;
  }
  let previous: number | null = null;
  for (const node of capture.nodes) {
    const base = node.above ?? previous;
    yield* moveTo(base);
    yield* writeDifference(
      base === null ? EMPTY_STATE : (states.get(base) as ShardState),
      node.state,
    );
    const snapshots = snapshotsOf.get(node.id) ?? [];
    yield* push(Mut.snapshot, node.id);
    for (const snapshot of snapshots) if (snapshot !== node.id) yield* push(Mut.snapshot, snapshot);
    if (!snapshots.includes(node.id)) yield* push(Mut.release, node.id);
    states.set(node.id, node.state);
    head = node.id;
    previous = node.id;
  }
  const base = capture.headBase ?? previous;
  yield* moveTo(base);
  yield* writeDifference(
    base === null ? EMPTY_STATE : (states.get(base) as ShardState),
    capture.state,
  );
  if (count > 0) yield chunk;

  function* writeDifference(from: ShardState, to: ShardState): Generator<Mutations> {
    for (const [namespace, key, value] of differences(from, to)) {
      if (value === undefined) yield* push(Mut.delete, namespace, key);
      else yield* push(Mut.set, namespace, key, value);
    }
  }
}

/** What differs between two states: `[namespace, key, value in "to"]` (`undefined`: absent). */
function* differences(
  from: ShardState,
  to: ShardState,
): Generator<[string, string, string | undefined]> {
  if (from === to) return;
  const namespaces = new Set([...from.root.keys(), ...to.root.keys()]);
  for (const namespace of namespaces) {
    const before = from.root.get(namespace);
    const after = to.root.get(namespace);
    if (before === after) continue;
    if (before === undefined) {
      for (const key of (after as NonNullable<typeof after>).keys()) {
        yield [namespace, key, after?.get(key)];
      }
    } else if (after === undefined) {
      for (const key of before.keys()) yield [namespace, key, undefined];
    } else {
      for (const key of before.differingKeys(after)) yield [namespace, key, after.get(key)];
    }
  }
}
