/**
 * The store's coordinator, in the store's own thread. Clients reach the shards directly (see
 * client.ts); the coordinator starts the shards, connects clients to them, and places
 * store-wide operations (snapshot, restore, clear, apply) as cuts, one at a time (see
 * core/protocol/cut.ts for the protocol and its invariant). It keeps the list of live snapshots and
 * applies `maxHistory`.
 *
 * A cut whose prepare phase fails (a shard died) is aborted on the shards that did prepare, so
 * they go back to serving their clients, who then learn of the failure from their own channel
 * to the dead shard.
 *
 * A replicated store's clients write through its log (replication/replica.ts): the coordinator's
 * own client is a `LoggedClient`, and the replica's follower applies the log through a client
 * of its own, whose cuts the coordinator places like any other.
 *
 * A durable store opens in two steps before any cut: every shard reads its files and reports
 * what recovery needs; the coordinator decides what counts (durable/recovery.ts) and every shard
 * replays that. Cuts are numbered for this, and the coordinator tells each commit the highest
 * cut known to be on every shard's disk, the point a shard may checkpoint at.
 */
import { randomInt, randomUUID } from "node:crypto";
import { type ClientChannels, type CutService, StoreClient } from "../client/data-path.js";
import { LoggedClient } from "../client/logged-client.js";
import { type SnapshotInfo, timestampNow } from "../client/snapshot.js";
import {
  rebuildError,
  ShardFailedError,
  SnapshotReleasedError,
  StoreClosedError,
  serializeError,
} from "../core/errors.js";
import type { ChangesToApply, CutAction, CutCommit } from "../core/protocol/batch-format.js";
import { COMMIT_WORD_BYTES } from "../core/protocol/commit-word.js";
import { type ClientId, type CutRequester, decideCut } from "../core/protocol/cut.js";
import type { LogService } from "../core/protocol/log-step.js";
import { decideRecovery } from "../durable/recovery.js";
import type { StoreDirectory } from "../durable/store-dir.js";
import { Replica } from "../replication/replica.js";
import type { Replication } from "../replication/replication-options.js";
import { flushAtExit } from "./exit-flush.js";
import type { HostFactory } from "./hosts.js";
import type { ShardHost } from "./shard-host.js";
import { SnapshotRegistry } from "./snapshot-registry.js";

/** Where and how a durable store keeps its files. */
export interface Durable {
  directory: StoreDirectory;
  durability: "sync" | "async";
}

export class Coordinator implements CutService {
  /** The store thread's own client: the `Store`'s calls. */
  readonly own: StoreClient;
  /**
   * Identifies this store to snapshots, wherever (in whichever thread) they are used: its own
   * client's (see `identity`).
   */
  get storeId(): string {
    return this.own.storeId;
  }

  /** A replicated store's replica (its log), or `null`. */
  private readonly replica: Replica | null = null;
  /** The client the replica's follower applies the log through. */
  private readonly follower: StoreClient | null = null;
  private readonly hosts: ShardHost[];
  private readonly registry = new SnapshotRegistry();
  private nextClient: ClientId = 0;
  /** Settles once a durable store's files are read back (at once for a store in memory). */
  private readonly opened: Promise<void>;
  /** The last cut placed (settled either way): the next one starts after it. */
  private lastCut: Promise<unknown>;
  /** The number of the last cut placed, and the highest one on every shard's disk. */
  private cuts = 0;
  private committed = 0;
  private failure: Error | null = null;
  private closing: Promise<void> | null = null;
  private readonly closed: (() => void)[] = [];

  constructor(
    hostCount: number,
    createHost: HostFactory,
    private readonly maxHistory: number | null,
    private readonly durable: Durable | null = null,
    replication: Replication | null = null,
  ) {
    const storeId = durable?.directory.store ?? randomUUID();
    this.hosts = Array.from({ length: hostCount }, (_, index) =>
      createHost(index, (cause) => this.lose(index, cause)),
    );
    if (replication === null) {
      this.own = new StoreClient(storeId, this.connect(true), this);
    } else {
      this.follower = new StoreClient(storeId, this.connect(true), this);
      this.replica = new Replica(replication, maxHistory, this.follower, (error) => {
        this.own.fail(error); // its calls waiting for the replica hear why
        this.failWith(error);
      });
      const { replica } = this;
      this.own = new LoggedClient(storeId, this.connect(true), this, replica);
    }
    this.opened = durable === null ? Promise.resolve() : this.open(durable);
    if (durable !== null) this.afterClose(flushAtExit(this.hosts));
    this.opened.catch(() => {}); // reaches callers through the calls that wait for it
    this.lastCut = this.opened;
  }

