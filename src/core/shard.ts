/**
 * One shard: its current contents, its snapshot history and the operations the store routes to
 * it. Synchronous and thread-free; a worker thread (or the calling thread, with `shards: 0`)
 * hosts exactly one for its whole life.
 *
 * Why a snapshot never iterates entries: contents are persistent maps, so `snapshot` stores a
 * reference to the current version in the history, and `restore` makes an old one current.
 *
 * Between two snapshots, the namespaces written are kept as drafts (mutable working copies
 * that never touch what a snapshot holds), so a bucket is copied once per snapshot interval,
 * not once per write: bulk loads make almost no garbage. A snapshot first turns the drafts
 * into a new persistent version (`seal`). Invariant: the current contents are `sealed` with
 * each namespace in `drafts` replaced by its draft, and `count`/`bytes` describe them.
 */
import { BucketMap, type BucketMapDraft } from "./bucket-map.js";
import { diffStates, type FlatDiff } from "./diff.js";
import { History } from "./history.js";
import { allPairs, EMPTY_STATE, type EncodedValue, lookup, type ShardState } from "./state.js";

export class Shard {
  private sealed: ShardState = EMPTY_STATE;
  private readonly drafts = new Map<string, BucketMapDraft>();
  private count = 0;
  private bytes = 0;
  private readonly history = new History();

  set(namespace: string, key: string, value: EncodedValue): void {
    const previous = this.draftOf(namespace).set(key, value);
    if (previous === value) return;
    this.count += previous === undefined ? 1 : 0;
    this.bytes += value.length - (previous?.length ?? 0);
    this.history.recordWrite(namespace, key);
  }

  get(namespace: string, key: string): EncodedValue | undefined {
    return this.entriesOf(namespace)?.get(key);
  }

  has(namespace: string, key: string): boolean {
    return this.get(namespace, key) !== undefined;
  }

  delete(namespace: string, key: string): boolean {
    if (!this.has(namespace, key)) return false;
    const previous = this.draftOf(namespace).remove(key) as EncodedValue;
    this.count--;
    this.bytes -= previous.length;
    this.history.recordWrite(namespace, key);
    return true;
  }

  keys(namespace: string): string[] {
    return [...(this.entriesOf(namespace)?.keys() ?? [])].sort();
  }

  namespaces(): string[] {
    const names = new Set(this.sealed.root.keys());
    for (const [namespace, draft] of this.drafts) {
      if (draft.size > 0) names.add(namespace);
      else names.delete(namespace);
    }
    return [...names].sort();
  }

  size(): number {
    return this.count;
  }

  clear(): void {
    if (this.count === 0) return;
    this.replaceWith(EMPTY_STATE);
    this.history.recordClear();
  }

  /** Keeps the current contents as snapshot `id`; returns their encoded size in bytes. */
  snapshot(id: number): number {
    this.seal();
    this.history.take(id, this.sealed);
    return this.bytes;
  }

  restore(id: number): void {
    this.replaceWith(this.history.checkout(id));
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

  /** Snapshots held (for tests of history compaction). */
  get heldSnapshots(): number {
    return this.history.liveCount;
  }

  private entriesOf(namespace: string): BucketMap | BucketMapDraft | undefined {
    return this.drafts.get(namespace) ?? this.sealed.root.get(namespace);
  }

  private draftOf(namespace: string): BucketMapDraft {
    let draft = this.drafts.get(namespace);
    if (draft === undefined) {
      draft = (this.sealed.root.get(namespace) ?? BucketMap.EMPTY).draft();
      this.drafts.set(namespace, draft);
    }
    return draft;
  }

  /** Turns the drafts into a new persistent version of the contents. */
  private seal(): void {
    if (this.drafts.size === 0) return;
    const root = this.sealed.root.withMutations((mutable) => {
      for (const [namespace, draft] of this.drafts) {
        // Empty namespaces are dropped: `root` never holds one (see state.ts).
        if (draft.size === 0) mutable.remove(namespace);
        else mutable.set(namespace, draft.finish());
      }
    });
    this.drafts.clear();
    this.sealed = { root, count: this.count, bytes: this.bytes };
  }

  private replaceWith(state: ShardState): void {
    this.drafts.clear();
    this.sealed = state;
    this.count = state.count;
    this.bytes = state.bytes;
  }
}
