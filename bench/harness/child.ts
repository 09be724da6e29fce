/**
 * Measurements that need a process of their own (memory: nothing else may have touched the heap
 * or the allocator). The parent runs a compiled bench file in a fresh `node --expose-gc`, with no
 * other flags or loaders; the child answers with one JSON line on stdout, and reads its own
 * memory with the helpers below.
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/** Runs `script` (a URL of a bench file) with `args`; resolves to the JSON it printed last. */
export async function runChild<T>(script: URL, args: string[]): Promise<T> {
  return (await runChildTimed<T>(script, args)).answer;
}

/**
 * {@link runChild}, also telling when the child exited (ms since the epoch, on the
 * `performance.timeOrigin` clock), seen from here as soon as it happens: its output is complete
 * only at "close", which may come later.
 */
export function runChildTimed<T>(
  script: URL,
  args: string[],
): Promise<{ answer: T; exitedAt: number }> {
  const argv = ["--expose-gc", fileURLToPath(script), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      out += data;
    });
    child.on("error", reject);
    let exitedAt = Number.NaN;
    child.on("exit", () => {
      exitedAt = performance.timeOrigin + performance.now();
    });
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) reject(new Error(`${fileURLToPath(script)} exited with ${code}`));
      else resolve({ answer: JSON.parse(last) as T, exitedAt });
    });
  });
}

/** The child's side: prints the answer for {@link runChild}. */
export function answer(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Highest RSS the process has had (Linux), or `NaN` elsewhere. */
export function peakRss(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Collects the main thread's garbage and lets the allocator settle; the RSS then. */
export async function collect(): Promise<number> {
  globalThis.gc?.();
  await sleep(500);
  globalThis.gc?.();
  return process.memoryUsage.rss();
}

/** RSS after collecting, then `samples` more samples half a second apart; the last one. */
export async function settledRss(samples: number): Promise<number> {
  let rss = await collect();
  for (let sample = 0; sample < samples; sample++) {
    await sleep(500);
    rss = process.memoryUsage.rss();
  }
  return rss;
}

/** The main thread's live memory: V8 heap plus ArrayBuffers. Exact right after {@link collect}. */
export function liveBytes(): number {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}
