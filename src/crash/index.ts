/**
 * The crash test (`swarmstate crash-test`) as a library, for the bench and for tools: run it,
 * get its report. Import it from the built package's `dist/crash/index.js`; it is not part of
 * the package root's API.
 *
 * @example
 * const report = await runCrashTest({ path: "/tmp/ct", kills: 50, shards: null,
 *   durability: null, seed: 1, json: false, sabotage: false });
 * if (!report.ok) console.error(report.failures);
 */
export type { CrashTestOptions } from "./crash-options.js";
export type { CrashTestReport } from "./crash-report.js";
export { runCrashTest } from "./run-crash-test.js";
