/**
 * A shard's log: segment files in the shard's directory, read once at open and then appended
 * to by one writer, in the shard's thread.
 *
 *   <shard dir>/<position of its first entry, 20 digits>.log
 *
 * A segment is frames (frames.ts): a header `{ format: "swarmstate.segment", version, store,
 * shard, shards, first }`, then one log entry per frame (log-records.ts). Positions run from 1
 * without a gap, within a segment and from one segment to the next. A segment is created whole
 * with its header (a temporary name, fsync, rename, the directory fsynced), so a header never
 * tears, and the writer moves to a new segment only once the old one is on disk.
 *
 * Reading (`readLog`), every rule a refusal:
 * - each header is sound and names this shard and the position its file name says;
 * - positions follow each other, from at most one past the checkpoint's (`after + 1`) to at
 *   least the checkpoint's: a gap means a segment or entries were lost;
 * - a frame that is not sound is damage, except a torn write at the very end of the newest
 *   segment (frames.ts says how the two are told apart): that is where a crash stopped a
 *   write, and what it cut short was never acknowledged with `"sync"`;
 * - a sound frame that does not decode into an entry is damage (no crash writes one).
 *
 * Appending (`LogWriter`): whatever the shard appends in one turn of its event loop is one
 * `write`, and one `fdatasync` makes it durable; while a sync runs, the next turns' entries are
 * written and wait for the next sync, so concurrent batches share a sync (group commit). The
 * writes are synchronous (the bytes reach the page cache before the turn ends, so a thread or
 * process that dies after them loses nothing the machine keeps), the syncs are not (the shard
 * serves while the disk works).
 */
import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { StoreDamagedError } from "../core/errors.js";
import { frame, readFrames } from "./frames.js";
import {
  decode,
  decodeEntry,
  decodeIdentity,
  encode,
  encodeEntry,
  type LogEntry,
  type LogRecord,
  RecordShapeError,
  type ShardIdentity,
} from "./log-records.js";
import { ioError, onDisk } from "./system-error.js";

const FORMAT = "swarmstate.segment";
const VERSION = 1;

/** A segment grows to about this size before the writer starts the next one. */
export const SEGMENT_BYTES = 64 * 2 ** 20;

/** One segment file as read. */
export interface Segment {
  name: string;
  first: number;
  /** Where its last sound frame ends. */
  end: number;
  /** Its size on disk (more than `end` if a torn write or zeros follow). */
  size: number;
}

/** A shard's log as read at open. */
export interface LogOnDisk {
  segments: Segment[];
  /** Entries after `after`, less those a drop entry left out, in order. */
  entries: { at: number; record: LogRecord; bytes: number }[];
  /** The last position in the log (`after` if none is later). */
  last: number;
  /** A torn write at the end of the newest segment, to be cut off before appending. */
  torn: { segment: string; offset: number; problem: string } | null;
}

/** The file name of the segment whose first entry is at `first`. */
export function segmentName(first: number): string {
  return `${String(first).padStart(20, "0")}.log`;
}

/**
 * Reads every segment in `dir`; `after` is the last position the checkpoint holds.
 * @throws StoreDamagedError naming the file, the offset and what is wrong.
 */
export function readLog(dir: string, identity: ShardIdentity, after: number): LogOnDisk {
  const names = numberedFiles(dir, ".log");
  const log: LogOnDisk = { segments: [], entries: [], last: after, torn: null };
  const dropped = new Set<number>();
  let next = -1; // the position the next entry must have; -1 before the first segment
  names.forEach(([name, first], index) => {
    const path = join(dir, name);
    const damaged = (offset: number, problem: string) =>
      new StoreDamagedError(path, `at byte ${offset}: ${problem}`);
    if (next === -1 && first > after + 1) {
      throw damaged(0, `the log starts at entry ${first}, the checkpoint ends at ${after}`);
    }
    if (next !== -1 && first !== next) {
      throw damaged(0, `the segment starts at entry ${first}, the one before ends at ${next - 1}`);
    }
    const bytes = onDisk(path, "read a segment", () => readFileSync(path));
    const { frames, tail } = readFrames(bytes);
    const [header, ...rest] = frames;
    if (header === undefined) {
      const why = tail.kind !== "end" ? tail.problem : bytes.length === 0 ? "empty" : "only zeros";
      throw damaged(0, `no sound header (${why})`);
    }
    checkHeader(header.payload, identity, first, (problem) => damaged(0, problem));
    next = first;
    for (const { offset, payload } of rest) {
      let entry: LogEntry;
      try {
        entry = decodeEntry(payload);
      } catch (error) {
        if (error instanceof RecordShapeError) throw damaged(offset, error.message);
        throw error;
      }
      if (entry.at !== next) throw damaged(offset, `entry ${entry.at} where ${next} belongs`);
      next++;
      const { record } = entry;
      if (record.kind === "drop") {
        for (const at of record.dropped) {
          if (at >= entry.at) throw damaged(offset, `a drop of entry ${at}, not before it`);
          dropped.add(at);
        }
      } else if (entry.at > after) {
        log.entries.push({ at: entry.at, record, bytes: payload.length });
      }
    }
    const newest = index === names.length - 1;
    if (tail.kind === "damaged" || (tail.kind === "torn" && !newest)) {
      throw damaged(tail.offset, tail.problem);
    }
    if (tail.kind === "torn")
      log.torn = { segment: name, offset: tail.offset, problem: tail.problem };
    log.segments.push({ name, first, end: tail.offset, size: bytes.length });
  });
  if (next !== -1 && next - 1 < after) {
    throw new StoreDamagedError(
      dir,
      `the log ends at entry ${next - 1}, before its checkpoint's last entry ${after}`,
    );
  }
  log.last = Math.max(after, next - 1);
  log.entries = log.entries.filter(({ at }) => !dropped.has(at));
  return log;
}

