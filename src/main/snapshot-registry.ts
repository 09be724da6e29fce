/**
 * The coordinator's bookkeeping of snapshots. A global snapshot is a vector of per-shard
 * snapshot ids; this module decides which shards must take, restore or release one, and never
 * talks to a shard itself.
 *
 * Invariants:
 * - A shard snapshot id is the id of the global snapshot that made the shard take it.
 * - `head[s]` is the shard snapshot shard `s` currently equals, unless `dirty[s]` (it was
 *   written since). A clean shard whose head is still held is reused by the next snapshot
 *   instead of taking a new one, so a snapshot only touches shards written since the last.
 * - `refs[s]` counts the live global snapshots using each shard snapshot; at zero the shard is
 *   told to release it. Every op naming a shard snapshot is queued before that release, so a
 *   shard never sees a request for a snapshot it has dropped.
 */
export interface SnapshotRecord {
  readonly id: number;
  readonly parent: number | null;
  readonly timestamp: number;
  /** Per shard, the shard snapshot id holding this snapshot's contents. */
  readonly shardIds: readonly number[];
}

/** A shard's head before its first snapshot: nothing to reuse. */
const NONE = 0;

export class SnapshotRegistry {
  private nextId = 1;
  private lastId: number | null = null;
  private readonly live = new Map<number, SnapshotRecord>();
  private readonly head: number[];
  private readonly dirty: boolean[];
  private readonly refs: Map<number, number>[];

  constructor(shardCount: number) {
    this.head = new Array(shardCount).fill(NONE);
    this.dirty = new Array(shardCount).fill(false);
    this.refs = Array.from({ length: shardCount }, () => new Map());
  }

  markDirty(shard: number): void {
    this.dirty[shard] = true;
  }

  markAllDirty(): void {
    this.dirty.fill(true);
  }

  get liveCount(): number {
    return this.live.size;
  }

  /** The snapshot `id` if it is still held. */
  record(id: number): SnapshotRecord | undefined {
    return this.live.get(id);
  }

  /** The oldest snapshot still held, if any. */
  oldest(): SnapshotRecord | undefined {
    return this.live.values().next().value;
  }

  /** Records a new snapshot; `fresh` lists the shards that must take a shard snapshot now. */
  take(): { record: SnapshotRecord; fresh: number[] } {
    const id = this.nextId++;
    const fresh: number[] = [];
    const shardIds = this.head.map((headId, shard) => {
      const reusable = !this.dirty[shard] && this.refs[shard]?.has(headId);
      if (reusable) return headId;
      fresh.push(shard);
      this.head[shard] = id;
      this.dirty[shard] = false;
      return id;
    });
    shardIds.forEach((shardId, shard) => {
      this.retain(shard, shardId);
    });
    const record: SnapshotRecord = {
      id,
      parent: this.lastId,
      timestamp: (performance.timeOrigin + performance.now()) / 1000,
      shardIds,
    };
    this.lastId = id;
    this.live.set(id, record);
    return { record, fresh };
  }

  /** Points every shard's head at `record`; returns the shards that must actually restore. */
  restore(record: SnapshotRecord): number[] {
    const moved: number[] = [];
    record.shardIds.forEach((shardId, shard) => {
      if (this.dirty[shard] || this.head[shard] !== shardId) moved.push(shard);
      this.head[shard] = shardId;
      this.dirty[shard] = false;
    });
    return moved;
  }

  /** Marks `record` released; returns `[shard, shard snapshot id]` pairs no longer used. */
  release(record: SnapshotRecord): [number, number][] {
    this.live.delete(record.id);
    const unused: [number, number][] = [];
    record.shardIds.forEach((shardId, shard) => {
      if (this.drop(shard, shardId)) unused.push([shard, shardId]);
    });
    return unused;
  }

  private retain(shard: number, shardId: number): void {
    const refs = this.refs[shard] as Map<number, number>;
    refs.set(shardId, (refs.get(shardId) ?? 0) + 1);
  }

  /** Returns true when the shard snapshot is no longer used by any live snapshot. */
  private drop(shard: number, shardId: number): boolean {
    const refs = this.refs[shard] as Map<number, number>;
    const left = (refs.get(shardId) ?? 0) - 1;
    if (left > 0) {
      refs.set(shardId, left);
      return false;
    }
    refs.delete(shardId);
    return true;
  }
}
