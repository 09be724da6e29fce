/**
 * The calls one client has queued for one shard and not yet sent: its ops (encoded values
 * included, see batch-format.ts), and who waits for what. Sent whole, as one batch, and settled
 * whole from the shard's reply.
 */
import { Op, type OpCode, type Reply } from "../core/batch-format.js";
import { rebuildError } from "../core/errors.js";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class PendingBatch {
  readonly ops: (number | string)[] = [];
  /** One per op with a result slot, in op order. */
  private readonly waiters: Waiter[] = [];
  /** What the batch's sets resolve to: made on the first one (a read-only batch needs none). */
  private applied: { promise: Promise<void>; settle: Waiter } | null = null;
  /** How it ended, once it has: `null` applied, else the error that failed it. */
  private outcome: Error | null | undefined;

  /** Queues a `set`; resolves once the batch has been applied. */
  set(namespace: string, key: string, encoded: Uint8Array): Promise<void> {
    const bytes = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    this.ops.push(Op.set, namespace, key, bytes.toString("latin1"));
    return this.whenApplied();
  }

  /** Queues any other op; resolves to its result. */
  call(code: OpCode, args: (number | string)[]): Promise<unknown> {
    this.ops.push(code, ...args);
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** Settles every call from the shard's reply. */
  answer(reply: Reply): void {
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
    for (const waiter of this.waiters) waiter.reject(error);
    this.outcome = error;
    this.applied?.settle.reject(error);
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
