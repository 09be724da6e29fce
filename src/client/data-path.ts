/**
 * A client's data path: what every store handle (the `Store` in its own thread, a `RemoteStore`
 * in another) uses to reach the shards directly, each through its own channel.
 *
 * Calls are routed to the shard owning their namespace and gathered per shard; what a client
 * calls in one tick leaves together when the tick's microtasks run, as one batch per shard
 * (see core/protocol/batch-format.ts), and several batches may be in flight at once. Store-wide
 * operations (snapshot, restore, clear, apply) are cuts, placed by the store's coordinator (see
 * core/protocol/cut.ts).
 *
 * Ordering, for the calls of this client:
 * - Calls reach each shard in the order they were made (one FIFO channel per shard).
 * - A cut holds every call made before it and none made after: asking for one first sends
 *   what is queued, and what is called afterwards waits until the cut is over
 *   (cut-sequencer.ts). Calls made between two cuts go out between them.
 *
 * Arguments arrive validated and values encoded (see store-handle.ts); this module trusts them.
 */

import { setImmediate as nextTurn } from "node:timers/promises";
import type { Changeset } from "../core/changeset/changeset-format.js";
import { ChangesetWriter } from "../core/changeset/changeset-writer.js";
import { decodeValue } from "../core/codec/codec.js";
import type { Value } from "../core/codec/value.js";
import { StoreClosedError } from "../core/errors.js";
import {
  type ChangesToApply,
  Op,
  type OpCode,
  type PackedChanges,
  type PackedDiff,
  type PackedPairs,
} from "../core/protocol/batch-format.js";
import { CommitWord } from "../core/protocol/commit-word.js";
import type { ClientId, CutRequester } from "../core/protocol/cut.js";
import { shardOf } from "../core/protocol/hash.js";
import type { Diff, Pair } from "../core/protocol/pairs.js";
import type { DataPort } from "../core/protocol/port.js";
import type { SnapshotBackend } from "./backends.js";
import { ClientLife } from "./client-life.js";
import { CutSequencer } from "./cut-sequencer.js";
import { mergePairs, SLICE } from "./merge.js";
import { FlushOrder, PendingBatch } from "./pending-batch.js";
import { ShardLink } from "./shard-link.js";
import type { SnapshotInfo } from "./snapshot.js";

/** The store-wide operations a client asks of the store's coordinator. */
export interface CutService {
  /** `timestamp`: the snapshot's, in seconds since the epoch (default: now). */
  snapshot(requester: CutRequester, timestamp?: number): Promise<SnapshotInfo>;
  restore(requester: CutRequester, id: number): Promise<void>;
  clear(requester: CutRequester): Promise<void>;
  /** Applies a changeset, split by shard: `parts[shard]` is what that shard applies. */
  apply(requester: CutRequester, parts: ChangesToApply[]): Promise<void>;
  /** Drops released snapshot `id` from the store's books (the shards were told by the client). */
  forget(id: number): Promise<void>;
  /** The live snapshots, oldest first. */
  snapshots(): Promise<SnapshotInfo[]>;
}

/** A client's ends of its channels to the shards, as the coordinator connected them. */
export interface ClientChannels<Port = DataPort> {
  /** The client's id at the shards (see core/protocol/cut.ts). */
  id: ClientId;
  /** Its ends of its channels to the shards, in shard order. */
  ports: Port[];
  /** Its commit word, which every shard shares (see shard/commit-gate.ts). */
  commits: SharedArrayBuffer;
}

/** What one flush sends: per shard, the batch of calls queued for it (if any). */
class Segment {
  readonly batches: (PendingBatch | undefined)[] = [];

  batchFor(shard: number): PendingBatch {
    let batch = this.batches[shard];
    if (batch === undefined) {
      batch = new PendingBatch();
      this.batches[shard] = batch;
    }
    return batch;
  }
}

export class StoreClient implements SnapshotBackend {
  readonly id: ClientId;
  private readonly links: ShardLink[];
  private readonly order = new FlushOrder();
  /** The calls made since the last flush, per shard. */
  private current = new Segment();
  /** Whether a flush of `current` is queued for the end of this tick. */
  private flushQueued = false;
  private readonly sequencer: CutSequencer<Segment>;
  /** Open, refusing new calls while closing, or ended (client-life.ts). */
  private readonly life = new ClientLife();

  /** The client's commit word (see shard/commit-gate.ts), and the flushes it committed. */
  private readonly commits: CommitWord;
  private commitsMade = 0;

  /**
   * The store's id (snapshots and changesets name it). A replicated store's is its log's, the
   * same on every replica: learned as the replica opens, before any snapshot exists.
   */
  storeId: string;

