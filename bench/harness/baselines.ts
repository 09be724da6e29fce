/**
 * The stores a user would otherwise reach for, run in the same process on the same data:
 *
 * - `ClonedMap`: a plain `Map` that `structuredClone`s values in and out, so that, like
 *   swarmstate, it keeps its own copy and hands out fresh objects.
 * - `ImmutableBytes`: a single-thread `immutable` Map of msgpack bytes (msgpackr, standard
 *   msgpack): persistent, so a snapshot is a reference, as in swarmstate's shards, but no threads
 *   and no value checks.
 * - A copy-on-snapshot store: a `Map` of encoded values copied whole on every snapshot (and
 *   restore), diffed by scanning every key of both copies. Values are immutable bytes, so a copy
 *   shares them and copies only the maps: the cheapest copy such a store can make.
 */
import { Map as ImmutableMap } from "immutable";
import { Packr } from "msgpackr";
import { dumps, type Value } from "../../dist/index.js";
import { type Item, itemFor } from "./data.js";

/** What the throughput and latency cases call, on swarmstate's `Store` and on the baselines. */
export interface KeyValueStore {
  set(namespace: string, key: string, value: Value): Promise<void>;
  get(namespace: string, key: string): Promise<Value | undefined>;
  setMany(items: readonly Item[]): Promise<void>;
  getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]>;
  close(): Promise<void>;
}

export class ClonedMap implements KeyValueStore {
  private readonly root = new Map<string, Map<string, Value>>();

  async set(namespace: string, key: string, value: Value): Promise<void> {
    this.put(namespace, key, value);
  }

  async get(namespace: string, key: string): Promise<Value | undefined> {
    return this.read(namespace, key);
  }

  async setMany(items: readonly Item[]): Promise<void> {
    for (const [namespace, key, value] of items) this.put(namespace, key, value);
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    return pairs.map(([namespace, key]) => this.read(namespace, key));
  }

  async close(): Promise<void> {}

  private put(namespace: string, key: string, value: Value): void {
    let entries = this.root.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      this.root.set(namespace, entries);
    }
    entries.set(key, structuredClone(value));
  }

  private read(namespace: string, key: string): Value | undefined {
    const value = this.root.get(namespace)?.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }
}

type Entries = ImmutableMap<string, Uint8Array>;
const NO_ENTRIES: Entries = ImmutableMap();
const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

export class ImmutableBytes implements KeyValueStore {
  private root = ImmutableMap<string, Entries>();

  async set(namespace: string, key: string, value: Value): Promise<void> {
    const bytes = encode(value);
    this.root = this.root.set(namespace, (this.root.get(namespace) ?? NO_ENTRIES).set(key, bytes));
  }

  async get(namespace: string, key: string): Promise<Value | undefined> {
    return this.read(namespace, key);
  }

  /** Encodes everything first (all or nothing), then applies it through transient maps. */
  async setMany(items: readonly Item[]): Promise<void> {
    const encoded = items.map(
      ([namespace, key, value]) => [namespace, key, encode(value)] as const,
    );
    this.root = this.root.withMutations((root) => {
      const drafts = new Map<string, Entries>();
      for (const [namespace, key, bytes] of encoded) {
        let draft = drafts.get(namespace);
        if (draft === undefined) {
          draft = (root.get(namespace) ?? NO_ENTRIES).asMutable();
          drafts.set(namespace, draft);
        }
        draft.set(key, bytes);
      }
      for (const [namespace, draft] of drafts) root.set(namespace, draft.asImmutable());
    });
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    return pairs.map(([namespace, key]) => this.read(namespace, key));
  }

  async close(): Promise<void> {}

  /** The current contents, kept as they are: O(1), the map being persistent. */
  snapshot(): ImmutableMap<string, Entries> {
    return this.root;
  }

  private read(namespace: string, key: string): Value | undefined {
    const bytes = this.root.get(namespace)?.get(key);
    return bytes === undefined ? undefined : (packr.unpack(bytes) as Value);
  }
}

/** msgpackr's output is a view into its working buffer: keep a copy of its own. */
function encode(value: Value): Uint8Array {
  return new Uint8Array(packr.pack(value));
}

/** A copy-on-snapshot store's state: namespace → key → the value's msgpack bytes. */
export type EncodedState = Map<string, Map<string, Uint8Array>>;

/** Entries `0 … n-1` as `EncodedState`, with the very bytes swarmstate stores. */
export function encodedState(n: number): EncodedState {
  const state: EncodedState = new Map();
  writeEncoded(
    state,
    Array.from({ length: n }, (_, i) => i),
  );
  return state;
}

/** Writes the given entries (at `version`) into a copy-on-snapshot state. */
export function writeEncoded(state: EncodedState, indices: Iterable<number>, version = 0): void {
  for (const i of indices) {
    const [namespace, key, value] = itemFor(i, version);
    let entries = state.get(namespace);
    if (entries === undefined) {
      entries = new Map();
      state.set(namespace, entries);
    }
    entries.set(key, dumps(value));
  }
}

/** What a copy-on-snapshot store does on each snapshot and each restore. */
export function copyState(state: EncodedState): EncodedState {
  const copy: EncodedState = new Map();
  for (const [namespace, entries] of state) copy.set(namespace, new Map(entries));
  return copy;
}

export interface PairLists {
  added: [string, string][];
  removed: [string, string][];
  changed: [string, string][];
}

/**
 * The straightforward diff of two copies: every key of both is compared (by reference first,
 * then byte for byte). Only what it finds is sorted, as swarmstate's lists are.
 */
export function fullScanDiff(base: EncodedState, target: EncodedState): PairLists {
  const diff: PairLists = { added: [], removed: [], changed: [] };
  for (const namespace of new Set([...base.keys(), ...target.keys()])) {
    const before = base.get(namespace);
    const after = target.get(namespace);
    for (const [key, old] of before ?? []) {
      const now = after?.get(key);
      if (now === undefined) diff.removed.push([namespace, key]);
      else if (old !== now && Buffer.compare(old, now) !== 0) diff.changed.push([namespace, key]);
    }
    for (const key of after?.keys() ?? []) {
      if (before?.has(key) !== true) diff.added.push([namespace, key]);
    }
  }
  for (const list of [diff.added, diff.removed, diff.changed]) list.sort(comparePairs);
  return diff;
}

function comparePairs(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}
