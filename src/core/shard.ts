/**
 * One shard: its current state, its snapshot history and the operations the store routes to
 * it. Synchronous and thread-free; a worker thread (or the calling thread, with `shards: 0`)
 * hosts exactly one for its whole life.
 *
 * Why a snapshot never iterates entries: the state is persistent, so `snapshot` stores a
 * reference to it in the history, and `restore` makes an old reference current again.
 */
import { diffStates, type FlatDiff } from "./diff.js";
import { History } from "./history.js";
import {
  allPairs,
  EMPTY_STATE,
  type EncodedValue,
  lookup,
  put,
  putAll,
  remove,
  type ShardState,
  sortedKeys,
  sortedNamespaces,
} from "./state.js";

export class Shard {
  private state: ShardState = EMPTY_STATE;
  private readonly history = new History();

  set(namespace: string, key: string, value: EncodedValue): void {
    this.state = put(this.state, namespace, key, value);
    this.history.recordWrite(namespace, key);
  }

  /** Many sets at once, in order (faster than one by one: see `putAll`). */
  setAll(writes: readonly (readonly [string, string, EncodedValue])[]): void {
    this.state = putAll(this.state, writes);
    for (const [namespace, key] of writes) this.history.recordWrite(namespace, key);
  }

  get(namespace: string, key: string): EncodedValue | undefined {
    return lookup(this.state, namespace, key);
  }

  has(namespace: string, key: string): boolean {
    return lookup(this.state, namespace, key) !== undefined;
  }

  delete(namespace: string, key: string): boolean {
    const next = remove(this.state, namespace, key);
    if (next === this.state) return false;
    this.state = next;
    this.history.recordWrite(namespace, key);
    return true;
  }

  keys(namespace: string): string[] {
    return sortedKeys(this.state, namespace);
  }

  namespaces(): string[] {
    return sortedNamespaces(this.state);
  }

  size(): number {
    return this.state.count;
  }

  clear(): void {
    if (this.state.count === 0) return;
    this.state = EMPTY_STATE;
    this.history.recordClear();
  }

  /** Keeps the current state as snapshot `id`; returns its encoded size in bytes. */
  snapshot(id: number): number {
    this.history.take(id, this.state);
    return this.state.bytes;
  }

  restore(id: number): void {
    this.state = this.history.checkout(id);
  }

  release(id: number): void {
    this.history.release(id);
  }

  snapshotGet(id: number, namespace: string, key: string): EncodedValue | undefined {
    return lookup(this.history.stateOf(id), namespace, key);
  }

  snapshotKeys(id: number): string[] {
    return allPairs(this.history.stateOf(id));
  }

  /** What happened to get from snapshot `baseId` to snapshot `id`. */
  diff(id: number, baseId: number): FlatDiff {
    const journals = this.history.journalsBetween(baseId, id);
    return diffStates(this.history.stateOf(baseId), this.history.stateOf(id), journals);
  }

  /** Snapshots held, genesis included (for tests of history compaction). */
  get heldSnapshots(): number {
    return this.history.liveCount;
  }
}
