/**
 * The store's list of snapshots: ids, parents, timestamps and sizes of the ones still held. The
 * shards keep their contents, under the same ids (see core/state/shard.ts); this list decides ids
 * and which snapshot `maxHistory` releases next, and never talks to a shard itself.
 *
 * Invariants: ids are given to snapshots in the order they are taken, from 1, never reused;
 * `parent` is the id taken just before (released or not); live snapshots are kept oldest first.
 * A snapshot changes the list only once its cut succeeded (`next`, then `taken`): a refused one
 * leaves the ids, the parents and `maxHistory`'s releases as they were.
 */
import type { SnapshotInfo } from "../client/snapshot.js";

export class SnapshotRegistry {
  private lastId = 0;
  private readonly live = new Map<number, SnapshotInfo>();

  /** The id and parent the next snapshot taken gets (nothing changes until `taken`). */
  next(): { id: number; parent: number | null } {
    return { id: this.lastId + 1, parent: this.lastId === 0 ? null : this.lastId };
  }

  /**
   * The oldest live snapshots that one more would put beyond `maxHistory` (`null`: no limit),
   * oldest first; nothing changes until `taken`.
   */
  beyond(maxHistory: number | null): number[] {
    if (maxHistory === null) return [];
    const excess = this.live.size + 1 - maxHistory;
    return [...this.live.keys()].slice(0, Math.max(0, excess));
  }

  /** Snapshot `info` (the id `next` gave) was taken, and `released` released at its cut. */
  taken(info: SnapshotInfo, released: readonly number[]): void {
    this.lastId = info.id;
    for (const id of released) this.live.delete(id);
    this.live.set(info.id, info);
  }

  /** After reopening a durable store: the next id follows `lastId`, whatever was released. */
  continueFrom(lastId: number): void {
    this.lastId = Math.max(this.lastId, lastId);
  }

  /** A snapshot a durable store recovered (ids then continue with `continueFrom`). */
  add(info: SnapshotInfo): void {
    this.live.set(info.id, info);
  }

  holds(id: number): boolean {
    return this.live.has(id);
  }

  /** Drops `id` (released); returns whether it was held. */
  drop(id: number): boolean {
    return this.live.delete(id);
  }

  /** The live snapshots, oldest first. */
  list(): SnapshotInfo[] {
    return [...this.live.values()];
  }
}
