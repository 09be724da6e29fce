/**
 * The data path of a client of a replicated store (`StoreOptions.replication`): reads go to the
 * local shards as on any store (data-path.ts); writes and cuts go to the store's log instead
 * (core/protocol/log-step.ts), and take effect when the replica's follower applies them.
 *
 * Ordering, for the calls of this client:
 * - Its writes and cuts of one tick are one log entry, their steps in call order; entries are
 *   sent in order, and the appender keeps that order (replication/appender.ts).
 * - A read waits for this client's writes made before it to be applied (or to fail): each call
 *   sees every call made before it, awaited or not, as on a store of one process. Reads with no
 *   write before them go at once.
 * - Before the replica has opened and applied the log as far as it reached at opening, every
 *   read waits (a replica never answers from a state older than the one it opened on), at most
 *   the store's `timeout` (`LogService.opened`).
 */
import type { Changeset } from "../core/changeset/changeset-format.js";
import type { Value } from "../core/codec/value.js";
import { rebuildError } from "../core/errors.js";
import type { LogService, LogStep, LogStepOutcome } from "../core/protocol/log-step.js";
import type { Diff, Pair } from "../core/protocol/pairs.js";
import { adoptStoreId } from "./backends.js";
import type { CutService } from "./data-path.js";
import { type ClientChannels, StoreClient } from "./data-path.js";
import { type SnapshotInfo, timestampNow } from "./snapshot.js";

interface Pending {
  step: LogStep;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class LoggedClient extends StoreClient {
  /** The steps called this tick, sent together at its end. */
  private steps: Pending[] = [];
  /** Settles (either way) once this client's last entry is applied: later reads wait for it. */
  private written: Promise<unknown> = Promise.resolve();
  /** The replica has opened, and this client has its store's id. */
  private open = false;
  /** Settles `written` for the entry of this tick. */
  private entrySettled: () => void = () => {};

  constructor(
    storeId: string,
    channels: ClientChannels,
    cuts: CutService,
    private readonly log: LogService,
  ) {
    super(storeId, channels, cuts);
  }

  override async set(namespace: string, key: string, value: Uint8Array): Promise<void> {
    await this.logged({ op: "set", namespace, key, value });
  }

  override async setMany(items: readonly (readonly [string, string, Uint8Array])[]): Promise<void> {
    this.ensureUsable();
    await Promise.all(
      items.map(([namespace, key, value]) => this.logged({ op: "set", namespace, key, value })),
    );
  }

  override async delete(namespace: string, key: string): Promise<boolean> {
    return (await this.logged({ op: "delete", namespace, key })) as boolean;
  }

  override async clear(): Promise<void> {
    await this.logged({ op: "clear" });
  }

  override async snapshot(): Promise<SnapshotInfo> {
    return (await this.logged({ op: "snapshot", timestamp: timestampNow() })) as SnapshotInfo;
  }

  override async restore(id: number): Promise<void> {
    await this.logged({ op: "restore", id });
  }

  override async apply(_checked: Changeset, bytes: Uint8Array): Promise<void> {
    await this.logged({ op: "apply", changeset: bytes });
  }

  override async release(id: number): Promise<void> {
    await this.logged({ op: "release", id });
  }

  /** Resolves once this replica has applied every entry committed before the call. */
  override async sync(): Promise<void> {
    this.ensureUsable();
    await this.readable();
    await this.log.sync();
  }

  override async get(namespace: string, key: string): Promise<Value | undefined> {
    await this.readable();
    return super.get(namespace, key);
  }

  override async getMany(
    pairs: readonly (readonly [string, string])[],
  ): Promise<(Value | undefined)[]> {
    await this.readable();
    return super.getMany(pairs);
  }

  override async has(namespace: string, key: string): Promise<boolean> {
    await this.readable();
    return super.has(namespace, key);
  }

  override async keys(namespace: string): Promise<string[]> {
    await this.readable();
    return super.keys(namespace);
  }

  override async namespaces(): Promise<string[]> {
    await this.readable();
    return super.namespaces();
  }

  override async size(): Promise<number> {
    await this.readable();
    return super.size();
  }

  override async snapshots(): Promise<SnapshotInfo[]> {
    await this.readable();
    return super.snapshots();
  }

  override async snapshotGet(id: number, namespace: string, key: string) {
    await this.readable();
    return super.snapshotGet(id, namespace, key);
  }

  override async snapshotKeys(id: number): Promise<Pair[]> {
    await this.readable();
    return super.snapshotKeys(id);
  }

  override async diff(id: number, baseId: number): Promise<Diff> {
    await this.readable();
    return super.diff(id, baseId);
  }

  override async changes(id: number, baseId: number): Promise<Uint8Array> {
    await this.readable();
    return super.changes(id, baseId);
  }

  /** Waits until this client's reads may go to the shards (see the module comment). */
  private async readable(): Promise<void> {
    if (!this.open) await this.opened();
    await this.written;
  }

  /** Waits for the replica to open, then takes its store's id (snapshots name it). */
  private async opened(): Promise<void> {
    const { storeId } = await this.log.opened();
    if (!this.open) {
      adoptStoreId(this, storeId);
      this.open = true;
    }
  }

  override async drained(): Promise<void> {
    if (this.steps.length > 0) this.sendEntry();
    await this.written;
    await super.drained();
  }

  /** Queues `step` for this tick's entry; resolves to its outcome once applied here. */
  private logged(step: LogStep): Promise<unknown> {
    this.ensureUsable();
    return new Promise((resolve, reject) => {
      if (this.steps.length === 0) this.openEntry();
      this.steps.push({ step, resolve, reject });
    });
  }

  /** Starts this tick's entry: sent at the end of the tick, and waited for by later reads. */
  private openEntry(): void {
    const previous = this.written;
    this.written = Promise.all([
      previous,
      new Promise<void>((resolve) => {
        this.entrySettled = resolve;
      }),
    ]);
    queueMicrotask(() => this.sendEntry());
  }

  /** Sends this tick's steps as one entry. */
  private sendEntry(): void {
    const pending = this.steps;
    if (pending.length === 0) return;
    this.steps = [];
    const settled = this.entrySettled;
    this.log
      .write(pending.map(({ step }) => step))
      .then(
        async (outcomes) => {
          // A snapshot made of an outcome names the store: its id first (the replica is open,
          // having applied this entry, so this does not wait).
          if (!this.open) await this.opened().catch(() => {});
          settle(pending, outcomes);
        },
        (error: Error) => {
          for (const call of pending) call.reject(error);
        },
      )
      .finally(settled);
  }
}

function settle(pending: readonly Pending[], outcomes: readonly LogStepOutcome[]): void {
  pending.forEach((call, index) => {
    const outcome = outcomes[index];
    if (outcome === undefined) call.reject(new Error(`no outcome for step ${index} of an entry`));
    else if ("error" in outcome) call.reject(rebuildError(outcome.error));
    else call.resolve(outcome.value);
  });
}
