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
 * Appending is log-writer.ts's.
 */
import { openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { StoreDamagedError } from "../core/errors.js";
import { frame, readFrames } from "./frames.js";
import {
  damagedAt,
  decodeEntry,
  decodeHeader,
  encode,
  type LogRecord,
  readAt,
  type ShardIdentity,
} from "./log-records.js";
import { onDisk } from "./system-error.js";
import { writeWhole } from "./whole-file.js";

const FORMAT = "swarmstate.segment";
const VERSION = 1;

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
  return numberedName(first, ".log");
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
    const damaged = (offset: number, problem: string) => damagedAt(path, offset, problem);
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
    const { first: named } = readAt(path, 0, () =>
      decodeHeader(header.payload, FORMAT, VERSION, identity),
    );
    if (named !== first) throw damaged(0, `the header says it starts at entry ${String(named)}`);
    next = first;
    for (const { offset, payload } of rest) {
      const entry = readAt(path, offset, () => decodeEntry(payload));
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

/** The name `<n, 20 digits><suffix>`, sorting as `n` does. */
export function numberedName(n: number, suffix: string): string {
  return `${String(n).padStart(20, "0")}${suffix}`;
}

/** Files in `dir` named `<20 digits><suffix>` (`numberedName`), with their numbers, in order. */
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

/**
 * Creates the segment whose first entry is at `first`, whole with its header (see the module
 * comment); returns it open for appending, and where its header ends.
 * @throws StoreIOError if the file system refuses; nothing is left of it then.
 */
export function createSegment(
  dir: string,
  identity: ShardIdentity,
  first: number,
): { fd: number; name: string; end: number } {
  const name = segmentName(first);
  const path = join(dir, name);
  const header = frame(encode({ format: FORMAT, version: VERSION, ...identity, first }));
  return onDisk(path, "start a log segment", () => {
    writeWhole(dir, name, header);
    return { fd: openSync(path, "r+"), name, end: header.length };
  });
}
