/**
 * The guard that lets one store at a time open a directory: the file system lets any number of
 * processes (and of stores in one process) open the same files, which two stores appending to
 * one log would corrupt.
 *
 * The guard is a file, `LOCK`, created exclusively (`O_EXCL`), holding the owner's pid and the
 * time that process started (Linux: from /proc; elsewhere unknown). A lock whose process is gone
 * (or whose pid now belongs to a process started at another time) is stale and taken over: the
 * file is renamed aside, checked again (another process may have taken it over first, and is
 * then given it back), and created anew. A crash therefore never leaves a store locked, and no
 * timer is involved. Stores of this process are tracked in memory as well, so a second `Store`
 * on an open path is refused too.
 *
 * Limit: pids are compared within one pid namespace (one machine, not two containers sharing a
 * volume).
 */
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StoreLockedError } from "../core/errors.js";

const held = new Set<string>();

interface Owner {
  pid: number;
  started: string | null;
}

/** Takes the lock of store directory `dir`; returns what releases it. */
export function lockStore(dir: string): () => void {
  if (held.has(dir)) throw locked(dir, "by another Store of this process");
  const file = join(dir, "LOCK");
  const me = `${JSON.stringify({ pid: process.pid, started: startTimeOf(process.pid) })}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, me, { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt > 4) throw error;
    }
    const owner = ownerIn(file);
    if (owner !== null && isAlive(owner)) throw locked(dir, `by process ${owner.pid}`);
    takeOverStale(file);
  }
  held.add(dir);
  return () => {
    held.delete(dir);
    rmSync(file, { force: true });
  };
}

/** Moves a stale lock aside; puts it back if it turned out to be live (taken over meanwhile). */
function takeOverStale(file: string): void {
  const aside = `${file}.stale.${process.pid}`;
  try {
    renameSync(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return; // someone else moved it
    throw error;
  }
  const owner = ownerIn(aside);
  if (owner !== null && isAlive(owner)) {
    try {
      linkSync(aside, file); // give it back; fails if yet another lock appeared meanwhile
    } catch {}
  }
  rmSync(aside, { force: true });
}

function ownerIn(file: string): Owner | null {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Owner;
  } catch {
    return null; // unreadable or half-written by a crash: nobody holds it
  }
}

function isAlive({ pid, started }: Owner): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, another user's
  }
  const now = startTimeOf(pid);
  return started === null || now === null || now === started;
}

/** When process `pid` started, in clock ticks since boot (Linux), or `null` where unknown. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22; the command name (field 2) may hold spaces, so count from its closing paren.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null;
  } catch {
    return null;
  }
}

function locked(dir: string, by: string): StoreLockedError {
  return new StoreLockedError(dir, `${dir}: the store is already open, ${by}`);
}
