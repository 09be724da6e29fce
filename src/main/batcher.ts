/**
 * The queue of calls for one shard. Calls made in the same tick go out together as one batch
 * (one message) when the tick's microtasks run; while a batch is in flight, new calls gather
 * into the next one, so under load batches grow instead of messages multiplying.
 *
 * Invariants:
 * - At most one batch per shard is in flight, and batches are sent in call order, so a shard
 *   applies calls exactly in the order they were made.
 * - Every call gets an answer: its result, its own error, or (if the shard's thread died) the
 *   `ShardFailedError`, which also fails every call still queued.
 */
import { Op, type OpCode, type Reply } from "../core/batch-format.js";
import { rebuildError, ShardFailedError } from "../core/errors.js";
import type { ShardHost } from "./shard-host.js";
import { ValueBuffer } from "./value-buffer.js";

interface Waiter {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** A batch being filled: its ops, values, result waiters and the promise all its sets share. */
class PendingBatch {
  readonly ops: (number | string)[] = [];
  readonly values = new ValueBuffer();
  readonly waiters: Waiter[] = [];
  readonly done: Promise<void>;
  settle!: Waiter;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve: () => resolve(), reject };
    });
    // A batch's failure reaches callers through their own promises; this shared one may have
    // no caller waiting on it (a batch without sets) and must not count as unhandled.
    this.done.catch(() => {});
  }
}

export class ShardBatcher {
  private pending: PendingBatch | null = null;
  private inFlight: Promise<void> | null = null;
  private initialized = false;
  private failure: ShardFailedError | null = null;

  constructor(
    readonly index: number,
    private readonly host: ShardHost,
    private readonly onFailure: (error: ShardFailedError) => void,
  ) {}

  /** Queues a `set`; resolves once the batch holding it has been applied. */
  set(namespace: string, key: string, encoded: Uint8Array): Promise<void> {
    const batch = this.batch();
    batch.ops.push(Op.set, namespace, key, encoded.byteLength);
    batch.values.append(encoded);
    return batch.done;
  }

  /** Queues any other op; resolves to its result. */
  call(code: OpCode, ...args: (number | string)[]): Promise<unknown> {
    const batch = this.batch();
    batch.ops.push(code, ...args);
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Resolves when everything queued so far has been answered (successfully or not). */
  async drained(): Promise<void> {
    while (this.pending !== null || this.inFlight !== null) {
      await (this.pending?.done ?? this.inFlight)?.catch(() => {});
    }
  }

  /** Fails every queued call with `error` (the shard is gone). */
  fail(error: ShardFailedError): void {
    this.failure ??= error;
    const batch = this.pending;
    this.pending = null;
    if (batch !== null) rejectAll(batch, error);
  }

  private batch(): PendingBatch {
    if (this.pending === null) {
      this.pending = new PendingBatch();
      queueMicrotask(() => this.flush());
    }
    return this.pending;
  }

  private flush(): void {
    const batch = this.pending;
    if (batch === null || this.inFlight !== null) return;
    this.pending = null;
    if (this.failure !== null) {
      rejectAll(batch, this.failure);
      return;
    }
    const init = !this.initialized;
    this.initialized = true;
    const sent = this.host.run({ init, batch: { ops: batch.ops, values: batch.values.take() } });
    this.inFlight = sent.then(
      (reply) => settleAll(batch, reply),
      (cause: unknown) => {
        const error = new ShardFailedError(this.index, reasonOf(cause), { cause });
        this.onFailure(error);
        this.fail(error);
        rejectAll(batch, error);
      },
    );
    this.inFlight.finally(() => {
      this.inFlight = null;
      this.flush();
    });
  }
}

function settleAll(batch: PendingBatch, reply: Reply): void {
  const failed = new Map(reply.failures);
  batch.waiters.forEach((waiter, slot) => {
    const failure = failed.get(slot);
    if (failure === undefined) waiter.resolve(reply.results[slot]);
    else waiter.reject(rebuildError(failure));
  });
  batch.settle.resolve(undefined);
}

function rejectAll(batch: PendingBatch, error: Error): void {
  for (const waiter of batch.waiters) waiter.reject(error);
  batch.settle.reject(error);
}

function reasonOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
