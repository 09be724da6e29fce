/**
 * How a shard's writes reach its lmdb environment, by the thread the shard lives in.
 *
 * - `"background"` (a shard in its own worker thread): lmdb-js's asynchronous writes. Whatever
 *   the thread writes in one turn of its event loop is committed together by lmdb's writer
 *   thread, while the shard goes on serving.
 * - `"in-thread"` (`shards: 0`: the shard lives in the store's, that is the program's, thread):
 *   the same batching per turn, but each turn's writes are committed synchronously, by this
 *   thread, at the end of the turn. An asynchronous lmdb write still in flight when the program's
 *   thread ends hangs the process (lmdb joins its writer thread, which waits for this one), and
 *   an `exit` listener can wait for nothing asynchronous; with these, `commitNow` puts
 *   everything written so far on disk from an `exit` listener.
 *
 * Every commit is flushed (fsync) before it counts as done.
 */
import type { Database, PutOptions, RootDatabase } from "lmdb";

export type WriteMode = "background" | "in-thread";

/** A key of one of the shard's tables. */
type Key = string | number | [number, number];

export interface LmdbWrites {
  /**
   * Writes `bytes` under `key` in `db`, committed with the rest of this turn's writes. `append`:
   * `key` sorts after every key in `db` (lmdb then skips the search).
   */
  put(db: Database<Buffer, Key>, key: Key, bytes: Buffer, append: boolean): void;
  /** Runs `work` (synchronous reads and `putSync`/`removeSync`) in a transaction of its own. */
  transaction(work: () => void): Promise<void>;
  /** Resolves once everything written so far is committed and flushed. */
  flushed(): Promise<void>;
  /**
   * Commits and flushes, before returning, the writes this thread still holds: every write so
   * far with "in-thread"; none with "background", whose writes are lmdb's writer thread's.
   */
  commitNow(): void;
}

export function lmdbWrites(env: RootDatabase, mode: WriteMode): LmdbWrites {
  return mode === "background" ? new BackgroundWrites(env) : new InThreadWrites(env);
}

class BackgroundWrites implements LmdbWrites {
  constructor(private readonly env: RootDatabase) {}

  put(db: Database<Buffer, Key>, key: Key, bytes: Buffer, append: boolean): void {
    // lmdb-js takes put options on asynchronous puts too, but does not declare them.
    const put = db.put as (key: Key, value: Buffer, options: PutOptions) => Promise<boolean>;
    void put.call(db, key, bytes, { append });
  }

  async transaction(work: () => void): Promise<void> {
    await this.env.transaction(work);
  }

  async flushed(): Promise<void> {
    await this.env.flushed;
  }

  commitNow(): void {}
}

class InThreadWrites implements LmdbWrites {
  private queued: [Database<Buffer, Key>, Key, Buffer, PutOptions][] = [];
  /** Settles `last` once the queued writes are committed; null while nothing is queued. */
  private settle: ((error?: Error) => void) | null = null;
  /** Settles once the writes so far are committed: the queued ones', or the last commit's. */
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly env: RootDatabase) {}

  put(db: Database<Buffer, Key>, key: Key, bytes: Buffer, append: boolean): void {
    this.queued.push([db, key, bytes, { append }]);
    if (this.settle !== null) return;
    this.last = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.last.catch(() => {}); // its waiters hear of a failure through `flushed`
    setImmediate(() => {
      try {
        this.commitNow();
      } catch {
        // reported to the writes' waiters by commitNow
      }
    });
  }

  async transaction(work: () => void): Promise<void> {
    this.commitNow();
    this.env.transactionSync(work);
  }

  flushed(): Promise<void> {
    return this.last;
  }

  commitNow(): void {
    const settle = this.settle;
    if (settle === null) return;
    const queued = this.queued;
    this.queued = [];
    this.settle = null;
    try {
      this.env.transactionSync(() => {
        for (const [db, key, bytes, options] of queued) db.putSync(key, bytes, options);
      });
    } catch (error) {
      settle(error as Error);
      throw error;
    }
    settle();
  }
}
