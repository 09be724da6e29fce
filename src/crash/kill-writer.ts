/**
 * One writer's life in a crash test: a writer process (writer-process.ts) started on the store,
 * and killed with SIGKILL at a seeded random moment. The kill moment: mostly after the writer has
 * opened the store (uniform over `WINDOW_MS`), and for `EARLY` of the kills anywhere while it is
 * still opening it, recovery included (uniform up to how long the last opening took).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import type { Random } from "../load/random.js";
import type { KillOutcome } from "./crash-report.js";
import type { WriterSettings } from "./writer.js";

const WRITER = fileURLToPath(new URL("./writer-process.js", import.meta.url));
/** The longest a writer runs after opening the store before it is killed. */
const WINDOW_MS = 700;
/** The share of kills made while the writer is still opening the store. */
const EARLY = 0.15;
/** A writer that has not opened the store by then has failed. */
const OPEN_TIMEOUT_MS = 60_000;
/** Characters of a writer's stderr kept (its last ones) for the report. */
const STDERR_CHARS = 4000;

/** How a writer ended: when it opened the store and was killed, or what went wrong instead. */
export type KilledWriter = Pick<KillOutcome, "wasReady" | "openMs" | "ranMs"> & {
  /** Why the writer did not die by the test's SIGKILL as planned, if it did not. */
  problem: string | null;
};

/**
 * Starts a writer, kills it with SIGKILL at a moment drawn from `random`; `openMs` is how long
 * the last writer took to open the store (bounds an early kill's moment).
 */
export async function runUntilKilled(
  settings: WriterSettings,
  random: Random,
  openMs: number,
): Promise<KilledWriter> {
  const started = performance.now();
  const writer = spawn(process.execPath, [WRITER, JSON.stringify(settings)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  writer.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-STDERR_CHARS);
  });
  const exited = exitOf(writer);
  let readyAt: number | null = null;
  const ready = new Promise<void>((resolve) => {
    let said = "";
    writer.stdout?.on("data", (chunk: Buffer) => {
      said += chunk.toString();
      if (readyAt === null && said.includes("ready\n")) {
        readyAt = performance.now();
        resolve();
      }
    });
  });
  let timedOut = false;
  if (random.next() < EARLY) {
    await Promise.race([sleep(random.next() * openMs), exited]);
  } else {
    const opened = await Promise.race([
      ready.then(() => true),
      exited.then(() => false),
      // Unref'd: a timer left behind must not keep the process alive after the run.
      sleep(OPEN_TIMEOUT_MS, false, { ref: false }),
    ]);
    if (opened) await Promise.race([sleep(random.next() * WINDOW_MS), exited]);
    else timedOut = writer.exitCode === null && writer.signalCode === null;
  }
  const killedAt = performance.now();
  writer.kill("SIGKILL");
  const { code, signal } = await exited;
  let problem: string | null = null;
  if (timedOut) problem = `the writer did not open the store within ${OPEN_TIMEOUT_MS} ms`;
  else if (signal !== "SIGKILL") {
    problem = `the writer stopped on its own (exit code ${code}) before it was killed:\n${stderr}`;
  }
  const openedAt = readyAt as number | null;
  return {
    wasReady: openedAt !== null && openedAt <= killedAt,
    openMs: openedAt === null ? null : openedAt - started,
    ranMs: killedAt - (openedAt ?? started),
    problem,
  };
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
}
