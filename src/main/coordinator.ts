/**
 * The coordinator: the only place that knows shards are separate. It routes each call to the
 * shard owning its namespace, queues it in that shard's batcher, fans store-wide calls out to
 * every shard and combines their answers.
 *
 * Ordering: every call is queued synchronously, at the moment it is made, in the batcher of
 * each shard it concerns. Each shard applies its queue in order, so a store-wide call (snapshot,
 * restore, clear) sits at the same point in every shard's sequence: a snapshot holds exactly
 * the writes made before it, whether or not the caller awaited them.
 *
 * Arguments arrive validated (the public `Store` checks them); this module trusts them. Every
 * call checks first that the store is still usable (not closed, no shard failed).
 */

import { randomUUID } from "node:crypto";
import { decodeValue } from "../core/codec.js";
import { ShardFailedError, SnapshotReleasedError, StoreClosedError } from "../core/errors.js";
import { shardOf } from "../core/hash.js";
import { Op, type OpCode, type PackedDiff, type PackedPairs } from "../core/protocol.js";
import type { Value } from "../core/value.js";
import type { EncodedItem } from "./arguments.js";
import { ShardBatcher } from "./batcher.js";
import { mergePairs, type Pair } from "./merge.js";
import type { ShardHost } from "./shard-host.js";
import type { Diff, SnapshotBackend, SnapshotInfo } from "./snapshot.js";
import { type SnapshotRecord, SnapshotRegistry } from "./snapshot-registry.js";

/** Creates the host of shard `index`; `onLost` reports a host that died between batches. */
export type HostFactory = (index: number, onLost: (error: Error) => void) => ShardHost;

export class Coordinator implements SnapshotBackend {
  /** Identifies this store to snapshots, wherever (in whichever thread) they are used. */
  readonly storeId = randomUUID();
  private readonly hosts: ShardHost[];
  private readonly batchers: ShardBatcher[];
  private readonly registry: SnapshotRegistry;
  /** Per shard: encoded size of each shard snapshot it holds. */
  private readonly shardSizes: Map<number, Promise<number>>[];
  private failure: ShardFailedError | null = null;
  private closing: Promise<void> | null = null;
  private readonly closed: (() => void)[] = [];

  constructor(
    hostCount: number,
    createHost: HostFactory,
    private readonly maxHistory: number | null,
  ) {
    this.hosts = [];
    this.batchers = [];
    for (let index = 0; index < hostCount; index++) {
      const host = createHost(index, (cause) => this.lose(index, cause));
      this.hosts.push(host);
      this.batchers.push(new ShardBatcher(index, host, (error) => this.failWith(error)));
    }
    this.registry = new SnapshotRegistry(hostCount);
    this.shardSizes = this.batchers.map(() => new Map());
  }

  /** Throws the error every call gets once the store is closed or a shard has failed. */
  ensureUsable(): void {
    if (this.closing !== null) throw new StoreClosedError();
    if (this.failure !== null) throw this.failure;
  }

  /** `set`, the value checked and encoded (by the caller's thread or a client's). */
  setEncoded(namespace: string, key: string, encoded: Uint8Array): Promise<void> {
    this.ensureUsable();
    const shard = this.shardFor(namespace);
    this.registry.markDirty(shard);
    return this.batcher(shard).set(namespace, key, encoded);
  }

  /** `setMany`, the values checked and encoded. */
  async setManyEncoded(items: readonly EncodedItem[]): Promise<void> {
    this.ensureUsable();
    const touched = new Set<Promise<void>>();
    for (const [namespace, key, encoded] of items) {
      touched.add(this.setEncoded(namespace, key, encoded));
    }
    await Promise.all(touched);
  }

  async get(namespace: string, key: string): Promise<Value | undefined> {
    return decodeStored(await this.getEncoded(namespace, key));
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    return (await this.getManyEncoded(pairs)).map(decodeStored);
  }

  /** `get` without decoding: the stored msgpack bytes. */
  async getEncoded(namespace: string, key: string): Promise<Uint8Array | undefined> {
    this.ensureUsable();
    return bytesOf(await this.onShardOf(namespace, Op.get, namespace, key));
  }

  async getManyEncoded(
    pairs: readonly (readonly [string, string])[],
  ): Promise<(Uint8Array | undefined)[]> {
    this.ensureUsable();
    const results = pairs.map(([namespace, key]) =>
      this.onShardOf(namespace, Op.get, namespace, key),
    );
    return (await Promise.all(results)).map(bytesOf);
  }

  async has(namespace: string, key: string): Promise<boolean> {
    this.ensureUsable();
    return (await this.onShardOf(namespace, Op.has, namespace, key)) as boolean;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    this.ensureUsable();
    this.registry.markDirty(this.shardFor(namespace));
    return (await this.onShardOf(namespace, Op.delete, namespace, key)) as boolean;
  }

  async keys(namespace: string): Promise<string[]> {
    this.ensureUsable();
    return (await this.onShardOf(namespace, Op.keys, namespace)) as string[];
  }

  async namespaces(): Promise<string[]> {
    this.ensureUsable();
    // A namespace lives on one shard only, so the lists are disjoint.
    return (await this.onEveryShard(Op.namespaces)).flat().sort() as string[];
  }

  async size(): Promise<number> {
    this.ensureUsable();
    return ((await this.onEveryShard(Op.size)) as number[]).reduce((sum, n) => sum + n, 0);
  }

  async clear(): Promise<void> {
    this.ensureUsable();
    this.registry.markAllDirty();
    await this.onEveryShard(Op.clear);
  }

