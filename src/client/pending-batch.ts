/**
 * The calls one client has queued for one shard and not yet sent: its ops (encoded values
 * included, see core/protocol/batch-format.ts), and who waits for what. Sent whole, as one batch,
 * and settled whole from the shard's reply.
 */

import { rebuildError } from "../core/errors.js";
import { Op, type OpCode, type Reply } from "../core/protocol/batch-format.js";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class PendingBatch {
  readonly ops: (number | string)[] = [];
  /** Whether it writes (a set, delete or release): what a durable store must keep whole. */
  writes = false;
  /** One per op with a result slot, in op order. */
  private readonly waiters: Waiter[] = [];
  /** What the batch's sets resolve to: made on the first one (a read-only batch needs none). */
  private applied: { promise: Promise<void>; settle: Waiter } | null = null;
  /** How it ended, once it has: `null` applied, else the error that failed it. */
  private outcome: Error | null | undefined;
  /** Its reply, kept until its flush's turn to settle (see `FlushOrder`). */
  private reply: Reply | null = null;
  /** Tells its `FlushOrder` it has a reply (or failed); `null` outside one. */
  private turn: (() => void) | null = null;

  /** Queues a `set`; resolves once the batch has been applied. */
  set(namespace: string, key: string, encoded: Uint8Array): Promise<void> {
    const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    this.ops.push(Op.set, namespace, key, bytes.toString("latin1"));
    this.writes = true;
    return this.whenApplied();
  }

  /** Queues any other op; resolves to its result. */
  call(code: OpCode, args: (number | string)[]): Promise<unknown> {
    this.ops.push(code, ...args);
    if (code === Op.delete || code === Op.release) this.writes = true;
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The shard's reply came: settles the calls now, or at its flush's turn (`FlushOrder`). */
  arrived(reply: Reply): void {
    if (this.turn === null) this.answer(reply);
    else {
      this.reply = reply;
      this.turn();
    }
  }

  /** Settles every call from the shard's reply. */
  private answer(reply: Reply): void {
    if (reply.refused !== undefined) {
      const error = rebuildError(reply.refused);
      for (const waiter of this.waiters) waiter.reject(error);
      this.outcome = error;
      this.applied?.settle.reject(error);
      return;
    }
    const failed = new Map(reply.failures);
    this.waiters.forEach((waiter, slot) => {
      const failure = failed.get(slot);
      if (failure === undefined) waiter.resolve(reply.results[slot]);
      else waiter.reject(rebuildError(failure));
    });
    this.outcome = null;
    this.applied?.settle.resolve(undefined);
  }

  /** Fails every call with `error`. */
  fail(error: Error): void {
    if (this.outcome !== undefined) return;
    for (const waiter of this.waiters) waiter.reject(error);
    this.outcome = error;
    this.applied?.settle.reject(error);
    this.turn?.();
  }

  /** Joins a `FlushOrder`: its reply is kept until `settleNow`. */
  waitTurn(turn: () => void): void {
    this.turn = turn;
  }

  /** Whether it has its reply, or failed. */
  get ready(): boolean {
    return this.reply !== null || this.outcome !== undefined;
  }

  /** Its flush's turn: settles the calls from the kept reply (unless it failed meanwhile). */
  settleNow(): void {
    if (this.outcome === undefined && this.reply !== null) this.answer(this.reply);
  }

  /** Settles (either way) once the batch has been answered or failed. */
  settled(): Promise<void> {
    return this.whenApplied().catch(() => {});
  }

  private whenApplied(): Promise<void> {
    if (this.outcome !== undefined) {
      return this.outcome === null ? Promise.resolve() : Promise.reject(this.outcome);
    }
    if (this.applied === null) {
      let settle!: Waiter;
      const promise = new Promise<void>((resolve, reject) => {
        settle = { resolve: () => resolve(), reject };
      });
      // Failures reach callers through their own promises; this shared one may have no caller
      // left waiting on it and must not count as unhandled.
      promise.catch(() => {});
      this.applied = { promise, settle };
    }
    return this.applied.promise;
  }
}

/**
 * A client's flushes (each a batch per shard), settled in the order they were sent: a flush
 * settles once each of its batches has its reply (or failed) and every earlier flush has
 * settled. So a client is never told a call is done before its earlier ones are; a durable
 * store's recovery counts on it (durable/recovery.ts), and on a memory store it only holds a
 * reply back while an earlier one is still on its way.
 */
export class FlushOrder {
  private readonly flushes: PendingBatch[][] = [];

  /** Adds a flush, its batches just sent. */
  add(batches: PendingBatch[]): void {
    for (const batch of batches) batch.waitTurn(() => this.advance());
    this.flushes.push(batches);
  }

  private advance(): void {
    for (let head = this.flushes[0]; head !== undefined; head = this.flushes[0]) {
      if (!head.every((batch) => batch.ready)) return;
      this.flushes.shift();
      for (const batch of head) batch.settleNow();
    }
  }
}
