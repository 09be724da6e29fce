/**
 * The data every case works on, generated deterministically so runs compare: entry `i` lives in
 * namespace `ns-(i mod NAMESPACES)` under key `key-i`, and its value is a small agent-state
 * object of about 100 msgpack bytes. `version` changes the value without changing its size, so
 * rewriting an entry with a new version makes it "changed" in a diff.
 */
import { Store, type Value } from "../../dist/index.js";

export const NAMESPACES = 100;
/** How `setMany` is fed: the chunk size the figures are stated for. */
export const CHUNK = 1000;

export type Item = [string, string, Value];

export function namespaceOf(i: number): string {
  return `ns-${i % NAMESPACES}`;
}

export function valueFor(i: number, version = 0): Value {
  return {
    id: i,
    owner: `agent-${i % 97}`,
    status: version % 2 === 0 ? "running" : "done",
    step: version,
    score: (i % 1000) / 1000,
    note: "lorem ipsum dolor",
    tags: ["alpha", "beta"],
  };
}

export function itemFor(i: number, version = 0): Item {
  return [namespaceOf(i), `key-${i}`, valueFor(i, version)];
}

/** Items for the given entry indices, in chunks of {@link CHUNK}. */
export function* chunksOf(indices: Iterable<number>, version = 0): Generator<Item[]> {
  let chunk: Item[] = [];
  for (const i of indices) {
    chunk.push(itemFor(i, version));
    if (chunk.length === CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Cycles through a list: each call returns the next element, from the start again at the end. */
export function cycle<T>(list: readonly T[]): () => T {
  let next = 0;
  return () => list[next++ % list.length] as T;
}

export function* range(n: number): Generator<number> {
  for (let i = 0; i < n; i++) yield i;
}

/** `count` entry indices spread evenly over `0 … n-1` (so over every namespace). */
export function spread(n: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.floor((k * n) / count));
}

/**
 * `count` entry indices in `0 … n-1` picked with a prime stride, so they are spread out but do
 * not share a remainder the way evenly spaced indices do (every 1000th entry has score 0).
 */
export function sampleOf(n: number, count: number): number[] {
  return Array.from({ length: Math.min(n, count) }, (_, k) => (k * 7919 + 13) % n);
}

/** Anything written to with `setMany`: a `Store`, or a baseline standing in for one. */
export interface Writable {
  setMany(items: Item[]): Promise<void>;
}

/** Writes the given entries with `setMany`, one awaited chunk at a time, as a loader would. */
export async function write(
  store: Writable,
  indices: Iterable<number>,
  version = 0,
): Promise<void> {
  for (const chunk of chunksOf(indices, version)) await store.setMany(chunk);
}

/** A new store holding entries `0 … n-1`. */
export async function filledStore(shards: number, n: number): Promise<Store> {
  const store = new Store({ shards });
  await write(store, range(n));
  return store;
}

/** The same entries as plain objects, as a copy-on-snapshot store would hold them. */
export function plainState(n: number): Map<string, Map<string, Value>> {
  const state = new Map<string, Map<string, Value>>();
  for (let i = 0; i < n; i++) {
    const [namespace, key, value] = itemFor(i);
    let entries = state.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      state.set(namespace, entries);
    }
    entries.set(key, value);
  }
  return state;
}

/**
 * Writes one key in every namespace, so every shard has a write since its last snapshot and the
 * next `snapshot()` or `restore()` really reaches each shard (a clean shard is skipped).
 */
export async function touchEveryNamespace(store: Store, round: number): Promise<void> {
  const items: Item[] = [];
  for (let n = 0; n < NAMESPACES; n++) items.push([namespaceOf(n), "touched", round]);
  await store.setMany(items);
}
