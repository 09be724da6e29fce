/**
 * A shard's checkpoint: the whole shard as a script (core/replay/shard-script.ts) as of a log
 * position, in one file, so that the log before it can go.
 *
 *   <shard dir>/<the last log position it holds, 20 digits>.checkpoint
 *
 * Frames (frames.ts): a header `{ format: "swarmstate.checkpoint", version, store, shard,
 * shards, info }` (`CheckpointInfo`, log-records.ts), one frame per chunk of the script
 * (mutations), and a footer `{ chunks }`.
 *
 * A checkpoint is written whole under a temporary name, synced, renamed into place and the
 * directory synced; only then are the checkpoint before it and the segments it holds removed.
 * So the newest checkpoint is always whole, and one that does not read is damage; an older one
 * or a temporary file is what a crash left between those steps, removed at the next open.
 */
import {
  closeSync,
  fdatasync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Mutations } from "../core/replay/mutations.js";
import { frame, readFrames } from "./frames.js";
import {
  type CheckpointInfo,
  damagedAt,
  decode,
  decodeCheckpointInfo,
  decodeHeader,
  encode,
  mutationsFromDisk,
  mutationsToDisk,
  RecordShapeError,
  readAt,
  type ShardIdentity,
} from "./log-records.js";
import { numberedFiles, numberedName } from "./segments.js";
import { ioError, onDisk } from "./system-error.js";
import { syncDirectory } from "./whole-file.js";

const FORMAT = "swarmstate.checkpoint";
const VERSION = 1;
const SUFFIX = ".checkpoint";

/** Bytes gathered before each write while a checkpoint is written. */
const WRITE_BYTES = 2 ** 20;

const sync = promisify(fdatasync);

/** A checkpoint as read: what it holds besides the script, and the script's chunks. */
export interface CheckpointOnDisk {
  info: CheckpointInfo;
  /** Its size in bytes. */
  bytes: number;
  /** Its chunks, each decoded and checked as it is taken. */
  chunks(): Generator<Mutations>;
}

/**
 * The newest checkpoint in `dir`, or null if there is none.
 * @throws StoreDamagedError if it does not read whole, or belongs to another shard.
 */
export function readCheckpoint(dir: string, identity: ShardIdentity): CheckpointOnDisk | null {
  const newest = numberedFiles(dir, SUFFIX).at(-1);
  if (newest === undefined) return null;
  const [name, at] = newest;
  const path = join(dir, name);
  const bytes = onDisk(path, "read the checkpoint", () => readFileSync(path));
  const damaged = (offset: number, problem: string) => damagedAt(path, offset, problem);
  const { frames, tail } = readFrames(bytes);
  if (tail.kind !== "end" || tail.offset !== bytes.length) {
    throw damaged(tail.offset, tail.kind === "end" ? "zeros where a frame belongs" : tail.problem);
  }
  const header = frames[0];
  const footer = frames.at(-1);
  if (header === undefined || footer === undefined || frames.length < 2) {
    throw damaged(0, "it lacks its header or footer");
  }
  const info = readAt(path, 0, () => {
    const fields = decodeHeader(header.payload, FORMAT, VERSION, identity);
    return decodeCheckpointInfo(fields.info, "the header's info");
  });
  if (info.at !== at) throw damaged(0, `the header says it holds the log to ${info.at}`);
  const chunks = frames.slice(1, -1);
  readAt(path, footer.offset, () => {
    const fields = decode(footer.payload, "the footer") as Record<string, unknown>;
    if (fields?.chunks !== chunks.length) {
      throw new RecordShapeError(
        `the footer counts ${String(fields?.chunks)} chunks, not ${chunks.length}`,
      );
    }
  });
  return {
    info,
    bytes: bytes.length,
    *chunks() {
      for (const { offset, payload } of chunks) {
        yield readAt(path, offset, () =>
          mutationsFromDisk(decode(payload, "a chunk"), "the chunk"),
        );
      }
    },
  };
}

/**
 * Writes a checkpoint of `chunks` as `info` says (see the module comment), calling
 * `yieldBetween` now and then so the shard can serve. Resolves, with its size, once it is in
 * place and durable; the checkpoint before it is then removed by `removeBefore`.
 */
export async function writeCheckpoint(
  dir: string,
  identity: ShardIdentity,
  chunks: Iterable<Mutations>,
  info: CheckpointInfo,
  yieldBetween: () => Promise<void>,
): Promise<number> {
  const path = join(dir, numberedName(info.at, SUFFIX));
  const temporary = `${path}.tmp`;
  const fd = onDisk(temporary, "create a checkpoint", () => openSync(temporary, "w"));
  try {
    await writeWhole(fd, temporary, identity, chunks, info, yieldBetween);
  } catch (error) {
    rmSync(temporary, { force: true }); // a full disk, say: nothing is left of it
    throw error;
  } finally {
    closeSync(fd);
  }
  onDisk(dir, "put a checkpoint in place", () => {
    renameSync(temporary, path);
    syncDirectory(dir);
  });
  return statSync(path).size;
}

/** Writes a checkpoint's frames to `fd`, then syncs it. */
async function writeWhole(
  fd: number,
  temporary: string,
  identity: ShardIdentity,
  chunks: Iterable<Mutations>,
  info: CheckpointInfo,
  yieldBetween: () => Promise<void>,
): Promise<void> {
  let buffered: Buffer[] = [];
  let bufferedBytes = 0;
  const flush = () => {
    const bytes = Buffer.concat(buffered);
    buffered = [];
    bufferedBytes = 0;
    onDisk(temporary, "write a checkpoint", () => {
      for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done);
    });
  };
  const write = (bytes: Buffer) => {
    buffered.push(bytes);
    bufferedBytes += bytes.length;
    if (bufferedBytes >= WRITE_BYTES) flush();
  };
  write(frame(encode({ format: FORMAT, version: VERSION, ...identity, info })));
  let count = 0;
  for (const chunk of chunks) {
    write(frame(encode(mutationsToDisk(chunk))));
    if (++count % 64 === 0) await yieldBetween();
  }
  write(frame(encode({ chunks: count })));
  flush();
  await sync(fd).catch((error: Error) => {
    throw ioError(temporary, "sync a checkpoint", error);
  });
}

/** Removes the checkpoints older than the one at `at`. */
export function removeBefore(dir: string, at: number): void {
  for (const [name, n] of numberedFiles(dir, SUFFIX)) {
    if (n < at) onDisk(dir, "remove an old checkpoint", () => rmSync(join(dir, name)));
  }
}
