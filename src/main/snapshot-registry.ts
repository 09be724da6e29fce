/**
 * The store's list of snapshots: ids, parents, timestamps and sizes of the ones still held. The
 * shards keep their contents, under the same ids (see core/shard.ts); this list decides ids and
 * which snapshot `maxHistory` releases next, and never talks to a shard itself.
 *
 * Invariants: ids are handed out in the order cuts are placed, from 1, never reused; `parent` is
 * the id handed out just before (released or not); live snapshots are kept oldest first.
 */
import type { SnapshotInfo } from "./snapshot.js";

export class SnapshotRegistry {
  private lastId = 0;
  private readonly live = new Map<number, SnapshotInfo>();

  /** The id and parent of the next snapshot. */
  reserve(): { id: number; parent: number | null } {
    const parent = this.lastId === 0 ? null : this.lastId;
    this.lastId++;
    return { id: this.lastId, parent };
  }

  /** After reopening a durable store: the next id follows `lastId`, whatever was released. */
  continueFrom(lastId: number): void {
    this.lastId = Math.max(this.lastId, lastId);
  }

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

  get liveCount(): number {
    return this.live.size;
  }

  /** The live snapshots, oldest first. */
  list(): SnapshotInfo[] {
    return [...this.live.values()];
  }
}
