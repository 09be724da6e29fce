/**
 * `swarmstate load`, start to finish: a store, its agent threads, the checkpoint loop with
 * live progress, then the report. Resolves to the exit code: 0 when the store matched the
 * ledgers, 1 when it did not or the run failed.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Store, StoreFileError } from "../index.js";
import { type AgentThread, startAgents } from "./agents.js";
import { CheckpointLoop, type RunListener } from "./checkpoint-loop.js";
import { OpCounters } from "./counters.js";
import { UsageError } from "./flags.js";
import type { LoadOptions } from "./load-options.js";
import { buildReport, formatReport } from "./load-report.js";
import { int } from "./numbers.js";
import { type LiveStatus, type Progress, startProgress } from "./progress.js";
import { Replica } from "./replica.js";

/** Differences printed at most; the JSON report has them all. */
const SHOWN_DIFFERENCES = 20;
/** Event-loop delay sampling resolution; what it reports includes this much. */
const RESOLUTION_MS = 2;

/**
 * Runs a load with `options`, printing progress and the report; resolves to the exit code.
 * @throws UsageError when `--path` cannot hold the run's store (not empty, not a store, open).
 */
export async function runLoad(options: LoadOptions): Promise<number> {
  const { stdout, stderr } = process;
  // With --json, stdout carries the report alone.
  const progressStream = options.json ? stderr : stdout;
  const store = await openStore(options);
  const replica = options.replica ? new Replica(new Store({ shards: options.shards })) : null;
  const counters = new OpCounters();
  const loopDelay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  let agents: AgentThread[] = [];
  let progress: Progress | undefined;
  try {
    agents = startAgents(store, options, counters);
    // Start the clock once every thread is up: the run measures the store, not thread start-up.
    await store.size();
    await Promise.all(agents.map((agent) => agent.api.stats()));
    const shown = { checkpoint: 1, rollbacks: 0 };
    const shownProgress = startProgress(progressStream, status(options, counters, shown));
    progress = shownProgress;
    const listener = narrator(options, counters, shownProgress, shown);
    loopDelay.enable();
    const loop = new CheckpointLoop(
      store,
      agents.map((agent) => agent.api),
      options,
      listener,
      replica,
    );
    const result = await loop.run();
    loopDelay.disable();
    shownProgress.stop();
    const report = buildReport(options, result, {
      agentStats: await Promise.all(agents.map((agent) => agent.api.stats())),
      rssBytes: process.memoryUsage().rss,
      peakRssBytes: process.resourceUsage().maxRSS * 1024,
      maxEventLoopStallMs: Math.max(0, loopDelay.max / 1e6 - RESOLUTION_MS),
      replica: replica === null ? null : { shards: options.shards, costs: replica.costs },
    });
    stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
    if (report.ok) return 0;
    const { differences } = report.verification;
    stderr.write(
      `swarmstate load: ${result.failedCheck} found ${differences.length} difference(s):\n`,
    );
    for (const line of differences.slice(0, SHOWN_DIFFERENCES)) stderr.write(`  ${line}\n`);
    if (differences.length > SHOWN_DIFFERENCES) {
      stderr.write(`  … and ${differences.length - SHOWN_DIFFERENCES} more\n`);
    }
    return 1;
  } catch (error) {
    stderr.write(`swarmstate load: the run failed: ${(error as Error).stack ?? error}\n`);
    return 1;
  } finally {
    loopDelay.disable();
    progress?.stop();
    await Promise.all(agents.map((agent) => agent.stop()));
    await Promise.all([store.close(), replica?.store.close()]);
  }
}

/**
 * The run's store: in memory, or durable at `--path`, which must hold no entries: every check
 * compares the whole store with the agents' ledgers, which start empty.
 */
async function openStore({ shards, path }: LoadOptions): Promise<Store> {
  if (path === null) return new Store({ shards });
  try {
    const store = new Store({ path, shards });
    const entries = await store.size().catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    if (entries === 0) return store;
    await store.close();
    throw new UsageError(
      `--path ${store.path}: it holds a store with ${entries} entries; the load checks the ` +
        "whole store against its agents' ledgers, so it needs a new or empty one",
    );
  } catch (error) {
    if (error instanceof StoreFileError) throw new UsageError(`--path: ${error.message}`);
    if (error instanceof RangeError) throw new UsageError(`--shards: ${error.message}`);
    throw error;
  }
}

/** What the progress bar shows, read from the shared counters and the narrator's tallies. */
function status(
  options: LoadOptions,
  counters: OpCounters,
  shown: { checkpoint: number; rollbacks: number },
): () => LiveStatus {
  const started = performance.now();
  const totalSteps = options.steps === null ? null : options.steps * options.agents;
  const durationMs = (options.durationSeconds ?? 0) * 1000;
  return () => ({
    fraction:
      totalSteps === null
        ? (performance.now() - started) / durationMs
        : counters.read("step") / totalSteps,
    operations: counters.operations(),
    checkpoint: shown.checkpoint,
    checkpoints: options.checkpoints,
    rollbacks: shown.rollbacks,
  });
}

/** Prints a line per checkpoint and per rollback, and keeps the bar's tallies. */
function narrator(
  options: LoadOptions,
  counters: OpCounters,
  progress: Progress,
  shown: { checkpoint: number; rollbacks: number },
): RunListener {
  const of = options.checkpoints;
  let since = { at: performance.now(), operations: counters.operations() };
  return {
    checkpointTaken({ number, diffKeys, diffMs }) {
      shown.checkpoint = Math.min(of, number + 1);
      // The rate over this epoch: the bar's live rate needs more samples than a short epoch has.
      const now = { at: performance.now(), operations: counters.operations() };
      const rate = ((now.operations - since.operations) * 1000) / (now.at - since.at);
      since = now;
      progress.line(
        `checkpoint ${number}/${of}: ${int(rate)} ops/s, ${int(counters.read("step"))} steps; ` +
          `audit: diff of ${int(diffKeys)} keys (${diffMs.toFixed(1)} ms) matches the ledgers`,
      );
    },
    rolledBack({ at, to, writesUndone, entries }) {
      shown.rollbacks++;
      progress.line(
        `checkpoint ${at}/${of}: simulated failure, rolled back to checkpoint ${to} ` +
          `(${int(writesUndone)} writes undone); all ${int(entries)} entries match the ledgers`,
      );
    },
  };
}
