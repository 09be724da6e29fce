/**
 * Where a client's batches enter a shard: a flush that writes to several shards is applied on
 * all of them or on none, even if the client's thread dies while it posts the parts.
 *
 * A client posts such a flush's parts one shard at a time, and a thread can be stopped between
 * two posts. So each part carries the flush's number (`ClientBatch.commit`, counting the
 * client's multi-shard flushes), and once every part is posted the client stores that number
 * in its commit word, a `SharedArrayBuffer` every shard it talks to shares: one atomic store,
 * the flush's single commit mark. A part waits here until the word reaches its number; the
 * client's later batches wait behind it, so each shard still takes the client's batches in the
 * order they were sent. Parts of single-shard flushes carry no number and pass straight on.
 *
 * Invariant: a part is handed on only once its flush is committed, so that every part of it
 * was posted first; a posted message is delivered even if its sender dies, before the channel's
 * `close`. When the channel closes, what was committed goes on and the rest (a flush whose
 * client died before its commit, and nothing after it, since the client commits each flush in
 * the turn it posts it) is dropped: no shard ever applied any part of it.
 *
 * The wait is short: the client commits right after its posts, in the same turn, and wakes
 * the shards (`Atomics.notify`). A shard in a worker thread blocks for it (`Atomics.wait`, at
 * most `BLOCK_MS`: a client stopped between its posts never commits); one in a thread that may
 * not block (the main thread) polls a turn at a time. A part still waiting after that is polled
 * for once a millisecond until its flush commits or the channel closes. Not `Atomics.waitAsync`:
 * it hung a shard on a 16-core machine (see core/protocol/port.ts). Measured on `swarmstate load`
 * (2 agents, 2 shards, 2 cores), polling from the start cost a quarter of the steps per second.
 */
import { isMainThread } from "node:worker_threads";
import type { ClientBatch } from "../core/protocol/batch-format.js";
import { CommitWord } from "../core/protocol/commit-word.js";

/** The longest a shard blocks for a commit. */
const BLOCK_MS = 1;
/** Where a commit is polled for a turn at a time (no blocking): this many turns. */
const EAGER_POLLS = 64;
/** Whether this thread may block in `Atomics.wait` (the main thread may not). */
const canBlock = !isMainThread;

export class CommitGate {
  private readonly word: CommitWord;
  /** Batches waiting for a commit, the first one's flush not yet committed. */
  private readonly waiting: ClientBatch[] = [];
  private closed = false;
  /** Polls since the first waiting batch arrived. */
  private polls = 0;

  /**
   * @param commits the client's commit word
   * @param pass takes each batch once it may be applied, in the order they arrived
   */
  constructor(
    commits: SharedArrayBuffer,
    private readonly pass: (batch: ClientBatch) => void,
  ) {
    this.word = new CommitWord(commits);
  }

  /** A batch arrived from the client. */
  arrive(batch: ClientBatch): void {
    if (this.waiting.length === 0 && (this.committed(batch) || this.blockFor(batch))) {
      this.pass(batch);
      return;
    }
    this.waiting.push(batch);
    if (this.waiting.length === 1) {
      this.polls = canBlock ? EAGER_POLLS : 0; // a shard that blocked has waited long enough
      setImmediate(this.poll);
    }
  }

  /** The client's channel closed: hands on what was committed, drops the rest. */
  close(): void {
    this.release();
    this.waiting.length = 0;
    this.closed = true;
  }

  private readonly poll = (): void => {
    if (this.closed) return;
    this.release();
    if (this.waiting.length === 0) return;
    if (++this.polls < EAGER_POLLS) setImmediate(this.poll);
    else setTimeout(this.poll, 1);
  };

  /** Hands on the waiting batches up to the first whose flush is not committed. */
  private release(): void {
    while (this.waiting.length > 0 && this.committed(this.waiting[0] as ClientBatch)) {
      this.pass(this.waiting.shift() as ClientBatch);
    }
  }

  /** Blocks until `batch`'s flush commits, or `BLOCK_MS` passed; whether it committed. */
  private blockFor(batch: ClientBatch): boolean {
    if (!canBlock) return false;
    // The client commits its flushes in order, and this one's turn is next: the word's next
    // change is this commit.
    this.word.waitForNext(BLOCK_MS);
    return this.committed(batch);
  }

  private committed(batch: ClientBatch): boolean {
    return batch.commit === undefined || this.word.reached(batch.commit);
  }
}