  /** Throws the error store-wide calls get once the store is closed or a shard has failed. */
  ensureUsable(): void {
    if (this.failure !== null) throw this.failure; // a failed store closes itself, see `lose`
    if (this.closing !== null) throw new StoreClosedError();
  }

  /**
   * Connects a new client to every shard; returns its id and its ends of the channels.
   * `sameThread`: the client lives in this thread; otherwise the ends are `MessagePort`s.
   */
  connect(sameThread: boolean): ClientChannels {
    this.ensureUsable();
    const id = this.nextClient++;
    const commits = new SharedArrayBuffer(COMMIT_WORD_BYTES);
    return {
      id,
      ports: this.hosts.map((host) => host.connect(id, sameThread, commits)),
      commits,
    };
  }

  snapshot(requester: CutRequester, at?: number): Promise<SnapshotInfo> {
    return this.serialized(async () => {
      const { id, parent } = this.registry.next();
      const timestamp = at ?? timestampNow();
      // `maxHistory` releases the oldest at the same cut, so that no call after it sees them.
      const release = this.registry.beyond(this.maxHistory);
      const action = { kind: "snapshot", id, parent, timestamp, release } as const;
      const sizeBytes = await this.cut(requester, action);
      const info: SnapshotInfo = { id, parent, timestamp, sizeBytes };
      this.registry.taken(info, release); // only now: a refused cut changed nothing
      return info;
    });
  }

  restore(requester: CutRequester, id: number): Promise<void> {
    return this.serialized(async () => {
      if (!this.registry.holds(id)) {
        throw new SnapshotReleasedError(`restore: snapshot ${id} was released`);
      }
      await this.cut(requester, { kind: "restore", id });
    });
  }

  clear(requester: CutRequester): Promise<void> {
    return this.serialized(async () => {
      await this.cut(requester, { kind: "clear" });
    });
  }

  /** Applies a changeset split by shard (`parts[shard]`, checked by the client). */
  apply(requester: CutRequester, parts: ChangesToApply[]): Promise<void> {
    return this.serialized(async () => {
      if (parts.length !== this.hosts.length) {
        throw new Error(`a changeset split for ${parts.length} shards, not ${this.hosts.length}`);
      }
      await this.cut(requester, (shard) => ({
        kind: "apply",
        ...(parts[shard] as ChangesToApply),
      }));
    });
  }

  /**
   * Drops `id` from the list once the cuts and list reads placed before have finished (a
   * `snapshots()` asked for before the release still lists it), and a durable store's opening,
   * which lists the snapshots it recovered.
   */
  forget(id: number): Promise<void> {
    return this.serialized(async () => {
      this.registry.drop(id);
    });
  }

  /**
   * The live snapshots, oldest first: once the cuts placed before have finished, and a durable
   * store's opening, which lists the snapshots it recovered.
   */
  snapshots(): Promise<SnapshotInfo[]> {
    return this.serialized(async () => this.registry.list());
  }

  /** A replicated store's log (its replica), for clients in other threads, or `null`. */
  get log(): LogService | null {
    return this.replica;
  }

