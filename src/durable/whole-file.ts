/**
 * Files written whole: under a temporary name, synced, renamed into place, and the directory
 * synced, so that a crash leaves either the old file or the new one, never part of one, and the
 * new name survives the machine going down. A temporary file a crash left behind is never read.
 */
import {
  closeSync,
  fdatasyncSync,
  fsyncSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** Makes a file's creation, renaming or removal in `dir` durable. */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `bytes` as `dir/name` (see the module comment). System errors are thrown as they are;
 * nothing of the temporary file is left then.
 */
export function writeWhole(dir: string, name: string, bytes: Uint8Array | string): void {
  const path = join(dir, name);
  const temporary = `${path}.tmp`;
  writeSynced(temporary, bytes, "w");
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  syncDirectory(dir);
}

/**
 * Writes `bytes` as the file `path` (`flag` "wx": only if it does not exist) and syncs its data;
 * a failure leaves no file behind (one that existed is gone then too, with "w").
 */
export function writeSynced(path: string, bytes: Uint8Array | string, flag: "w" | "wx"): void {
  try {
    const fd = openSync(path, flag);
    try {
      writeSync(fd, typeof bytes === "string" ? Buffer.from(bytes) : bytes);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") rmSync(path, { force: true });
    throw error;
  }
}
