/**
 * How far each shard's log had reached, kept outside the shards, so that a shard whose files
 * went missing or were put back from an older copy is refused rather than opened as less:
 *
 *   <path>/reached.json   { "format": "swarmstate.reached", "version": 1, "store": <id>,
 *                           "positions": [<shard 0's last log entry>, …] }
 *
 * Written whole (a temporary name, fsync, rename, the directory fsynced) once every shard has
 * opened, and again at a clean close, each time with positions that are on disk. A shard's
 * log only grows (recovery appends a drop entry rather than removing entries), so a shard
 * found behind its position, or without files at all, lost them: no crash explains it.
 *
 * Absent, it says nothing: the store was being created when its process ended (its shards may
 * then lack files too, and start empty), or it was deleted, which loosens the check, never
 * refuses. Unreadable, or naming another store, it is damage.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { StoreDamagedError } from "../core/errors.js";
import { onDisk } from "./system-error.js";
import { writeWhole } from "./whole-file.js";

const FILE = "reached.json";
const FORMAT = "swarmstate.reached";
const VERSION = 1;

/** Each shard's position, or `null` where none was written. */
export function readReached(dir: string, store: string, shards: number): number[] | null {
  const path = join(dir, FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    return onDisk(path, `read ${FILE}`, () => {
      throw error;
    });
  }
  let found: { format?: unknown; version?: unknown; store?: unknown; positions?: unknown };
  try {
    found = JSON.parse(text);
  } catch (error) {
    throw new StoreDamagedError(path, `${FILE} is not readable JSON`, { cause: error });
  }
  const { positions } = found;
  if (found.format !== FORMAT || found.version !== VERSION || found.store !== store) {
    throw new StoreDamagedError(path, `${FILE} is not ${FORMAT} version ${VERSION} of this store`);
  }
  if (
    !Array.isArray(positions) ||
    positions.length !== shards ||
    !positions.every((n) => Number.isSafeInteger(n) && n >= 0)
  ) {
    throw new StoreDamagedError(path, `${FILE} lacks a position for each of the ${shards} shards`);
  }
  return positions as number[];
}

/** Records `positions`, each on its shard's disk (see the module comment). */
export function writeReached(dir: string, store: string, positions: readonly number[]): void {
  const text = `${JSON.stringify({ format: FORMAT, version: VERSION, store, positions })}\n`;
  onDisk(join(dir, FILE), `write ${FILE}`, () => writeWhole(dir, FILE, text));
}
