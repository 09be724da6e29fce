/**
 * One shard and the clients connected to it, in whichever thread hosts the shard (a worker
 * thread, or the store's own thread with `shards: 0`).
 *
 * Each client has its own channel here. A batch is applied as it arrives and answered on the
 * same channel; the cut rule (core/protocol/cut.ts) decides when a batch must wait because a
 * store-wide operation is being placed. A durable shard also logs what it applies
 * (shard-persistence.ts) and answers a batch once its log record allows.
 *
 * Invariants:
 * - Every batch handed back by the cut participant is applied at once, in order, and answered;
 *   a client's replies leave in the order its batches arrived, whatever each waits for (a
 *   client whose channel closed gets no answer: nobody is listening).
 * - A cut's operation runs exactly when the participant says the cut is reached, before any
 *   batch it holds back.
 * - A durable shard applies nothing before its files are replayed (`recover`): batches that
 *   arrive earlier wait.
 */

import { type SerializedError, StoreIOError, serializeError } from "../core/errors.js";
import {
  type ClientBatch,
  type CutCommit,
  type CutOutcome,
  type FailedGoodbye,
  GOODBYE,
  type Reply,
} from "../core/protocol/batch-format.js";
import { type ClientId, CutParticipant, type CutReport } from "../core/protocol/cut.js";
import type { DataPort } from "../core/protocol/port.js";
import { applyMutations, type Mutations, mutationsOfCut } from "../core/replay/mutations.js";
import { runBatch, transferablesOf } from "../core/state/batch-runner.js";
import { Shard } from "../core/state/shard.js";
import type { RecoveryDecision, ShardFindings } from "../durable/recovery.js";
import { CommitGate } from "./commit-gate.js";
import {
  type DurableShardOptions,
  type RecoveredShard,
  ShardPersistence,
} from "./shard-persistence.js";

interface PendingCut {
  commit: CutCommit;
  done: (outcome: CutOutcome) => void;
}

export class ShardServer {
  private readonly shard = new Shard();
  private readonly cut = new CutParticipant<ClientBatch>();
  private readonly ports = new Map<ClientId, DataPort>();
  /** Per client, its last reply still waiting to leave (for a log record to reach disk). */
  private readonly replying = new Map<ClientId, Promise<void>>();
  private pending: PendingCut | null = null;
  private persistence: ShardPersistence | null = null;
  /** Batches that arrived before a durable shard was replayed, in arrival order. */
  private early: [ClientId, ClientBatch][] | null = null;

  /**
   * @param fail hears of a failure that leaves the shard unusable (its files failed).
   */
  constructor(private readonly fail: (error: Error) => void) {}

  /** Makes this shard durable: opens its files; it serves nobody until `recover`. */
  open(options: DurableShardOptions): ShardFindings {
    this.persistence = new ShardPersistence(options);
    this.early = [];
    return this.persistence.open(this.shard);
  }

  /** Replays the files as the store decided, then serves the batches that waited. */
  async recover(decision: RecoveryDecision): Promise<RecoveredShard> {
    const recovered = await (this.persistence as ShardPersistence).recover(this.shard, decision);
    const early = this.early ?? [];
    this.early = null;
    for (const [client, batch] of early) this.arrive(client, batch);
    return recovered;
  }

  /**
   * Serves client `client` on `port` (this shard's end of their channel); its batches pass its
   * commit gate (`commits`: its commit word, see commit-gate.ts) first.
   */
  attach(client: ClientId, port: DataPort, commits: SharedArrayBuffer): void {
    this.cut.join(client);
    this.ports.set(client, port);
    const gate = new CommitGate(commits, (batch) => this.arrive(client, batch));
    port.on("message", (message) => gate.arrive(message as ClientBatch));
    port.on("close", () => {
      gate.close(); // before the client leaves: what it committed is applied
      this.ports.delete(client);
      this.cut.leave(client);
      this.finishCut();
    });
  }

  /** Clients whose channel is open (for tests: a closed one leaves nothing behind). */
  get connectedClients(): number {
    return this.ports.size;
  }

  /** First phase of a cut: stop applying batches; report what was applied. */
  prepare(): CutReport {
    this.persistence?.prepareCut(); // a full disk refuses the cut here, before anything changed
    return this.cut.prepare();
  }

