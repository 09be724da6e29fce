/**
 * A client's commit word: how many of its flushes that write to several shards it has
 * committed, in a `SharedArrayBuffer` the client and every shard it talks to share. The client
 * commits its flushes in order, one atomic store each (and wakes the shards blocked for it);
 * a shard reads whether a flush is committed. Why: shard/commit-gate.ts.
 */

/** The bytes a commit word takes: one `BigInt64`. */
export const COMMIT_WORD_BYTES = 8;

export class CommitWord {
  private readonly word: BigInt64Array;

  constructor(buffer: SharedArrayBuffer) {
    this.word = new BigInt64Array(buffer, 0, 1);
  }

  /** The client's side: flush `n` (and so every one before it) is committed. */
  commit(n: number): void {
    Atomics.store(this.word, 0, BigInt(n));
    Atomics.notify(this.word, 0);
  }

  /** Whether flush `n` is committed. */
  reached(n: number): boolean {
    return Atomics.load(this.word, 0) >= BigInt(n);
  }

  /**
   * Blocks the calling thread (never the main thread: it may not) until the next commit, or
   * `ms` passed.
   */
  waitForNext(ms: number): void {
    Atomics.wait(this.word, 0, Atomics.load(this.word, 0), ms);
  }
}
