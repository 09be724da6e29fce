/**
 * `swarmstate crash-test`, start to finish: the test directory (test-directory.ts), then for
 * each kill a writer started on the store and killed (kill-writer.ts), and the check made on the
 * reopened store (kill-check.ts); the counts add up to the report (crash-report.ts).
 */
import { createRandom } from "../load/random.js";
import type { CrashTestOptions } from "./crash-options.js";
import {
  type CheckOutcome,
  CrashTally,
  type CrashTestReport,
  checkLine,
  killLine,
} from "./crash-report.js";
import { checkAfterKill } from "./kill-check.js";
import { runUntilKilled } from "./kill-writer.js";
import { readLedger } from "./ledger-file.js";
import { openTestDirectory } from "./test-directory.js";
import type { WriterSettings } from "./writer.js";

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
  const { files, continued } = await openTestDirectory(options);
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
