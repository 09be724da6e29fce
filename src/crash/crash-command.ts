/**
 * `swarmstate crash-test` as the CLI runs it: progress lines as the kills go, then the report;
 * resolves to the exit code (0 all checks passed, 1 one failed or the run failed).
 */
import { UsageError } from "../load/flags.js";
import type { CrashTestOptions } from "./crash-options.js";
import { type CrashTestReport, formatCrashReport } from "./crash-report.js";
import { runCrashTest } from "./run-crash-test.js";

/** Problem lines printed at most; the JSON report has them all. */
const SHOWN_FAILURES = 30;

/**
 * Runs the crash test, printing progress and the report.
 * @throws UsageError when `--path` is not a crash-test directory or the flags contradict it.
 */
export async function crashTestCommand(options: CrashTestOptions): Promise<number> {
  const { stdout, stderr } = process;
  // With --json, stdout carries the report alone.
  const progress = options.json ? stderr : stdout;
  let report: CrashTestReport;
  try {
    report = await runCrashTest(options, (line) => progress.write(`${line}\n`));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    stderr.write(`swarmstate crash-test: the run failed: ${(error as Error).stack ?? error}\n`);
    return 1;
  }
  stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatCrashReport(report));
  if (report.ok) return 0;
  const after = report.failedAfterKill === null ? "" : ` after kill ${report.failedAfterKill}`;
  stderr.write(`swarmstate crash-test: the check failed${after}:\n`);
  for (const line of report.failures.slice(0, SHOWN_FAILURES)) stderr.write(`  ${line}\n`);
  if (report.failures.length > SHOWN_FAILURES) {
    stderr.write(`  … and ${report.failures.length - SHOWN_FAILURES} more\n`);
  }
  stderr.write(`the store and its ledger are left in ${report.settings.path}\n`);
  return 1;
}
