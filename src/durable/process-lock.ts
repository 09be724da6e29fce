/**
 * The guard that lets one store at a time open a directory: the file system lets any number of
 * processes (and of stores in one process) open the same files, which two stores appending to
 * one log would corrupt.
 *
 * The guard is a series of numbered claims, `<path>/lock/<20 digits>.claim`. Each is created
 * whole and exclusively (written and synced under a temporary name, then hard-linked to its
 * number: `link` fails if the number is taken) and never changed; it names a process (pid, the
 * time it started, the boot it started in) or says the lock is free.
 *
 * **The holder is the process the highest claim names, while that process lives.** To take the
 * lock: list the claims and read the highest, n; if it names a live process, refused. Else link
 * a claim of one's own as n + 1 (the number taken: someone else was first, start again); list
 * again, and if a claim above n + 1 exists, this one lost (it took a number the cleanup below had
 * freed) and is removed. To release: link a free claim above one's own, then remove one's own.
 * The holder removes the claims below its own, and the temporary files of processes gone.
 *
 * Why there is never more than one holder: a claim is removed only once a higher one exists, so
 * the highest number never goes down, and a claim linked below it finds the higher one when it
 * lists again; n + 1 is linked only over a claim n that names a process gone (or none), and a
 * live process is never judged gone. Every step is one atomic call, so a process killed between
 * any two leaves no claim of its own, a claim below the highest, or the highest claim naming a
 * dead process: stale, taken over by the next opener. No timer is involved.
 *
 * Stores of this process are tracked in memory as well, so a second `Store` on an open path is
 * refused with a clearer message. Limit: pids are compared within one pid namespace (one
 * machine, not two containers sharing a volume).
 */
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { StoreDamagedError, StoreLockedError } from "../core/errors.js";
import { numberedName } from "./segments.js";
import { writeSynced } from "./whole-file.js";

/** The lock's directory, inside the store's. */
export const LOCK_DIR = "lock";
const SUFFIX = ".claim";
const CLAIM = /^(\d{20})\.claim$/;
const TEMPORARY = /^tmp-(\d+)-/;

/** The steps of taking and releasing the lock, each one file system call (for tests). */
export type LockStep = "write" | "link" | "list" | "clean" | "write-free" | "free" | "remove";

export interface LockOptions {
  /** Called before each step: tests kill the process there. */
  beforeStep?: (step: LockStep) => void;
}

/** Who a claim names. */
interface Owner {
  pid: number;
  /** When the process started, in clock ticks since boot (Linux), or `null` where unknown. */
  started: string | null;
  /** The boot it started in (Linux), or `null` where unknown. */
  boot: string | null;
}

type Claim = Owner | { free: true };

const held = new Set<string>();
/** This boot's id, read at the first lock (it cannot change while the process runs). */
let thisBoot: string | null = null;

/** Takes the lock of store directory `dir`; returns what releases it. */
export function lockStore(dir: string, { beforeStep = () => {} }: LockOptions = {}): () => void {
  if (held.has(dir)) throw locked(dir, "by another Store of this process");
  const claims = join(dir, LOCK_DIR);
  mkdirSync(claims, { recursive: true });
  thisBoot ??= bootId();
  const me: Owner = { pid: process.pid, started: startTimeOf(process.pid), boot: thisBoot };
  beforeStep("write");
  const mine = writeTemporary(claims, me);
  let number: number;
  try {
    number = take(dir, claims, mine, beforeStep);
  } finally {
    rmSync(mine, { force: true });
  }
  held.add(dir);
  const release = () => {
    held.delete(dir);
    beforeStep("write-free");
    const free = writeTemporary(claims, { free: true });
    try {
      beforeStep("free");
      linkSync(free, join(claims, numberedName(number + 1, SUFFIX)));
    } finally {
      rmSync(free, { force: true });
    }
    beforeStep("remove");
    rmSync(join(claims, numberedName(number, SUFFIX)), { force: true });
  };
  try {
    beforeStep("clean");
    clean(claims, number);
  } catch (error) {
    release();
    throw error;
  }
  return release;
}

/** Links `mine` above the highest claim once that claim is stale; returns its number. */
function take(dir: string, claims: string, mine: string, beforeStep: (step: LockStep) => void) {
  for (;;) {
    const highest = claimsIn(claims).at(-1) ?? 0;
    if (highest > 0) {
      const claim = readClaim(dir, claims, highest);
      if (claim === undefined) continue; // removed since: a higher one exists now
      if (!("free" in claim) && isAlive(claim)) throw locked(dir, `by process ${claim.pid}`);
    }
    const number = highest + 1;
    const name = join(claims, numberedName(number, SUFFIX));
    try {
      beforeStep("link");
      linkSync(mine, name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue; // someone else was first
      throw error;
    }
    beforeStep("list");
    if ((claimsIn(claims).at(-1) ?? 0) === number) return number;
    rmSync(name, { force: true }); // a number freed by cleanup, below a higher claim: lost
  }
}

/** Removes the claims below `number`, and temporary files whose process is gone. */
function clean(claims: string, number: number): void {
  for (const n of claimsIn(claims)) {
    if (n < number) rmSync(join(claims, numberedName(n, SUFFIX)), { force: true });
  }
  for (const name of readdirSync(claims)) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid !== undefined && !isAlive({ pid: Number(pid), started: null, boot: null })) {
      rmSync(join(claims, name), { force: true });
    }
  }
}

/** Writes `claim` to a temporary file of this process, synced (see the module comment). */
function writeTemporary(claims: string, claim: Claim): string {
  const path = join(claims, `tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  // Synced before it is linked: a claim is never read empty after the machine went down.
  writeSynced(path, `${JSON.stringify(claim)}\n`, "wx");
  return path;
}

/** The claims' numbers, lowest first. */
function claimsIn(claims: string): number[] {
  const numbers: number[] = [];
  for (const name of readdirSync(claims)) {
    const digits = CLAIM.exec(name)?.[1];
    if (digits !== undefined) numbers.push(Number(digits));
  }
  return numbers.sort((a, b) => a - b);
}

/** Claim `n`, or `undefined` where it was removed since it was listed. */
function readClaim(dir: string, claims: string, n: number): Claim | undefined {
  const path = join(claims, numberedName(n, SUFFIX));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const claim = parseClaim(text);
  if (claim === null) {
    // Claims are written whole before they get a name: this one was changed by someone else.
    throw new StoreDamagedError(
      dir,
      `${path} is not a lock claim; remove it once no process has the store open`,
    );
  }
  return claim;
}

function parseClaim(text: string): Claim | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const { pid, started, boot, free } = value as Record<string, unknown>;
  if (free === true) return { free: true };
  const known = (field: unknown) => field === null || typeof field === "string";
  if (!Number.isSafeInteger(pid) || (pid as number) <= 0 || !known(started) || !known(boot)) {
    return null;
  }
  return { pid: pid as number, started: started as string | null, boot: boot as string | null };
}

/** Whether the process a claim names still runs (a pid reused since is another process). */
function isAlive({ pid, started, boot }: Owner): boolean {
  if (boot !== null && thisBoot !== null && boot !== thisBoot) return false;
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

/** This boot's id (Linux), or `null` where unknown. */
function bootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return null;
  }
}

function locked(dir: string, by: string): StoreLockedError {
  return new StoreLockedError(dir, `${dir}: the store is already open, ${by}`);
}
