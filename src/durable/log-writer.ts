/**
 * The one writer of a shard's log (segments.ts holds the format), in the shard's thread.
 *
 * - **Each entry is written as it is appended**, with one synchronous `write` at the end of
 *   the newest segment, before the shard applies what it records: a write the file system
 *   refuses (a full disk) is cut back off the file and thrown to the caller, so the call that
 *   hit it fails and nothing is half-written, and the next entry is written once there is room
 *   again. A write in the page cache survives the thread or process that made it.
 * - **Syncs are grouped.** Entries written since the last sync began wait for the next
 *   `fdatasync`, which runs on libuv's thread pool while the shard goes on serving; one runs at
 *   a time, so concurrent batches share one (group commit).
 * - **A failed sync ends the log**: the kernel may already have dropped the pages it could not
 *   write, so nothing written before it can be acknowledged any more, and every later append
 *   fails with the same error.
 * - **Segments.** The log moves to a new segment past `SEGMENT_BYTES`, or where a checkpoint
 *   is taken (`rotate`), once the old one is synced, so a crash never leaves a later segment
 *   with an earlier one's end missing.
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  ftruncateSync,
  openSync,
  readSync,
  rmSync,
  statfsSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { frame } from "./frames.js";
import { encodeEntry, type LogRecord, type ShardIdentity } from "./log-records.js";
import { createSegment, type LogOnDisk, numberedFiles } from "./segments.js";
import { ioError, onDisk } from "./system-error.js";
import { syncDirectory } from "./whole-file.js";

/** A segment grows to about this size before the writer starts the next one. */
export const SEGMENT_BYTES = 64 * 2 ** 20;

/** Entries written since the last sync began: acknowledged together once synced. */
interface Group {
  done: Promise<void>;
  settle: (error?: Error) => void;
}

export class LogWriter {
  private fd: number | null = null;
  private segment: string | null;
  /** Where the newest segment's last entry ends: the next one is written there. */
  private end: number;
  /** The newest segment's size when read, and the torn write found there. */
  private readonly size: number;
  private readonly torn: LogOnDisk["torn"];
  private last: number;
  /** The next entry starts a new segment. */
  private rotating = false;
  private unsynced: Group | null = null;
  private syncing: Promise<void> | null = null;
  /** A sync failed: nothing more is acknowledged. */
  private failure: Error | null = null;
  private appended = 0;

  constructor(
    private readonly dir: string,
    private readonly identity: ShardIdentity,
    log: Pick<LogOnDisk, "segments" | "last" | "torn">,
  ) {
    const newest = log.segments.at(-1);
    this.segment = newest?.name ?? null;
    this.end = newest?.end ?? 0;
    this.size = newest?.size ?? 0;
    this.torn = log.torn;
    this.last = log.last;
  }

  /** The position of the last entry appended. */
  get position(): number {
    return this.last;
  }

  /** Bytes appended since this writer was made. */
  get appendedBytes(): number {
    return this.appended;
  }

  /**
   * Opens the newest segment for appending after its last sound frame, cutting off what follows
   * (a torn write is kept aside in `<segment>.torn-<offset>`), or creates the first segment of
   * a new shard's log now, so that the shard exists on disk from its first open.
   */
  start(): void {
    if (this.segment === null) {
      this.startSegment(this.last + 1);
      return;
    }
    const path = join(this.dir, this.segment);
    const fd = onDisk(path, "open the log", () => openSync(path, "r+"));
    this.fd = fd;
    if (this.size === this.end) return;
    onDisk(path, "cut off a torn write", () => {
      if (this.torn !== null) {
        // Kept aside, never destroyed: it is what a crash cut short, or damage that looks so.
        const bytes = Buffer.alloc(this.size - this.end);
        readSync(fd, bytes, 0, bytes.length, this.end);
        writeFileSync(`${path}.torn-${this.end}`, bytes, { flush: true });
      }
      ftruncateSync(fd, this.end);
      fdatasyncSync(fd);
      syncDirectory(this.dir);
    });
  }