  constructor(
    storeId: string,
    { id, ports, commits }: ClientChannels,
    private readonly cuts: CutService,
  ) {
    this.storeId = storeId;
    this.id = id;
    this.commits = new CommitWord(commits);
    this.links = ports.map(
      (port, shard) => new ShardLink(shard, port, (why) => this.life.end(why)),
    );
    this.sequencer = new CutSequencer({
      take: () => {
        const taken = this.current;
        this.current = new Segment();
        return taken;
      },
      send: (segment) => this.send(segment),
      requester: () => ({ client: this.id, sent: this.links.map((link) => link.sent) }),
      failure: () => this.life.failure,
    });
  }

  /** Throws the error every call gets once the store is closed or a shard has failed. */
  ensureUsable(): void {
    const error = this.life.refusedWith;
    if (error !== null) throw error;
  }

  /** Fails every call under way and every later one with `error` (the store cannot open). */
  fail(error: Error): void {
    this.life.end(error);
    for (const link of this.links) link.fail(error);
  }

  /** Refuses every later call with `StoreClosedError`; calls already made still go out. */
  refuse(): void {
    this.life.refuse(new StoreClosedError());
  }

  async set(namespace: string, key: string, encoded: Uint8Array): Promise<void> {
    this.ensureUsable();
    return this.batchFor(this.shardOf(namespace)).set(namespace, key, encoded);
  }

  async setMany(items: readonly (readonly [string, string, Uint8Array])[]): Promise<void> {
    this.ensureUsable();
    const touched = new Set<Promise<void>>();
    for (const [namespace, key, encoded] of items) {
      touched.add(this.batchFor(this.shardOf(namespace)).set(namespace, key, encoded));
    }
    await Promise.all(touched);
  }

  async get(namespace: string, key: string): Promise<Value | undefined> {
    return decodeStored(await this.onShardOf(namespace, Op.get, namespace, key));
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    const results = pairs.map(([namespace, key]) =>
      this.onShardOf(namespace, Op.get, namespace, key),
    );
    return (await Promise.all(results)).map(decodeStored);
  }

  async has(namespace: string, key: string): Promise<boolean> {
    return (await this.onShardOf(namespace, Op.has, namespace, key)) as boolean;
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    return (await this.onShardOf(namespace, Op.delete, namespace, key)) as boolean;
  }

  async keys(namespace: string): Promise<string[]> {
    return (await this.onShardOf(namespace, Op.keys, namespace)) as string[];
  }

  /**
   * Namespaces, read from every shard in order with this client's calls (not a cut: another
   * client's concurrent writes may show on one shard and not yet on another).
   */
  async namespaces(): Promise<string[]> {
    // A namespace lives on one shard only, so the lists are disjoint.
    return (await Promise.all(this.onEveryShard(Op.namespaces))).flat().sort() as string[];
  }

  /** Entries, counted like `namespaces`. */
  async size(): Promise<number> {
    const counts = (await Promise.all(this.onEveryShard(Op.size))) as number[];
    return counts.reduce((sum, n) => sum + n, 0);
  }

  /** `timestamp`: see `CutService.snapshot`. */
  async snapshot(timestamp?: number): Promise<SnapshotInfo> {
    return this.cut((requester) => this.cuts.snapshot(requester, timestamp));
  }

  async restore(id: number): Promise<void> {
    await this.cut((requester) => this.cuts.restore(requester, id));
  }

  async clear(): Promise<void> {
    await this.cut((requester) => this.cuts.clear(requester));
  }

  /**
   * Applies a checked changeset as a cut, each shard getting the pairs it owns. `_bytes`: what
   * it was read from, which a replicated store logs (logged-client.ts).
   */
  async apply(changeset: Changeset, _bytes: Uint8Array): Promise<void> {
    const parts = this.links.map((): ChangesToApply => ({ removed: [], put: [] }));
    const { removed, put } = changeset;
    if (parts.length === 1) {
      parts[0] = { removed, put };
    } else {
      for (let i = 0; i < removed.length; i += 2) {
        const namespace = removed[i] as string;
        parts[this.shardOf(namespace)]?.removed.push(namespace, removed[i + 1] as string);
      }
      for (let i = 0; i < put.length; i += 3) {
        const namespace = put[i] as string;
        parts[this.shardOf(namespace)]?.put.push(
          namespace,
          put[i + 1] as string,
          put[i + 2] as string,
        );
      }
    }
    await this.cut((requester) => this.cuts.apply(requester, parts));
  }

  /** The store's live snapshots, oldest first, in order with this client's calls. */
  async snapshots(): Promise<SnapshotInfo[]> {
    this.ensureUsable();
    return this.sequencer.inOrder(() => this.cuts.snapshots());
  }

  async snapshotGet(id: number, namespace: string, key: string): Promise<Value | undefined> {
    return decodeStored(await this.onShardOf(namespace, Op.snapshotGet, id, namespace, key));
  }

  async snapshotKeys(id: number): Promise<Pair[]> {
    return mergePairs(this.onEveryShard(Op.snapshotKeys, id) as Promise<PackedPairs>[]);
  }

