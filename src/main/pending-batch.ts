/**
 * The calls one client has queued for one shard and not yet sent: its ops, the encoded values of
 * its sets, and who waits for what. Sent whole, as one batch (see protocol.ts), and settled whole
 * from the shard's reply.
 */

import { Op, type OpCode, type Reply } from "../core/batch-format.js";
import { rebuildError } from "../core/errors.js";
import { ValueBuffer } from "./value-buffer.js";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class PendingBatch {
  readonly ops: (number | string)[] = [];
  readonly values = new ValueBuffer();
  /** One per op with a result slot, in op order. */
  private readonly waiters: Waiter[] = [];
  /** Settles when the whole batch was applied: what its sets resolve to. */
  private readonly done: Promise<void>;
  private settle!: Waiter;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve: () => resolve(), reject };
    });
    // A batch's failure reaches callers through their own promises; this shared one may have
    // no caller waiting on it (a batch without sets) and must not count as unhandled.
    this.done.catch(() => {});
  }

  /** Queues a `set`; resolves once the batch has been applied. */
  set(namespace: string, key: string, encoded: Uint8Array): Promise<void> {
    this.ops.push(Op.set, namespace, key, encoded.byteLength);
    this.values.append(encoded);
    return this.done;
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
    this.settle.resolve(undefined);
  }

  /** Fails every call with `error`. */
  fail(error: Error): void {
    for (const waiter of this.waiters) waiter.reject(error);
    this.settle.reject(error);
  }

  /** Settles (either way) once the batch has been answered or failed. */
  settled(): Promise<void> {
    return this.done.catch(() => {});
  }
}