  /** Second phase: apply what the cut needs, run its action, resume; resolves to the outcome. */
  commit(commit: CutCommit): Promise<CutOutcome> {
    this.persistence?.committed(commit.committed, this.fail);
    for (const [client, batch] of this.cut.commit(commit.need, commit.forget)) {
      this.apply(client, batch);
    }
    return new Promise((done) => {
      this.pending = { commit, done };
      this.finishCut();
    });
  }

  /**
   * The process is ending: resolves once everything this shard logged is on disk (at once in
   * memory; before returning in the store's thread); it logs, and so acknowledges, no write
   * after this (see ShardPersistence.seal).
   */
  async seal(): Promise<void> {
    await this.persistence?.seal();
  }

  /**
   * The store is closing: says goodbye to every client (with `failure`, the store's, if a shard
   * failed), closes their channels, then the files; resolves to a durable shard's last log
   * position, on disk (null in memory).
   */
  async shutdown(failure: SerializedError | null = null): Promise<number | null> {
    // A sealed shard's last replies never leave (their writes were never logged).
    if (!this.persistence?.sealed) await Promise.all(this.replying.values());
    const goodbye: typeof GOODBYE | FailedGoodbye =
      failure === null ? GOODBYE : { goodbye: failure };
    for (const port of this.ports.values()) {
      port.postMessage(goodbye);
      port.close();
    }
    this.ports.clear();
    return (await this.persistence?.close()) ?? null;
  }

  private arrive(client: ClientId, batch: ClientBatch): void {
    if (this.early !== null) {
      this.early.push([client, batch]);
      return;
    }
    for (const ready of this.cut.arrive(client, batch)) this.apply(client, ready);
    this.finishCut();
  }

  /**
   * Logs `batch`, then applies it; a batch whose record the disk refuses (a full disk) is not
   * applied, and each of its calls fails with that error.
   */
  private apply(client: ClientId, batch: ClientBatch): void {
    let logged: Promise<void> | null;
    try {
      logged = this.persistence?.logBatch(client, batch) ?? null;
    } catch (error) {
      if (!(error instanceof StoreIOError)) {
        this.fail(error as Error); // the log can no longer tell what this shard applied
        return;
      }
      this.answer(client, { results: [], refused: serializeError(error) }, null);
      return;
    }
    this.answer(client, runBatch(this.shard, batch), logged);
  }

  /** Sends `reply` once `after` (its log record) allows and the client's earlier replies left. */
  private answer(client: ClientId, reply: Reply, after: Promise<void> | null): void {
    const earlier = this.replying.get(client);
    const send = () => this.ports.get(client)?.postMessage(reply, transferablesOf(reply));
    if (after === null && earlier === undefined) {
      send();
      return;
    }
    const sent = Promise.all([earlier, after]).then(send, this.fail);
    this.replying.set(client, sent);
    void sent.then(() => {
      if (this.replying.get(client) === sent) this.replying.delete(client);
    });
  }

  private finishCut(): void {
    const pending = this.pending;
    if (pending === null || !this.cut.ready) return;
    this.pending = null;
    const { cut, action } = pending.commit;
    // One list says what the cut does here: it is applied, and (durable) logged, as it is.
    const mutations = mutationsOfCut(action);
    const outcome = this.perform(mutations);
    const persistence = this.persistence;
    if (persistence === null || "failure" in outcome || action.kind === "abort") {
      pending.done("failure" in outcome ? outcome : { ...outcome, durable: cut });
    } else {
      const snapshot =
        action.kind === "snapshot"
          ? { id: action.id, parent: action.parent, timestamp: action.timestamp }
          : undefined;
      const logged = persistence.logCut(cut, mutations, snapshot, () => ({
        capture: this.shard.capture(),
        covered: this.cut.appliedCounts(),
      }));
      logged.then(
        () => pending.done({ ...outcome, durable: persistence.durableCut }),
        (error: unknown) => this.fail(error as Error),
      );
    }
    // After the cut's record (and a checkpoint's freeze), which they follow in the log.
    for (const [client, batch] of this.cut.resume()) this.apply(client, batch);
  }

  private perform(
    mutations: Mutations,
  ): { bytes: number } | { failure: ReturnType<typeof serializeError> } {
    try {
      applyMutations(this.shard, mutations);
      return { bytes: this.shard.sizeBytes() };
    } catch (error) {
      return { failure: serializeError(error) };
    }
  }
}