  /**
   * Writes `record` at the next position; resolves once it is on disk.
   * @throws StoreIOError if the file system refuses the write (nothing of it is left).
   */
  append(record: LogRecord | { kind: "drop"; dropped: number[] }): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const at = this.last + 1;
    const bytes = frame(encodeEntry({ at, record }));
    if (this.fd === null || this.rotating || this.end >= SEGMENT_BYTES) this.startSegment(at);
    this.write(bytes);
    this.last = at;
    this.end += bytes.length;
    this.appended += bytes.length;
    if (this.unsynced === null) {
      this.unsynced = group();
      setImmediate(() => this.sync());
    }
    return this.unsynced.done;
  }

  /**
   * Checks that the file system has `bytes` free for the log, so that a cut is refused on every
   * shard before any applies it rather than failing one after (a check, not a reservation:
   * another writer may take the space between the two).
   * @throws StoreIOError with an `ENOSPC` cause if it has not.
   */
  checkRoom(bytes: number): void {
    if (this.failure !== null) throw this.failure;
    const { bavail, bsize } = onDisk(this.dir, "look at the disk's free space", () =>
      statfsSync(this.dir),
    );
    if (bavail * bsize >= bytes) return;
    const full = Object.assign(
      new Error(`no space left on device (${bavail * bsize} bytes free)`),
      {
        code: "ENOSPC",
      },
    );
    throw ioError(this.pathOf(), "make room in the log", full);
  }

  /** The next entry starts a new segment (so that a checkpoint ending here can drop the old). */
  rotate(): void {
    this.rotating = true;
  }

  /** Resolves once everything appended so far is on disk. */
  async flushed(): Promise<void> {
    await Promise.all([this.unsynced?.done, this.syncing]);
  }

  /** Syncs everything appended so far before returning (the process is ending). */
  commitNow(): void {
    const waiting = this.unsynced;
    if (waiting === null || this.fd === null || this.failure !== null) return;
    this.unsynced = null;
    try {
      fdatasyncSync(this.fd);
    } catch (error) {
      waiting.settle(this.fail(error as Error));
      return;
    }
    waiting.settle();
  }

  /**
   * Deletes the segments whose every entry is at or before `at` (a checkpoint holds them),
   * keeping the newest.
   */
  removeThrough(at: number): void {
    // Nothing appended since the log was to move on for this checkpoint: move it on now, so the
    // segment the checkpoint holds whole goes too rather than lingering until the next one.
    if (this.rotating && this.fd !== null && this.last <= at) this.startSegment(this.last + 1);
    const segments = numberedFiles(this.dir, ".log");
    let removed = false;
    for (let i = 0; i + 1 < segments.length; i++) {
      const [name] = segments[i] as [string, number];
      const [, nextFirst] = segments[i + 1] as [string, number];
      if (nextFirst - 1 > at) break;
      onDisk(this.dir, "remove a segment a checkpoint holds", () => rmSync(join(this.dir, name)));
      removed = true;
    }
    if (removed) onDisk(this.dir, "sync the shard's directory", () => syncDirectory(this.dir));
  }

  /** Closes the segment once everything appended is on disk; rejects if any of it failed. */
  async close(): Promise<void> {
    try {
      await this.flushed();
    } finally {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Writes `bytes` at `end`; on a refusal, cuts back what was written and throws. */
  private write(bytes: Buffer): void {
    const fd = this.fd as number;
    try {
      for (let done = 0; done < bytes.length; ) {
        done += writeSync(fd, bytes, done, bytes.length - done, this.end + done);
      }
    } catch (error) {
      this.cutBack(fd);
      throw ioError(this.pathOf(), "append to the log", error as Error);
    }
  }

  /** Gives back what a refused write left past the end. */
  private cutBack(fd: number): void {
    try {
      ftruncateSync(fd, this.end);
    } catch {
      // What stays past `end` reads as a torn write at the next open, and is cut off there.
    }
  }

  /** Moves the log to a new segment starting at `first`, once the current one is on disk. */
  private startSegment(first: number): void {
    const old = this.fd;
    if (old !== null) {
      try {
        fdatasyncSync(old);
      } catch (error) {
        throw this.fail(error as Error);
      }
    }
    const created = createSegment(this.dir, this.identity, first);
    // Everything written to the old segment is on disk: its waiters are answered now, and its
    // file is closed once a sync still running on it ends.
    this.unsynced?.settle();
    this.unsynced = null;
    if (old !== null) {
      if (this.syncing === null) closeSync(old);
      else void this.syncing.then(() => closeSync(old));
    }
    this.fd = created.fd;
    this.segment = created.name;
    this.end = created.end;
    this.rotating = false;
  }

  private sync(): void {
    const waiting = this.unsynced;
    if (this.syncing !== null || waiting === null || this.fd === null) return;
    this.unsynced = null;
    this.syncing = new Promise<void>((resolve) => {
      fdatasync(this.fd as number, (error) => {
        waiting.settle(error === null ? undefined : this.fail(error));
        this.syncing = null;
        resolve();
        this.sync();
      });
    });
  }

  /** Records that a sync failed: every later append fails with the same error. */
  private fail(error: Error): Error {
    this.failure ??= ioError(this.pathOf(), "sync the log", error);
    return this.failure;
  }

  private pathOf(): string {
    return join(this.dir, this.segment ?? "");
  }
}

function group(): Group {
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  done.catch(() => {}); // its callers hear of a failure through the promise they hold
  return { done, settle };
}
