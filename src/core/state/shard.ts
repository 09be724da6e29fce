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
 *
 * Snapshots are named by the store's (global) snapshot ids. A shard not written since its last
 * snapshot (or since the snapshot it was restored to) has the same contents, so a new global
 * snapshot reuses that shard snapshot instead of taking another: `held` maps each global id to
 * the history node holding its contents, and `uses` counts the global ids per node; the node is
 * released with its last one. An id the shard does not hold was released (by any client: the
 * shard is where a release takes effect), hence `SnapshotReleasedError`.
 */

import { SnapshotReleasedError } from "../errors.js";
import type { PackedChanges, PackedDiff, PackedPairs } from "../protocol/batch-format.js";
import { BucketMap, type BucketMapDraft } from "./bucket-map.js";
import { changesBetween } from "./changeset-part.js";
import { diffStates } from "./diff.js";
import { History } from "./history.js";
import type { Journal } from "./journal.js";
import { allPairs, EMPTY_STATE, type EncodedValue, lookup, type ShardState } from "./state.js";

/** A shard frozen at one moment: persistent states and the shape of its history (O(snapshots)). */
export interface ShardCapture {
  /** The current contents. */
  state: ShardState;
  /** Held history nodes in id order, each with the nearest held node above it. */
  nodes: { id: number; state: ShardState; above: number | null }[];
  /** The nearest held node at or above the head, which the current contents descend from. */
  headBase: number | null;
  /** Every held snapshot id, with the node holding its contents. */
  held: [snapshot: number, node: number][];
}

export class Shard {
  private sealed: ShardState = EMPTY_STATE;
  private readonly drafts = new Map<string, BucketMapDraft>();
  private count = 0;
  private bytes = 0;
  private readonly history = new History();
  /** Global snapshot id → id of the history node holding its contents. */
  private readonly held = new Map<number, number>();
  /** History node id → how many global snapshots use it. */
  private readonly uses = new Map<number, number>();

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

  /** Total encoded size of the current values. */
  sizeBytes(): number {
    return this.bytes;
  }

  clear(): void {
    if (this.count === 0) return;
    this.replaceWith(EMPTY_STATE);
    this.history.recordClear();
  }

  /**
   * Keeps the current contents as global snapshot `id` (reusing the last shard snapshot when
   * nothing was written since); returns their encoded size in bytes.
   */
  snapshot(id: number): number {
    let node = this.history.liveHeadId();
    if (node === null) {
      this.seal();
      this.history.take(id, this.sealed);
      node = id;
    }
    this.held.set(id, node);
    this.uses.set(node, (this.uses.get(node) ?? 0) + 1);
    return this.bytes;
  }

  restore(id: number): void {
    this.replaceWith(this.history.checkout(this.nodeOf(id)));
  }

  /** Releases global snapshot `id`; releasing one not held is a no-op (any client may). */
  release(id: number): void {
    const node = this.held.get(id);
    if (node === undefined) return;
    this.held.delete(id);
    const left = (this.uses.get(node) as number) - 1;
    if (left > 0) {
      this.uses.set(node, left);
      return;
    }
    this.uses.delete(node);
    this.history.release(node);
  }

  snapshotGet(id: number, namespace: string, key: string): EncodedValue | undefined {
    return lookup(this.history.stateOf(this.nodeOf(id)), namespace, key);
  }

  snapshotKeys(id: number): PackedPairs {
    return allPairs(this.history.stateOf(this.nodeOf(id)));
  }

  /** What happened to get from snapshot `baseId` to snapshot `id`. */
  diff(id: number, baseId: number): PackedDiff {
    return diffStates(...this.between(id, baseId));
  }

  /** The shard frozen as it is now, for a checkpoint (see replay/shard-script.ts). O(snapshots). */
  capture(): ShardCapture {
    this.seal();
    const { nodes, headBase } = this.history.shape();
    return { state: this.sealed, nodes, headBase, held: [...this.held] };
  }

  /** Each snapshot held, with the encoded size of its contents. */
  heldSizes(): [id: number, bytes: number][] {
    return [...this.held].map(([id, node]) => [id, this.history.stateOf(node).bytes]);
  }

  /** What to do to snapshot `baseId`'s contents to get snapshot `id`'s, with the values. */
  changes(id: number, baseId: number): PackedChanges {
    return changesBetween(...this.between(id, baseId));
  }

  /** Snapshot `baseId`'s contents, snapshot `id`'s, and the journals of the writes between. */
  private between(id: number, baseId: number): [ShardState, ShardState, Journal[]] {
    const node = this.nodeOf(id);
    const baseNode = this.nodeOf(baseId);
    const journals = this.history.journalsBetween(baseNode, node);
    return [this.history.stateOf(baseNode), this.history.stateOf(node), journals];
  }

  /** Snapshots held (global ids). */
  get heldSnapshots(): number {
    return this.held.size;
  }

  /** History nodes held: at most one per snapshot, fewer where some share one (for tests). */
  get heldNodes(): number {
    return this.history.liveCount;
  }

  /** The history node holding global snapshot `id`. */
  private nodeOf(id: number): number {
    const node = this.held.get(id);
    if (node === undefined) throw new SnapshotReleasedError(`snapshot ${id} was released`);
    return node;
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