  /** Takes a snapshot; resolves to what describes it. */
  async snapshot(): Promise<SnapshotInfo> {
    this.ensureUsable();
    const { record, fresh } = this.registry.take();
    for (const shard of fresh) {
      const size = this.batcher(shard).call(Op.snapshot, record.id) as Promise<number>;
      size.catch(() => {}); // a failure reaches the caller below, through `sizes`
      this.sizesOf(shard).set(record.id, size);
    }
    const oldest = this.registry.oldest();
    if (this.maxHistory !== null && this.registry.liveCount > this.maxHistory && oldest) {
      void this.release(oldest.id).catch(() => {});
    }
    // Every shard snapshot a live snapshot uses has its size recorded (see release()).
    const sizes = record.shardIds.map(
      (id, shard) => this.sizesOf(shard).get(id) as Promise<number>,
    );
    const sizeBytes = (await Promise.all(sizes)).reduce((sum, n) => sum + n, 0);
    const { id, parent, timestamp } = record;
    return { id, parent, timestamp, sizeBytes };
  }

  async restore(id: number): Promise<void> {
    const record = this.liveRecord(id, "restore");
    const moved = this.registry.restore(record);
    const shardIds = record.shardIds;
    await Promise.all(moved.map((s) => this.batcher(s).call(Op.restore, shardIds[s] as number)));
  }

  /** Releases a snapshot (idempotent) and tells shards to drop what no snapshot uses any more. */
  async release(id: number): Promise<void> {
    this.ensureUsable();
    const record = this.registry.record(id);
    if (record === undefined) return;
    const unused = this.registry.release(record);
    const dropped = unused.map(([shard, shardId]) => {
      this.sizesOf(shard).delete(shardId);
      return this.batcher(shard).call(Op.release, shardId);
    });
    await Promise.all(dropped);
  }

  async snapshotGet(id: number, namespace: string, key: string): Promise<Value | undefined> {
    return decodeStored(await this.snapshotGetEncoded(id, namespace, key));
  }

  /** `snapshotGet` without decoding: the stored msgpack bytes. */
  async snapshotGetEncoded(
    id: number,
    namespace: string,
    key: string,
  ): Promise<Uint8Array | undefined> {
    const record = this.liveRecord(id, "get");
    const shard = this.shardFor(namespace);
    const shardId = record.shardIds[shard] as number;
    return bytesOf(await this.batcher(shard).call(Op.snapshotGet, shardId, namespace, key));
  }

  async snapshotKeys(id: number): Promise<Pair[]> {
    const record = this.liveRecord(id, "keys");
    const lists = record.shardIds.map((shardId, shard) =>
      this.batcher(shard).call(Op.snapshotKeys, shardId),
    );
    return mergePairs((await Promise.all(lists)) as PackedPairs[]);
  }

  /** What happened to get from `baseId` to `id`; shards where both share a state are skipped. */
  async diff(id: number, baseId: number): Promise<Diff> {
    const target = this.liveRecord(id, "diff");
    const base = this.liveRecord(baseId, "diff");
    const asked: Promise<unknown>[] = [];
    target.shardIds.forEach((shardId, shard) => {
      const baseShardId = base.shardIds[shard] as number;
      if (shardId !== baseShardId) {
        asked.push(this.batcher(shard).call(Op.diff, shardId, baseShardId));
      }
    });
    const diffs = (await Promise.all(asked)) as PackedDiff[];
    return {
      added: await mergePairs(diffs.map((d) => d.added)),
      removed: await mergePairs(diffs.map((d) => d.removed)),
      changed: await mergePairs(diffs.map((d) => d.changed)),
    };
  }

  /**
   * Calls `listener` once the store has closed (at once if it already has). Returns a function
   * that cancels it.
   */
  afterClose(listener: () => void): () => void {
    if (this.closing === null) this.closed.push(listener);
    else void this.closing.then(listener);
    return () => {
      const index = this.closed.indexOf(listener);
      if (index >= 0) this.closed.splice(index, 1);
    };
  }

  /** Lets every queued call finish, then stops every shard. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.batchers.map((batcher) => batcher.drained()));
      await Promise.all(this.hosts.map((host) => host.close()));
      for (const listener of this.closed) listener();
    })();
    return this.closing;
  }

  /** The record of a snapshot that must still be held, after checking the store is usable. */
  private liveRecord(id: number, method: string): SnapshotRecord {
    this.ensureUsable();
    const record = this.registry.record(id);
    if (record === undefined) {
      throw new SnapshotReleasedError(`${method}: snapshot ${id} was released`);
    }
    return record;
  }

  private sizesOf(shard: number): Map<number, Promise<number>> {
    return this.shardSizes[shard] as Map<number, Promise<number>>;
  }

  private shardFor(namespace: string): number {
    return shardOf(namespace, this.batchers.length);
  }

  private batcher(shard: number): ShardBatcher {
    return this.batchers[shard] as ShardBatcher;
  }

  private onShardOf(
    namespace: string,
    code: OpCode,
    ...args: (number | string)[]
  ): Promise<unknown> {
    return this.batcher(this.shardFor(namespace)).call(code, ...args);
  }

  private onEveryShard(code: OpCode): Promise<unknown[]> {
    return Promise.all(this.batchers.map((batcher) => batcher.call(code)));
  }

  private lose(index: number, cause: Error): void {
    const error = new ShardFailedError(index, cause.message, { cause });
    this.failWith(error);
    this.batcher(index).fail(error);
  }

  private failWith(error: ShardFailedError): void {
    this.failure ??= error;
  }
}

/** A shard's answer to `get` (an encoded value as a latin1 string) as bytes. */
function bytesOf(stored: unknown): Uint8Array | undefined {
  return stored === undefined ? undefined : Buffer.from(stored as string, "latin1");
}

function decodeStored(bytes: Uint8Array | undefined): Value | undefined {
  return bytes === undefined ? undefined : decodeValue(bytes);
}