  /**
   * The store's id, once known: a replicated store learns it from its log as it opens (this
   * rejects with `LogUnavailableError` if that takes longer than its `timeout`).
   */
  async identity(): Promise<string> {
    return this.replica === null ? this.own.storeId : (await this.replica.opened()).storeId;
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

  /**
   * Lets the own client's calls and the cuts under way finish, then says goodbye to every
   * client and stops every shard (a durable one closing its files). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.own.drained();
      // The follower stops, and what it began applying is applied, before the shards stop.
      await this.replica?.close();
      await this.follower?.drained();
      await this.lastCut.catch(() => {});
      const failure = this.failure === null ? undefined : serializeError(this.failure);
      const closed = await Promise.allSettled(this.hosts.map((host) => host.close(failure)));
      try {
        const positions = closed.map((shard) =>
          shard.status === "fulfilled" ? shard.value : null,
        );
        if (this.durable !== null && this.failure === null && !positions.includes(null)) {
          this.durable.directory.recordReached(positions as number[]);
        }
      } finally {
        this.durable?.directory.unlock();
        for (const listener of this.closed) listener();
      }
    })();
    return this.closing;
  }

  /** Opens a durable store's shards: reads, decides what counts, replays (see the module comment). */
  private async open({ directory, durability }: Durable): Promise<void> {
    const session = randomInt(2 ** 47);
    try {
      const findings = await Promise.all(
        this.hosts.map((host, shard) =>
          host.open({
            dir: directory.shardDir(shard),
            identity: { shard, shards: this.hosts.length, store: this.storeId },
            durability,
            session,
            reached: directory.reached?.[shard] ?? null,
          }),
        ),
      );
      const decision = decideRecovery(findings, directory.path);
      // Before any shard serves: what they read is on disk, and no call can wait behind this.
      directory.recordReached(findings.map((shard) => shard.position));
      const recovered = await Promise.all(this.hosts.map((host) => host.recover(decision)));
      // A snapshot's size is its shards' shares added up (a shard without the id adds none).
      const sizes = new Map<number, number>();
      for (const shard of recovered) {
        for (const { id, bytes } of shard.snapshots) sizes.set(id, (sizes.get(id) ?? 0) + bytes);
      }
      const [first] = recovered;
      for (const facts of first?.snapshots ?? []) {
        this.registry.add({
          id: facts.id,
          parent: facts.parent,
          timestamp: facts.timestamp,
          sizeBytes: sizes.get(facts.id) ?? 0,
        });
      }
      this.registry.continueFrom(Math.max(...recovered.map((shard) => shard.lastSnapshotId)));
      this.cuts = Math.max(...recovered.map((shard) => shard.lastCut));
      this.committed = this.cuts;
    } catch (error) {
      this.failure ??= error as Error;
      this.own.fail(this.failure);
      throw this.failure;
    }
  }

  /**
   * Runs `work` once every cut placed before has finished. Refused once the store is closing;
   * a cut asked for before still runs (closing waits for it).
   */
  private serialized<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.ensureUsable();
    } catch (error) {
      return Promise.reject(error);
    }
    const run = async () => {
      if (this.failure !== null) throw this.failure;
      return work();
    };
    const result = this.lastCut.then(run, run);
    this.lastCut = result.catch(() => {});
    return result;
  }

  /**
   * Places a cut and runs an action there on every shard (the same one, or each shard's own);
   * resolves to the store's total bytes.
   */
  private async cut(
    requester: CutRequester,
    action: CutAction | ((shard: number) => CutAction),
  ): Promise<number> {
    const actionFor = typeof action === "function" ? action : () => action;
    const cut = ++this.cuts;
    const { committed } = this;
    const prepared = await Promise.allSettled(this.hosts.map((host) => host.prepare()));
    const failed = prepared.find((outcome) => outcome.status === "rejected");
    if (failed !== undefined) {
      const abort: CutCommit = { cut, need: [], forget: [], action: { kind: "abort" }, committed };
      await Promise.allSettled(
        this.hosts.map((host, shard) =>
          prepared[shard]?.status === "fulfilled" ? host.commit(abort) : null,
        ),
      );
      if (this.failure !== null) throw this.failure;
      throw failed.reason;
    }
    const reports = prepared.map((outcome) => (outcome as PromiseFulfilledResult<never>).value);
    const { needs, forget } = decideCut(reports, this.hosts.length, requester);
    const outcomes = await Promise.all(
      this.hosts.map((host, shard) =>
        host.commit({ cut, need: needs[shard] ?? [], forget, action: actionFor(shard), committed }),
      ),
    );
    let bytes = 0;
    let durable = cut;
    for (const outcome of outcomes) {
      if ("failure" in outcome) throw rebuildError(outcome.failure);
      bytes += outcome.bytes;
      durable = Math.min(durable, outcome.durable);
    }
    this.committed = Math.max(this.committed, durable);
    return bytes;
  }

  /**
   * Shard `index` died: the store fails every call from now on, and closes itself, so that its
   * other threads (and with them the process) and a durable store's lock are let go; every
   * client is told why in its goodbye. `close()` then waits for that.
   */
  private lose(index: number, cause: Error): void {
    this.failWith(new ShardFailedError(index, cause.message, { cause }));
  }

  /** The store cannot go on: every call fails with `error`, and the store closes itself. */
  private failWith(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.close().catch(() => {}); // each caller of close() gets its outcome
  }
}
