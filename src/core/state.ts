/**
 * One shard's contents as a persistent value: `namespace → key → encoded value`, plus running
 * totals. Every update returns a new state and shares everything it did not touch, which is
 * what makes a snapshot O(1): taking one is keeping a reference to the current state.
 *
 * Invariants:
 * - `root` never holds an empty namespace map (deleting the last key drops the namespace), so
 *   `namespaces()` needs no filtering and two states with the same contents per namespace share
 *   or compare equal namespace maps.
 * - `count` is the number of entries and `bytes` the sum of their encoded lengths, kept up to
 *   date on every write so that `size()` and `sizeBytes` never iterate entries.
 */
import { Map as ImmutableMap } from "immutable";

/**
 * An encoded value held as a one-byte (latin1) string, one character per msgpack byte. V8 keeps
 * such a string in a single heap object about 16 bytes larger than its payload, where a
 * `Uint8Array` costs well over 100 bytes of object, ArrayBuffer and backing store per value.
 */
export type EncodedValue = string;

export type NamespaceMap = ImmutableMap<string, EncodedValue>;

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

export function put(
  state: ShardState,
  namespace: string,
  key: string,
  value: EncodedValue,
): ShardState {
  const entries = state.root.get(namespace) ?? ImmutableMap<string, EncodedValue>();
  const previous = entries.get(key);
  if (previous === value) return state;
  return {
    root: state.root.set(namespace, entries.set(key, value)),
    count: state.count + (previous === undefined ? 1 : 0),
    bytes: state.bytes + value.length - (previous?.length ?? 0),
  };
}

/**
 * `put` for a run of writes, through transient (mutable) copies of the touched namespace maps:
 * no intermediate version is built per write, which makes bulk writes faster and leaves less
 * garbage. Earlier versions are untouched (transients copy whatever they share on first write).
 */
export function putAll(
  state: ShardState,
  writes: readonly (readonly [string, string, EncodedValue])[],
): ShardState {
  let { count, bytes } = state;
  const drafts = new Map<string, NamespaceMap>();
  const changed = new Set<string>();
  for (const [namespace, key, value] of writes) {
    let entries = drafts.get(namespace);
    if (entries === undefined) {
      entries = (state.root.get(namespace) ?? ImmutableMap<string, EncodedValue>()).asMutable();
      drafts.set(namespace, entries);
    }
    const previous = entries.get(key);
    if (previous === value) continue;
    drafts.set(namespace, entries.set(key, value));
    changed.add(namespace);
    count += previous === undefined ? 1 : 0;
    bytes += value.length - (previous?.length ?? 0);
  }
  // Only namespaces that really changed get a new map, so unchanged ones stay shared.
  if (changed.size === 0) return state;
  const root = state.root.withMutations((mutable) => {
    for (const namespace of changed) {
      mutable.set(namespace, (drafts.get(namespace) as NamespaceMap).asImmutable());
    }
  });
  return { root, count, bytes };
}

export function remove(state: ShardState, namespace: string, key: string): ShardState {
  const entries = state.root.get(namespace);
  const previous = entries?.get(key);
  if (entries === undefined || previous === undefined) return state;
  const rest = entries.remove(key);
  return {
    root: rest.size === 0 ? state.root.remove(namespace) : state.root.set(namespace, rest),
    count: state.count - 1,
    bytes: state.bytes - previous.length,
  };
}

export function sortedKeys(state: ShardState, namespace: string): string[] {
  const entries = state.root.get(namespace);
  return entries === undefined ? [] : [...entries.keys()].sort();
}

export function sortedNamespaces(state: ShardState): string[] {
  return [...state.root.keys()].sort();
}

/** Every `(namespace, key)` of a state as a flat `[ns, key, ns, key, …]` list, sorted. */
export function allPairs(state: ShardState): string[] {
  const pairs: string[] = [];
  for (const namespace of sortedNamespaces(state)) {
    for (const key of sortedKeys(state, namespace)) pairs.push(namespace, key);
  }
  return pairs;
}