/** Files in `dir` named `<20 digits><suffix>`, with their numbers, in order. */
export function numberedFiles(dir: string, suffix: string): [name: string, n: number][] {
  const pattern = new RegExp(`^(\\d{20})${suffix.replace(".", "\\.")}$`);
  const files: [string, number][] = [];
  for (const name of onDisk(dir, "list the shard's files", () => entriesOf(dir))) {
    const match = pattern.exec(name);
    if (match?.[1] !== undefined) files.push([name, Number(match[1])]);
  }
  return files.sort((a, b) => a[1] - b[1]);
}

/** The names in `dir`; none if it does not exist (a shard not yet created, or lost). */
function entriesOf(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
}

function checkHeader(
  payload: Buffer,
  identity: ShardIdentity,
  first: number,
  damaged: (problem: string) => StoreDamagedError,
): void {
  try {
    const header = decode(payload, "the header") as Record<string, unknown>;
    if (header?.format !== FORMAT || header.version !== VERSION) {
      throw damaged(
        `the header says ${JSON.stringify(header?.format)} version ${String(header?.version)}, not ${FORMAT} version ${VERSION}`,
      );
    }
    const found = decodeIdentity(header, "the header");
    for (const field of ["shard", "shards", "store"] as const) {
      if (found[field] !== identity[field]) {
        throw damaged(`the header's ${field} is ${found[field]}, expected ${identity[field]}`);
      }
    }
    if (header.first !== first)
      throw damaged(`the header says it starts at entry ${String(header.first)}`);
  } catch (error) {
    if (error instanceof RecordShapeError) throw damaged(error.message);
    throw error;
  }
}

/** One turn's entries: written together, acknowledged together once synced. */
interface Group {
  frames: Buffer[];
  done: Promise<void>;
  settle: (error?: Error) => void;
}

/** Makes a file's creation or renaming in `dir` durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Appends to a shard's log (see the module comment). States: idle; a group `pending` (a write
 * is scheduled for the end of the turn); groups `syncing` (one `fdatasync` runs, and groups
 * written meanwhile wait in `written` for the next). `failure`: the disk refused a write or a
 * sync, after which nothing more is appended (a failed fsync leaves the page cache in doubt).
 */
export class LogWriter {
  private fd: number | null = null;
  private segment: { name: string; first: number } | null;
  private end: number;
  /** The newest segment's size when read, and the torn write found there. */
  private readonly size: number;
  private readonly torn: LogOnDisk["torn"];
  private last: number;
  /** The next write goes to a new segment. */
  private rotating = false;
  private pending: Group | null = null;
  private written: Group[] = [];
  private syncing: Promise<void> | null = null;
  private failure: Error | null = null;
  private appended = 0;

  constructor(
    private readonly dir: string,
    private readonly identity: ShardIdentity,
    log: Pick<LogOnDisk, "segments" | "last" | "torn">,
  ) {
    const newest = log.segments.at(-1);
    this.segment = newest === undefined ? null : { name: newest.name, first: newest.first };
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

  /** Appends `record` at the next position; resolves once it is on disk. */
  append(record: LogRecord | { kind: "drop"; dropped: number[] }): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const bytes = frame(encodeEntry({ at: ++this.last, record }));
    this.appended += bytes.length;
    if (this.pending === null) {
      this.pending = group();
      setImmediate(() => this.writePending());
    }
    this.pending.frames.push(bytes);
    return this.pending.done;
  }

