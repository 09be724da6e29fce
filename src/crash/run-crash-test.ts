/**
 * `swarmstate crash-test`, start to finish: the test directory, then for each kill a writer
 * process (writer.ts) started on the store, killed with SIGKILL at a seeded random moment, and
 * the check (recovery-check.ts, snapshot-check.ts) made by this process on the reopened store,
 * with the writer dead. A check that passes is written to the ledger (`recovered`), so the next
 * writer's session starts from a known state, and a test directory can be continued later.
 *
 * The kill moment: mostly after the writer has opened the store (uniform over `WINDOW_MS`), and
 * for `EARLY` of the kills anywhere while it is still opening it, recovery included (uniform up
 * to how long the last opening took).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Store } from "../index.js";
import { UsageError } from "../load/flags.js";
import { pairOf } from "../load/ledger.js";
import { createRandom, type Random } from "../load/random.js";
import { CRASH_DEFAULTS, type CrashTestOptions } from "./crash-options.js";
import { CrashTally, type CrashTestReport } from "./crash-report.js";
import {
  LEDGER_FILE,
  type Ledger,
  LedgerWriter,
  type LoggedUnit,
  readLedger,
} from "./ledger-file.js";
import { Model } from "./model.js";
import { observeStore } from "./observe.js";
import { checkSession, type Describe, FOREIGN, type Observed } from "./recovery-check.js";
import { checkSnapshots } from "./snapshot-check.js";
import { parseTag } from "./units.js";
import type { WriterSettings } from "./writer.js";

const WRITER = fileURLToPath(new URL("./writer-process.js", import.meta.url));
/** The longest a writer runs after opening the store before it is killed. */
const WINDOW_MS = 700;
/** The share of kills made while the writer is still opening the store. */
const EARLY = 0.15;
/** A writer that has not opened the store by then has failed. */
const OPEN_TIMEOUT_MS = 60_000;
/** Lines of a writer's stderr kept for the report. */
const STDERR_CHARS = 4000;

/** Where a crash test keeps its files. */
interface TestDirectory {
  dir: string;
  storePath: string;
  ledgerPath: string;
}

/** What one kill and the check after it found. */
export interface KillOutcome {
  /** The writer had opened the store (said "ready") before it was killed. */
  wasReady: boolean;
  /** Milliseconds from start to "ready", and from "ready" (or start) to the kill. */
  openMs: number | null;
  ranMs: number;
  /** Units the writer began; of those in flight when it died, how many the store kept. */
  units: number;
  applied: number;
  dropped: number;
  /** With `"async"`: acknowledged units not kept. */
  lost: number;
  /** Whether the check after the kill failed. */
  failed: boolean;
  reopenMs: number;
  entries: number;
  snapshots: number;
}

/**
 * Runs a crash test with `options`, calling `progress` with a line after every kill; resolves
 * to the report (`ok: false` with `failures` when a check failed: the run stops there).
 * @throws UsageError when `options.path` is not a crash-test directory, or the flags contradict it.
 * @example const report = await runCrashTest({ path: "/tmp/ct", kills: 50, shards: null,
 *   durability: null, seed: 1, json: false, sabotage: false }); // report.ok
 */
