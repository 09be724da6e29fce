/**
 * One durable shard's files, in `<path>/shard-<i>/`, opened and written only by that shard's
 * thread: its log (segments.ts) and its newest checkpoint (checkpoint-file.ts), both made of
 * CRC-framed records (frames.ts) whose fields are checked one by one as they are read
 * (log-records.ts). This module is where they meet; each of those states its own format.
 *
 * The shard's state is its checkpoint's script replayed, then every log entry after the
 * position the checkpoint holds, in order (core/replay/mutations.ts): a batch or a cut costs what
 * it wrote, once, as one appended record. Recovery after a crash may leave entries out
 * (durable/recovery.ts); the log being append-only, a drop entry names them.
 *
 * Opening is in two steps, so that a store whose files are damaged anywhere is refused with
 * nothing changed on disk: `read` reads and checks everything and writes nothing; `start`,
 * once the store has decided to open, cuts off a torn write (keeping it aside), removes what a
 * crash left between the steps of a checkpoint, logs the drops and begins appending.
 *
 * A checkpoint is taken at a log position: the log moves to a new segment there, the script is
 * written to its own file in the background, and once that file is in place and durable the
 * checkpoint before it and the segments it holds are removed.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { StoreDamagedError } from "../core/errors.js";
import type { Mutations } from "../core/replay/mutations.js";
import {
  type CheckpointOnDisk,
  readCheckpoint,
  removeBefore,
  writeCheckpoint,
} from "./checkpoint-file.js";
import type { CheckpointInfo, LogRecord, ShardIdentity } from "./log-records.js";
import { LogWriter } from "./log-writer.js";
import { type LogOnDisk, readLog } from "./segments.js";
import { onDisk } from "./system-error.js";
import { syncDirectory } from "./whole-file.js";

export type {
  BatchRecord,
  CheckpointInfo,
  CutRecord,
  LogRecord,
  ShardIdentity,
  SnapshotFacts,
} from "./log-records.js";

const NO_CHECKPOINT: CheckpointInfo = {
  at: 0,
  cut: 0,
  covered: [],
  snapshots: [],
  lastSnapshotId: 0,
};

/** A checkpoint is due once the log holds this many bytes and more than the checkpoint itself. */
const MIN_LOG_BYTES = 4 * 2 ** 20;

/** What `read` found. */
export interface ShardOnDisk {
  checkpoint: CheckpointInfo;
  /** The checkpoint's script, chunk by chunk, each checked as it is taken. */
  script: () => Iterable<Mutations>;
  /** The log entries after the checkpoint, at their positions. */
  records: [at: number, record: LogRecord][];
}

export class ShardFiles {
  private log: LogOnDisk | null = null;
  private writer: LogWriter | null = null;
  private checkpointAt = 0;
  private checkpointBytes = 0;
  /** Bytes of log entries after the checkpoint, as read, or 0 after `markCheckpoint`. */
  private logBytes = 0;
  /** The writer's `appendedBytes` at the last `markCheckpoint`. */
  private markedAt = 0;

  constructor(
    readonly dir: string,
    private readonly identity: ShardIdentity,
  ) {}

  /**
   * Reads the checkpoint and the log after it, checked; writes nothing. `reached`: how far the
   * log had reached by the store's own record (durable/reached.ts), if it has one.
   * @throws StoreDamagedError naming the file, the offset and what is wrong.
   */
  read(reached: number | null): ShardOnDisk {
    const checkpoint: CheckpointOnDisk | null = readCheckpoint(this.dir, this.identity);
    const info = checkpoint?.info ?? NO_CHECKPOINT;
    const log = readLog(this.dir, this.identity, info.at);
    if (reached !== null && checkpoint === null && log.segments.length === 0) {
      throw new StoreDamagedError(this.dir, "the shard's files are missing");
    }
    if (reached !== null && log.last < reached) {
      throw new StoreDamagedError(
        this.dir,
        `the log ends at entry ${log.last}, but had reached entry ${reached}: ` +
          "its files are older than the store (a stale copy?) or lost their end",
      );
    }
    this.log = log;
    this.checkpointAt = info.at;
    this.checkpointBytes = checkpoint?.bytes ?? 0;
    this.logBytes = log.entries.reduce((total, { bytes }) => total + bytes, 0);
    return {
      checkpoint: info,
      script: () => checkpoint?.chunks() ?? [],
      records: log.entries.map(({ at, record }) => [at, record]),
    };
  }