  /** The next entry starts a new segment (so that a checkpoint ending here can drop the old). */
  rotate(): void {
    this.rotating = true;
  }

  /** Resolves once everything appended so far is on disk. */
  async flushed(): Promise<void> {
    await Promise.all([this.pending?.done, ...this.written.map((g) => g.done), this.syncing]);
  }

  /** Writes and syncs everything appended so far before returning (the process is ending). */
  commitNow(): void {
    const groups = [...this.written];
    this.written = [];
    if (this.pending !== null) {
      groups.push(this.pending);
      this.writePending(true);
      this.written = [];
    }
    if (this.fd === null || this.failure !== null) return;
    try {
      fdatasyncSync(this.fd);
    } catch (error) {
      this.fail(error as Error, "sync the log");
      for (const g of groups) g.settle(this.failure ?? undefined);
      return;
    }
    for (const g of groups) g.settle();
  }

  /**
   * Opens the newest segment for appending at the end of its last sound frame (a torn write
   * after it must have been cut off), or creates the first one of a new shard's log now, so
   * that the shard exists on disk from its first open.
   */
  start(): void {
    if (this.segment === null) {
      this.openSegment(this.last + 1);
      return;
    }
    const path = join(this.dir, this.segment.name);
    this.fd = onDisk(path, "open the log", () => openSync(path, "r+"));
    if (this.size === this.end) return;
    const fd = this.fd;
    onDisk(path, "cut off a torn write", () => {
      if (this.torn !== null) {
        // Kept aside, never destroyed: it is what a crash cut short, or damage that looks so.
        const bytes = Buffer.alloc(this.size - this.end);
        readSync(fd, bytes, 0, bytes.length, this.end);
        const aside = `${path}.torn-${this.end}`;
        writeFileSync(aside, bytes, { flush: true });
      }
      ftruncateSync(fd, this.end);
      fdatasyncSync(fd);
      syncDirectory(this.dir);
    });
  }

  /**
   * Deletes the segments whose every entry is at or before `at` (a checkpoint holds them),
   * keeping the newest.
   */
  removeThrough(at: number): void {
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

  /** Writes the pending group; with `now`, leaves its sync to the caller. */
  private writePending(now = false): void {
    const g = this.pending;
    if (g === null) return;
    if (!now && this.syncing !== null && this.mustRotate()) return; // after the sync (below)
    this.pending = null;
    if (this.failure !== null) {
      g.settle(this.failure);
      return;
    }
    try {
      // As the process ends, a sync may still run on the current segment: no rotating then.
      if (this.fd === null || (!now && this.mustRotate())) {
        this.openSegment(this.last - g.frames.length + 1);
      }
      const bytes = Buffer.concat(g.frames);
      let done = 0;
      while (done < bytes.length) {
        done += writeSync(this.fd as number, bytes, done, bytes.length - done, this.end + done);
      }
      this.end += bytes.length;
    } catch (error) {
      this.fail(error as Error, "append to the log");
      g.settle(this.failure ?? undefined);
      return;
    }
    this.written.push(g);
    if (!now) this.syncWritten();
  }

  private mustRotate(): boolean {
    return this.fd === null || this.rotating || this.end >= SEGMENT_BYTES;
  }

  private syncWritten(): void {
    if (this.syncing !== null || this.written.length === 0) return;
    const groups = this.written;
    this.written = [];
    const fd = this.fd as number;
    this.syncing = new Promise<void>((resolve) => {
      fdatasync(fd, (error) => {
        if (error !== null) this.fail(error, "sync the log");
        for (const g of groups) g.settle(error === null ? undefined : (this.failure ?? undefined));
        this.syncing = null;
        resolve();
        this.writePending(); // a group held back for a new segment
        this.syncWritten();
      });
    });
  }

  /** Starts the segment whose first entry is at `first`, the current one being on disk. */
  private openSegment(first: number): void {
    if (this.fd !== null) {
      fdatasyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
    }
    const name = segmentName(first);
    const path = join(this.dir, name);
    const temporary = `${path}.tmp`;
    const header = frame(encode({ format: FORMAT, version: VERSION, ...this.identity, first }));
    const fd = openSync(temporary, "w");
    try {
      writeSync(fd, header);
      fdatasyncSync(fd);
      renameSync(temporary, path);
      syncDirectory(this.dir);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
    this.fd = fd;
    this.segment = { name, first };
    this.end = header.length;
    this.rotating = false;
  }

  private fail(error: Error, doing: string): void {
    this.failure ??= ioError(join(this.dir, this.segment?.name ?? ""), doing, error);
  }
}

function group(): Group {
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  done.catch(() => {}); // its callers hear of a failure through the promise they hold
  return { frames: [], done, settle };
}