  /** Every shard diffs its part; each list is decoded as it arrives, then they are merged. */
  async diff(id: number, baseId: number): Promise<Diff> {
    const parts = this.onEveryShard(Op.diff, id, baseId) as Promise<PackedDiff>[];
    const [added, removed, changed] = await Promise.all([
      mergePairs(parts.map(async (part) => (await part).added)),
      mergePairs(parts.map(async (part) => (await part).removed)),
      mergePairs(parts.map(async (part) => (await part).changed)),
    ]);
    return { added, removed, changed };
  }

  /**
   * Every shard computes its part (removed pairs, and the pairs to put with their stored
   * values); the parts are spliced into one changeset here, a slice at a time, without decoding
   * a value.
   */
  async changes(id: number, baseId: number): Promise<Uint8Array> {
    const parts = (await Promise.all(this.onEveryShard(Op.changes, id, baseId))) as PackedChanges[];
    const writer = new ChangesetWriter({ store: this.storeId, base: baseId, target: id }, parts);
    while (!writer.write(SLICE)) await nextTurn();
    return writer.finish();
  }

  /**
   * Releases snapshot `id` on every shard and in the store's list, both in order with this
   * client's other calls and cuts (so `maxHistory` counts it gone from the next cut on).
   */
  async release(id: number): Promise<void> {
    const released = Promise.all(this.onEveryShard(Op.release, id));
    const forgotten = this.sequencer.inOrder(() => this.cuts.forget(id));
    await Promise.all([released, forgotten]);
  }

  /**
   * Resolves once every write this client can see is applied: for a store of one process, once
   * its calls made so far are answered (a replicated store's client does more, see
   * logged-client.ts).
   */
  async sync(): Promise<void> {
    this.ensureUsable();
    await this.drained();
  }

  /** Settles once every call made so far has been answered (or failed). */
  async drained(): Promise<void> {
    if (this.flushQueued) this.flush();
    // After every cut asked for so far, once the calls they held back are sent,
    await this.sequencer.inOrder(async () => {});
    // every batch sent is answered.
    await Promise.all(this.links.map((link) => link.drained()));
  }

  /** Lets every call made so far finish, then closes the channels; later calls fail. */
  async close(): Promise<void> {
    this.life.refuse(new StoreClosedError("this store client is closed"));
    await this.drained();
    this.life.endRefused();
    for (const link of this.links) link.close();
  }

  // ---------------------------------------------------------------------------------------
  // Queuing and sending

  private shardOf(namespace: string): number {
    return shardOf(namespace, this.links.length);
  }

  private batchFor(shard: number): PendingBatch {
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.flush());
    }
    return this.current.batchFor(shard);
  }

  private onShardOf(namespace: string, code: OpCode, ...args: (number | string)[]) {
    this.ensureUsable();
    return this.batchFor(this.shardOf(namespace)).call(code, args);
  }

  private onEveryShard(code: OpCode, ...args: (number | string)[]): Promise<unknown>[] {
    this.ensureUsable();
    return this.links.map((link) => this.batchFor(link.shard).call(code, args));
  }

  /** Sends what is queued, unless a cut holds it back. */
  private flush(): void {
    this.flushQueued = false;
    if (this.sequencer.cutting) return; // sent when the cut is over (cut-sequencer.ts)
    this.send(this.current);
    this.current = new Segment();
  }

  private send(segment: Segment): void {
    const failure = this.life.failure;
    if (failure !== null) {
      for (const batch of segment.batches) batch?.fail(failure);
      return;
    }
    const parts: [ShardLink, PendingBatch][] = [];
    const writers: number[] = [];
    segment.batches.forEach((batch, shard) => {
      const link = this.links[shard] as ShardLink;
      if (batch === undefined) return;
      link.sent++;
      parts.push([link, batch]);
      if (batch.writes) writers.push(shard);
    });
    if (parts.length === 0) return;
    const sent = this.links.map((link) => link.sent);
    this.order.add(parts.map(([, batch]) => batch));
    if (writers.length < 2) {
      for (const [link, batch] of parts) link.post(batch, sent, writers);
      return;
    }
    // Written on several shards: every part is posted, then the flush committed with one
    // atomic store, so that a thread stopped between two posts leaves it applied nowhere. The
    // largest part first: while its shard reads it the others are posted, and it rarely waits
    // (on `swarmstate load`, 6% of the parts found their flush not yet committed, against 56%
    // posted in shard order).
    const commit = ++this.commitsMade;
    parts.sort(([, a], [, b]) => b.ops.length - a.ops.length);
    for (const [link, batch] of parts) link.post(batch, sent, writers, commit);
    this.commits.commit(commit);
  }

  /** Runs a cut at this point of this client's calls (see the module comment). */
  private cut<T>(start: (requester: CutRequester) => Promise<T>): Promise<T> {
    this.ensureUsable();
    return this.sequencer.cut(start);
  }
}

/** A shard's answer to `get` (an encoded value as a latin1 string), decoded. */
function decodeStored(stored: unknown): Value | undefined {
  return stored === undefined ? undefined : decodeValue(Buffer.from(stored as string, "latin1"));
}
