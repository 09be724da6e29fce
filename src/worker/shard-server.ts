/**
 * One shard and the clients connected to it, in whichever thread hosts the shard (a worker
 * thread, or the store's own thread with `shards: 0`).
 *
 * Each client has its own channel here. A batch is applied as it arrives and answered on the
 * same channel, so replies come back in the order the client sent its batches; the cut rule
 * (core/cut.ts) decides when a batch must wait because a store-wide operation is being placed.
 *
 * Invariants:
 * - Every batch handed back by the cut participant is applied at once, in order, and answered
 *   (a client whose channel closed gets no answer: nobody is listening).
 * - A cut's operation runs exactly when the participant says the cut is reached, before any
 *   batch it holds back.
 */

import {
  type ClientBatch,
  type CutAction,
  type CutCommit,
  type CutOutcome,
  GOODBYE,
} from "../core/batch-format.js";
import { runBatch, transferablesOf } from "../core/batch-runner.js";
import { applyChanges } from "../core/changes.js";
import { type ClientId, CutParticipant, type CutReport } from "../core/cut.js";
import { serializeError } from "../core/errors.js";
import { Shard } from "../core/shard.js";
import type { DataPort } from "./port.js";

interface PendingCut {
  action: CutAction;
  done: (outcome: CutOutcome) => void;
}

export class ShardServer {
  private readonly shard = new Shard();
  private readonly cut = new CutParticipant<ClientBatch>();
  private readonly ports = new Map<ClientId, DataPort>();
  private pending: PendingCut | null = null;

  /** Serves client `client` on `port` (this shard's end of their channel). */
  attach(client: ClientId, port: DataPort): void {
    this.cut.join(client);
    this.ports.set(client, port);
    port.on("message", (message) => {
      for (const ready of this.cut.arrive(client, message as ClientBatch))
        this.apply(client, ready);
      this.finishCut();
    });
    port.on("close", () => {
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
    return this.cut.prepare();
  }

  /** Second phase: apply what the cut needs, run its action, resume; resolves to the outcome. */
  commit({ need, forget, action }: CutCommit): Promise<CutOutcome> {
    for (const [client, batch] of this.cut.commit(need, forget)) this.apply(client, batch);
    return new Promise((done) => {
      this.pending = { action, done };
      this.finishCut();
    });
  }

  /** The store is closing: tells every client, then closes their channels. */
  shutdown(): void {
    for (const port of this.ports.values()) {
      port.postMessage(GOODBYE);
      port.close();
    }
    this.ports.clear();
  }

  private apply(client: ClientId, batch: ClientBatch): void {
    const reply = runBatch(this.shard, batch);
    this.ports.get(client)?.postMessage(reply, transferablesOf(reply));
  }

  private finishCut(): void {
    const pending = this.pending;
    if (pending === null || !this.cut.ready) return;
    this.pending = null;
    const outcome = this.perform(pending.action);
    for (const [client, batch] of this.cut.resume()) this.apply(client, batch);
    pending.done(outcome);
  }

  private perform(action: CutAction): CutOutcome {
    try {
      switch (action.kind) {
        case "snapshot": {
          const bytes = this.shard.snapshot(action.id);
          for (const id of action.release) this.shard.release(id);
          return { bytes };
        }
        case "restore":
          this.shard.restore(action.id);
          break;
        case "clear":
          this.shard.clear();
          break;
        case "apply":
          applyChanges(this.shard, action);
          break;
        case "abort":
          break;
      }
      return { bytes: this.shard.sizeBytes() };
    } catch (error) {
      return { failure: serializeError(error) };
    }
  }
}
