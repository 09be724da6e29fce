/**
 * One shard's contents as a persistent value: `namespace → key → encoded value`, plus totals.
 * A new version shares everything it did not change with the previous one, which is what
 * makes a snapshot O(1): taking one is keeping a reference to a version (see shard.ts).
 *
 * Invariants:
 * - `root` never holds an empty namespace map (deleting the last key drops the namespace), so
 *   `namespaces()` needs no filtering and two states with the same contents per namespace share
 *   or compare equal namespace maps.
 * - `count` is the number of entries and `bytes` the sum of their encoded lengths, kept up to
 *   date by every write so that `size()` and `sizeBytes` never iterate entries.
 */
import { Map as ImmutableMap } from "immutable";
import type { PackedPairs } from "../protocol/batch-format.js";
import { PairsBuilder } from "../protocol/pairs.js";
import type { BucketMap } from "./bucket-map.js";

/**
 * An encoded value held as a one-byte (latin1) string, one character per msgpack byte. V8 keeps
 * such a string in a single heap object about 16 bytes larger than its payload, where a
 * `Uint8Array` costs well over 100 bytes of object, ArrayBuffer and backing store per value.
 */
export type EncodedValue = string;

/** One namespace's entries: key → encoded value. */
export type NamespaceMap = BucketMap;

export interface ShardState {
  readonly root: ImmutableMap<string, NamespaceMap>;
  readonly count: number;
  readonly bytes: number;
}

export const EMPTY_STATE: ShardState = { root: ImmutableMap(), count: 0, bytes: 0 };

export function lookup(
  state: ShardState,
  namespace: string,
  key: string,
): EncodedValue | undefined {
  return state.root.get(namespace)?.get(key);
}

function sortedKeys(state: ShardState, namespace: string): string[] {
  const entries = state.root.get(namespace);
  return entries === undefined ? [] : [...entries.keys()].sort();
}

function sortedNamespaces(state: ShardState): string[] {
  return [...state.root.keys()].sort();
}

/** Every `(namespace, key)` of a state, sorted, packed for the trip to the caller's thread. */
export function allPairs(state: ShardState): PackedPairs {
  const pairs = new PairsBuilder();
  for (const namespace of sortedNamespaces(state)) {
    for (const key of sortedKeys(state, namespace)) pairs.add(namespace, key);
  }
  return pairs.finish();
}