export async function runCrashTest(
  options: CrashTestOptions,
  progress: (line: string) => void = () => {},
): Promise<CrashTestReport> {
  const started = performance.now();
  const { files, continued } = await prepare(options);
  const { start } = readLedger(files.ledgerPath);
  const tally = new CrashTally();
  let failures: string[] = [];
  let failedAfterKill: number | null = null;
  let last: CheckOutcome | null = null;
  let sabotage = options.sabotage;
  const check = async (kill: number) => {
    const result = await checkAfterKill(files, sabotage);
    if (result.sabotaged !== null) {
      progress(`sabotage: deleted ${result.sabotaged} behind the ledger's back`);
      sabotage = false;
    }
    tally.addReopen(result.outcome.reopenMs);
    tally.addSession(result.counts);
    tally.snapshotChecks.contents += result.snapshotChecks.contents;
    tally.snapshotChecks.diffs += result.snapshotChecks.diffs;
    if (result.failures.length > 0) {
      failures = result.failures;
      failedAfterKill = kill;
    }
    return result.outcome;
  };

  // A continued test: first, the store as the last run left it (perhaps between a kill and its
  // check, perhaps changed since).
  if (continued) {
    last = await check(0);
    progress(`the store as the last run left it: ${checkLine(last)}`);
  }

  let openMs = 1000;
  for (let kill = 1; kill <= options.kills && failures.length === 0; kill++) {
    const ledger = readLedger(files.ledgerPath);
    const session = ledger.sessions.length;
    const random = createRandom(options.seed, 0x6b696c6c, session);
    const settings: WriterSettings = {
      storePath: files.storePath,
      ledgerPath: files.ledgerPath,
      shards: start.shards,
      durability: start.durability,
      session,
      firstUnit: ledger.nextUnit,
      seed: options.seed,
    };
    const killed = await runUntilKilled(settings, random, openMs);
    tally.kills++;
    if (!killed.wasReady) tally.killedWhileOpening++;
    if (killed.openMs !== null) openMs = killed.openMs;
    if (killed.problem !== null) {
      failures = [killed.problem];
      failedAfterKill = kill;
      break;
    }
    const outcome = { ...(await check(kill)), ...killed };
    last = outcome;
    progress(killLine(kill, options.kills, outcome));
  }

  return {
    ok: failures.length === 0 && !sabotage,
    settings: {
      path: files.dir,
      kills: options.kills,
      shards: start.shards,
      durability: start.durability,
      seed: options.seed,
    },
    elapsedSeconds: Math.round((performance.now() - started) / 10) / 100,
    kills: tally.kills,
    killedWhileOpening: tally.killedWhileOpening,
    acknowledged: tally.acknowledged,
    unacknowledged: tally.unacknowledged,
    lostWithinAsyncWindow: tally.lost,
    snapshotChecks: tally.snapshotChecks,
    reopen: tally.reopen(),
    store: last === null ? null : { entries: last.entries, snapshots: last.snapshots },
    failures:
      sabotage && failures.length === 0
        ? ["--sabotage: no acknowledged write was found to delete"]
        : failures,
    failedAfterKill,
  };
}

/**
 * Opens the test directory: a new one (the store created with its shard count, the ledger's
 * start line written), or one a crash test wrote before.
 */
async function prepare(
  options: CrashTestOptions,
): Promise<{ files: TestDirectory; continued: boolean }> {
  const dir = resolve(options.path);
  const files = { dir, storePath: join(dir, "store"), ledgerPath: join(dir, LEDGER_FILE) };
  if (existsSync(files.ledgerPath)) {
    const { start } = readLedger(files.ledgerPath);
    if (options.shards !== null && options.shards !== start.shards) {
      throw new UsageError(
        `--shards ${options.shards}: the crash test in ${dir} has ${start.shards} shards ` +
          "(leave --shards out to continue it)",
      );
    }
    if (options.durability !== null && options.durability !== start.durability) {
      throw new UsageError(
        `--durability ${options.durability}: the crash test in ${dir} uses ${start.durability} ` +
          "(leave --durability out to continue it)",
      );
    }
    return { files, continued: true };
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(
      `--path ${dir}: not empty and not a crash-test directory (it has no ${LEDGER_FILE}); ` +
        "choose an empty or new directory",
    );
  }
  mkdirSync(dir, { recursive: true });
  const shards = options.shards ?? CRASH_DEFAULTS.shards;
  const store = new Store({ path: files.storePath, shards });
  try {
    await store.size();
  } finally {
    await store.close();
  }
  const ledger = new LedgerWriter(files.ledgerPath);
  ledger.append({
    t: "start",
    shards,
    durability: options.durability ?? CRASH_DEFAULTS.durability,
  });
  ledger.close();
  return { files, continued: false };
}

