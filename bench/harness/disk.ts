/**
 * What the durability case reads off the machine: bytes this process has written (`wchar` of
 * /proc/self/io: every thread's write calls, shard threads included; on this kernel the dirty-page
 * count `write_bytes` overstates small writes by whole folios), the size of a directory, and
 * scratch directories.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Bytes this process has passed to write calls so far (Linux), or `NaN` elsewhere. */
export function bytesWritten(): number {
  try {
    const match = /^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"));
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Bytes of every file under `dir`, recursively (apparent sizes). */
export function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(path) : statSync(path).size;
  }
  return total;
}

/** A new empty directory; `remove` deletes it. */
export function scratchDirectory(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "swarmstate-bench-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
