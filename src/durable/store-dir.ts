/**
 * A durable store's directory, as the store's own thread sees it:
 *
 *   <path>/swarmstate.json   { "format": "swarmstate.store", "version": 2, "store": <id>,
 *                              "shards": <n> }, written once (atomically) at creation
 *   <path>/lock/             claims on the store, held while one has it open (process-lock.ts)
 *   <path>/reached.json      how far each shard's log had reached (reached.ts)
 *   <path>/shard-<i>/        shard i's files, owned by its thread (shard-files.ts)
 *
 * Opening checks, in this order, each refusal naming the path: a path that is not a directory,
 * or a non-empty directory without `swarmstate.json`, is not a store (`NotAStoreError`); an
 * unreadable or foreign `swarmstate.json` is damage (`StoreDamagedError`); an explicit shard
 * count other than the one on disk is a `RangeError` naming both; a store open elsewhere is
 * `StoreLockedError`; a file system that refuses (read-only, permissions) is `StoreIOError`.
 * An empty or missing directory becomes a new store; a refused open leaves nothing it created.
 */
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { NotAStoreError, StoreDamagedError } from "../core/errors.js";
import { LOCK_DIR, lockStore } from "./process-lock.js";
import { readReached, writeReached } from "./reached.js";
import { onDisk } from "./system-error.js";
import { writeWhole } from "./whole-file.js";

const MARKER = "swarmstate.json";
const FORMAT = "swarmstate.store";
/** Version 2: shards on logs of our own (shard-files.ts). */
const VERSION = 2;
/** Shards in lmdb environments: never released, refused with a message saying so. */
const LMDB_VERSION = 1;

export interface StoreDirectory {
  /** The directory, absolute. */
  path: string;
  /** The store's id, the same across reopenings. */
  store: string;
  /** Shards on disk. */
  shards: number;
  /** How far each shard's log had reached (reached.ts), or `null` if that is not known. */
  reached: number[] | null;
  /** Records how far each shard's log has reached, all of it on disk. */
  recordReached(positions: readonly number[]): void;
  /** Where shard `i`'s files live. */
  shardDir(shard: number): string;
  /** Lets another store open it. */
  unlock(): void;
}

/** The shard counts a store may have. */
export interface ShardCounts {
  /** The count asked for (`null`: the count on disk, or `fallback` for a new store). */
  shards: number | null;
  fallback: number;
  /** The most a store may have: a marker saying more is damage, refused before any starts. */
  max: number;
}

/** Opens (or creates) the store at `path`. */
export function openStoreDirectory(
  path: string,
  { shards, fallback, max }: ShardCounts,
): StoreDirectory {
  const dir = resolve(path);
  const marker = readMarker(dir, max);
  const count = marker?.shards ?? shards ?? fallback;
  if (marker !== null && shards !== null && shards !== marker.shards) {
    throw new RangeError(
      `options.shards: the store at ${dir} has ${marker.shards} shards, not ${shards} ` +
        "(reopen it without shards to use the count on disk)",
    );
  }
  // The first directory this call creates, if any: a refused open removes it again.
  const created = onDisk(dir, "create the store's directory", () =>
    mkdirSync(dir, { recursive: true }),
  );
  const forget = () => {
    if (created !== undefined) rmSync(created, { recursive: true, force: true });
  };
  let unlock: () => void;
  try {
    unlock = onDisk(dir, "take the store's lock", () => lockStore(dir));
  } catch (error) {
    forget();
    throw error;
  }
  let store = marker?.store;
  if (store === undefined) {
    store = randomUUID();
    const text = `${JSON.stringify({ format: FORMAT, version: VERSION, store, shards: count })}\n`;
    try {
      // Synced, like the shards' files: a marker lost beside them would read as damage.
      onDisk(dir, `write ${MARKER}`, () => writeWhole(dir, MARKER, text));
    } catch (error) {
      unlock();
      forget();
      throw error;
    }
  }
  let reached: number[] | null;
  try {
    reached = marker === null ? null : readReached(dir, store, count);
  } catch (error) {
    unlock();
    throw error;
  }
  return {
    path: dir,
    store,
    shards: count,
    reached,
    recordReached: (positions) => writeReached(dir, store as string, positions),
    shardDir: (shard) => join(dir, `shard-${shard}`),
    unlock,
  };
}

interface Marker {
  store: string;
  shards: number;
}

/** What directory `dir` holds, or `null` where it does not exist. */
function entriesOf(dir: string): string[] | null {
  try {
    if (!statSync(dir).isDirectory()) {
      throw new NotAStoreError(dir, `${dir}: not a directory, so not a swarmstate store`);
    }
    return readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The marker of the store at `dir`, or `null` where a new store may be created. */
function readMarker(dir: string, max: number): Marker | null {
  const entries = onDisk(dir, "read the store's directory", () => entriesOf(dir));
  if (entries === null) return null;
  if (!entries.includes(MARKER)) {
    // A store being created when its process died has only its lock, or nothing at all.
    if (entries.every((entry) => entry === LOCK_DIR || entry.startsWith(`${MARKER}.tmp`)))
      return null;
    if (entries.some((entry) => /^shard-\d+$/.test(entry))) {
      throw new StoreDamagedError(dir, `${MARKER} is missing, but shard directories are here`);
    }
    throw new NotAStoreError(
      dir,
      `${dir}: not a swarmstate store (it holds files but no ${MARKER}); choose an empty directory`,
    );
  }
  let marker: { format?: unknown; version?: unknown; store?: unknown; shards?: unknown };
  const text = onDisk(dir, `read ${MARKER}`, () => readFileSync(join(dir, MARKER), "utf8"));
  try {
    marker = JSON.parse(text);
  } catch (error) {
    throw new StoreDamagedError(dir, `${MARKER} is not readable JSON`, { cause: error });
  }
  if (marker.format === FORMAT && marker.version === LMDB_VERSION) {
    throw new NotAStoreError(
      dir,
      `${dir}: a store in the lmdb format of an unreleased build (${FORMAT} version ` +
        `${LMDB_VERSION}), which this version cannot read`,
    );
  }
  if (marker.format !== FORMAT || marker.version !== VERSION) {
    throw new StoreDamagedError(
      dir,
      `${MARKER} says ${JSON.stringify(marker.format)} version ${String(marker.version)}, not ${FORMAT} version ${VERSION}`,
    );
  }
  if (typeof marker.store !== "string" || !Number.isInteger(marker.shards)) {
    throw new StoreDamagedError(dir, `${MARKER} lacks the store's id or shard count`);
  }
  const count = marker.shards as number;
  if (count < 1 || count > max) {
    throw new StoreDamagedError(dir, `${MARKER} says ${count} shards; a store has 1 to ${max}`);
  }
  return { store: marker.store, shards: marker.shards as number };
}