/** Starts a writer, kills it with SIGKILL at a moment drawn from `random`. */
async function runUntilKilled(
  settings: WriterSettings,
  random: Random,
  openMs: number,
): Promise<Pick<KillOutcome, "wasReady" | "openMs" | "ranMs"> & { problem: string | null }> {
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

/** What the check after a kill found, in figures. */
type CheckOutcome = Omit<KillOutcome, "wasReady" | "openMs" | "ranMs">;

/** What `checkAfterKill` found. */
interface CheckResult {
  outcome: CheckOutcome;
  counts: ReturnType<typeof checkSession>["counts"];
  snapshotChecks: { contents: number; diffs: number };
  failures: string[];
  /** With `sabotage`: the key deleted behind the ledger's back, if one was. */
  sabotaged: string | null;
}

/**
 * Reopens the store (the writer is dead) and checks it against the ledger: the last writer's
 * units, then the snapshots. Writes `recovered` to the ledger when all is well.
 */
async function checkAfterKill(files: TestDirectory, sabotage: boolean): Promise<CheckResult> {
  const ledger = readLedger(files.ledgerPath);
  const model = replay(ledger);
  const units = ledger.sessions.at(-1)?.units ?? [];
  const index = new UnitIndex(ledger);
  const { describe } = index;
  const opening = performance.now();
  const store = new Store({ path: files.storePath, shards: ledger.start.shards });
  try {
    await store.size();
    const reopenMs = Math.round(performance.now() - opening);
    let snapshots = await store.snapshots();
    let observed = await observeStore(store, snapshots);
    let sabotaged: string | null = null;
    if (sabotage) {
      sabotaged = await deleteAcknowledged(store, observed, index);
      if (sabotaged !== null) {
        snapshots = await store.snapshots();
        observed = await observeStore(store, snapshots);
      }
    }
    const check = checkSession(model, units, observed, ledger.start.durability, describe);
    const failures = [...check.failures];
    let snapshotChecks = { contents: 0, diffs: 0 };
    if (check.kept !== null && failures.length === 0) {
      const found = await checkSnapshots(snapshots, check.model, describe);
      failures.push(...found.failures);
      snapshotChecks = { contents: found.contentsChecked, diffs: found.diffsChecked };
    }
    if (failures.length === 0 && check.kept !== null) {
      const writer = new LedgerWriter(files.ledgerPath);
      writer.append(
        check.keptSnapshot === null
          ? { t: "recovered", kept: check.kept }
          : { t: "recovered", kept: check.kept, snapshot: check.keptSnapshot },
      );
      writer.close();
    }
    return {
      outcome: {
        units: units.length,
        applied: check.counts.unacknowledgedApplied,
        dropped: check.counts.unacknowledgedDropped,
        lost: check.counts.acknowledgedLost,
        failed: failures.length > 0,
        reopenMs,
        entries: observed.contents.size,
        snapshots: snapshots.length,
      },
      counts: check.counts,
      snapshotChecks,
      failures,
      sabotaged,
    };
  } finally {
    await store.close();
  }
}

/** The model after every session already checked: what the last writer started from. */
function replay(ledger: Ledger): Model {
  const model = new Model();
  for (const { units, recovered } of ledger.sessions) {
    if (recovered === null) break;
    units.slice(0, recovered.kept).forEach(({ unit, ack }, i) => {
      const last = i === recovered.kept - 1;
      model.apply(unit, ack?.snapshot ?? (last ? recovered.snapshot : undefined));
    });
  }
  return model;
}

/** Every unit of the ledger by number: what it was, whether it was acknowledged. */
class UnitIndex {
  private readonly units = new Map<number, LoggedUnit>();

  constructor(ledger: Ledger) {
    for (const { units } of ledger.sessions) {
      for (const logged of units) this.units.set(logged.unit.n, logged);
    }
  }

  /** Names the write a tag stands for, for the check's messages. */
  readonly describe: Describe = (tag) => {
    if (tag === FOREIGN) return "a value no write of the test made";
    const [n, i] = parseTag(tag);
    const logged = this.units.get(n);
    const what =
      logged === undefined
        ? "a unit the ledger lacks"
        : `a ${logged.unit.op}, ${logged.ack === null ? "not acknowledged" : "acknowledged"}`;
    return `unit ${n}'s item ${i} (${what})`;
  };

  acknowledged(tag: string): boolean {
    return tag !== FOREIGN && (this.units.get(parseTag(tag)[0])?.ack ?? null) !== null;
  }
}

/** `--sabotage`: deletes the first key (in order) holding an acknowledged write. */
async function deleteAcknowledged(
  store: Store,
  observed: Observed,
  index: UnitIndex,
): Promise<string | null> {
  const ids = [...observed.contents.keys()].sort();
  const id = ids.find((id) => index.acknowledged(observed.contents.get(id) as string));
  if (id === undefined) return null;
  const [namespace, key] = pairOf(id);
  await store.delete(namespace, key);
  return `${namespace}/${key}`;
}

function killLine(kill: number, kills: number, outcome: KillOutcome): string {
  const when = outcome.wasReady
    ? `${Math.round(outcome.ranMs)} ms after the writer opened the store`
    : `while the writer was opening the store (${Math.round(outcome.ranMs)} ms in)`;
  return `kill ${kill}/${kills}: ${when}; ${checkLine(outcome)}`;
}

function checkLine(outcome: CheckOutcome): string {
  if (outcome.failed) return `reopened in ${outcome.reopenMs} ms: THE CHECK FAILED (see below)`;
  const lost = outcome.lost > 0 ? `, ${outcome.lost} acknowledged lost (async)` : "";
  return (
    `${int(outcome.units)} units, ${outcome.applied + outcome.dropped} in flight ` +
    `(${outcome.applied} found applied, ${outcome.dropped} dropped${lost}); reopened in ` +
    `${outcome.reopenMs} ms: ${int(outcome.entries)} entries and ${outcome.snapshots} ` +
    "snapshots as the ledger says"
  );
}

function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}