  /**
   * Begins appending, after `read` and the store's decision to open: cuts off a torn write,
   * removes what a crash left, and logs `dropped` (entries recovery left out).
   */
  async start(dropped: number[]): Promise<void> {
    const log = this.log;
    if (log === null) throw new Error("a shard's files start only after read()");
    onDisk(this.dir, "create the shard's directory", () =>
      mkdirSync(this.dir, { recursive: true }),
    );
    onDisk(this.dir, "remove what a crash left", () => {
      for (const name of readdirSync(this.dir)) {
        if (name.endsWith(".tmp")) rmSync(join(this.dir, name));
      }
      removeBefore(this.dir, this.checkpointAt);
      syncDirectory(this.dir);
    });
    this.writer = new LogWriter(this.dir, this.identity, log);
    this.writer.start();
    this.writer.removeThrough(this.checkpointAt);
    if (dropped.length > 0) await this.writer.append({ kind: "drop", dropped });
  }

  /** Appends `record`; resolves once it is on disk. */
  append(record: LogRecord): Promise<void> {
    return this.started.append(record);
  }

  /**
   * Checks that the disk has `bytes` free for the log (see LogWriter.checkRoom).
   * @throws StoreIOError if it has not.
   */
  checkRoom(bytes: number): void {
    this.started.checkRoom(bytes);
  }

  /** Resolves once everything appended so far is on disk. */
  flushed(): Promise<void> {
    return this.writer?.flushed() ?? Promise.resolve();
  }

  /** Puts everything appended so far on disk before returning: the process is ending. */
  commitNow(): void {
    this.writer?.commitNow();
  }

  /** The last log position `read` found. */
  get readPosition(): number {
    return this.log?.last ?? 0;
  }

  /** The position of the last entry appended. */
  get position(): number {
    return this.started.position;
  }

  /** Whether the log has grown enough for a new checkpoint to pay. */
  get checkpointDue(): boolean {
    const logBytes = this.logBytes + this.started.appendedBytes - this.markedAt;
    return logBytes > Math.max(MIN_LOG_BYTES, this.checkpointBytes);
  }

  /**
   * A checkpoint will be taken here, at `position`: the next entry starts a new segment, and
   * the log's size counts from here.
   */
  markCheckpoint(): void {
    this.started.rotate();
    this.logBytes = 0;
    this.markedAt = this.started.appendedBytes;
  }

  /**
   * Writes a checkpoint of `chunks` (see the module comment); resolves once it is in use and
   * what it replaces is gone.
   */
  async writeCheckpoint(
    chunks: Iterable<Mutations>,
    info: CheckpointInfo,
    yieldBetween: () => Promise<void>,
  ): Promise<void> {
    this.checkpointBytes = await writeCheckpoint(
      this.dir,
      this.identity,
      chunks,
      info,
      yieldBetween,
    );
    this.checkpointAt = info.at;
    onDisk(this.dir, "remove the checkpoint replaced", () => {
      removeBefore(this.dir, info.at);
      syncDirectory(this.dir);
    });
    this.started.removeThrough(info.at);
  }

  /** Closes the files once everything appended is on disk; resolves to the last position. */
  async close(): Promise<number> {
    await this.writer?.close();
    return this.writer?.position ?? 0;
  }

  private get started(): LogWriter {
    if (this.writer === null) throw new Error("a shard's files are written only after start()");
    return this.writer;
  }
}
