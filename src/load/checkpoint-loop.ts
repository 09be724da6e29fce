/**
 * The checkpoint loop: run the agents to a barrier, checkpoint, audit, and now and then
 * simulate a failure and roll the whole store back.
 *
 * The protocol, and why verification is exact:
 *
 * 1. Barrier. Agents stop after a whole step (every write of it acknowledged and in their
 *    ledger) and report their new ledger entries. Nobody writes until they are resumed, so the
 *    store, the snapshot about to be taken, and the ledgers describe the same moment.
 * 2. Checkpoint. `store.snapshot()`; the loop folds the new entries into the expected
 *    state (what the ledgers say the store holds) and records each agent's ledger position.
 * 3. Audit. The store's diff from the previous checkpoint must be exactly the diff the ledgers
 *    predict for the keys written in between (see verify.ts).
 * 4. Failure. Instead of keeping the checkpoint, restore an earlier one; each agent truncates
 *    its ledger to the position recorded there, and the expected state returns to that
 *    checkpoint's copy. Then every key and value of the store is compared with it.
 * 5. Resume. Each agent reads its state back from the store and checks it against its own
 *    ledger; the owner of a workflow task checks it against the digest handed over here.
 *
 * At the end every key and value is compared once more. Any difference stops the run.
 *
 * With a replica (`--replica`, see replica.ts), every kept checkpoint is also applied to it as a
 * changeset, and at the end its entries must be exactly the store's.
 */
import { createHash } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { Snapshot, StoreApi } from "../index.js";
import type { AgentApi, EpochReport } from "./agent-api.js";
import { type Checkpoint, Checkpoints } from "./checkpoints.js";
import { ExpectedState } from "./expected-state.js";
import { Histogram } from "./histogram.js";
import { idOf } from "./ledger.js";
import type { Replica } from "./replica.js";
import { failurePoints, rollbackChooser, stepsAt, timeAt } from "./schedule.js";
import { readContents } from "./store-contents.js";
import {
  compareContents,
  compareDiffs,
  expectNoDifferences,
  predictDiff,
  type VerificationError,
} from "./verify.js";
import { stateAddress, taskAddress } from "./workload.js";

/** Checkpoints held at once (rollback targets). */
const KEEP = 4;

/** How a run goes; see `LoadOptions`. */
export interface RunPlan {
  steps: number | null;
  durationSeconds: number | null;
  checkpoints: number;
  failures: number;
  seed: number;
  sabotage: boolean;
  /** Write one value into the replica before it is compared (there must be one). */
  sabotageReplica: boolean;
}

/** What the loop tells whoever shows progress. */
export interface RunListener {
  checkpointTaken(event: { number: number; diffKeys: number; diffMs: number }): void;
  rolledBack(event: RollbackEvent & { entries: number }): void;
}

/** A simulated failure and what it undid. */
export interface RollbackEvent {
  /** The barrier at which the failure was simulated. */
  at: number;
  /** The checkpoint the store went back to. */
  to: number;
  /** Ledger entries (committed writes) the rollback undid. */
  writesUndone: number;
}

/** What a run did and found. */
export interface RunResult {
  /** Empty when the store matched the ledgers throughout. */
  differences: string[];
  /** What found the differences, if any. */
  failedCheck: string | null;
  elapsedMs: number;
  checkpointsKept: number;
  audits: number;
  fullChecks: number;
  rollbacks: RollbackEvent[];
  costs: { snapshot: Histogram; diff: Histogram; restore: Histogram; fullCheck: Histogram };
  /** Keys listed by all audited diffs together. */
  diffKeys: number;
  /** Steps run by all agents, rolled-back ones included. */
  stepsRun: number;
  /** Steps whose results survived: the sum of the agents' final step numbers. */
  stepsKept: number;
  /** The store at the end: entries, encoded size, and a digest of every key and value. */
  final: { entries: number; sizeBytes: number; fingerprint: string } | null;
  /** Whether the replica's entries were found equal to the store's (`null`: no replica, or the run stopped before comparing them). */
  replicaMatched: boolean | null;
}

/** Runs one load; see the module comment. */
export class CheckpointLoop {
  private expected = ExpectedState.empty();
  private positions: number[];
  private readonly checkpoints: Checkpoints;
  private readonly result: RunResult;
  private started = 0;

  /** @param replica kept in step with `store` by changesets, if given */
  constructor(
    private readonly store: StoreApi,
    private readonly agents: readonly AgentApi[],
    private readonly plan: RunPlan,
    private readonly listener: RunListener,
    private readonly replica: Replica | null = null,
  ) {
    this.checkpoints = new Checkpoints(KEEP, (snapshot) => replica?.mirrors(snapshot) ?? false);
    this.positions = agents.map(() => 0);
    this.result = {
      differences: [],
      failedCheck: null,
      elapsedMs: 0,
      checkpointsKept: 0,
      audits: 0,
      fullChecks: 0,
      rollbacks: [],
      costs: {
        snapshot: new Histogram(),
        diff: new Histogram(),
        restore: new Histogram(),
        fullCheck: new Histogram(),
      },
      diffKeys: 0,
      stepsRun: 0,
      stepsKept: 0,
      final: null,
      replicaMatched: null,
    };
  }

  /** Runs to the end, or to the first difference found. Other failures reject. */
  async run(): Promise<RunResult> {
    this.started = performance.now();
    try {
      await this.runBarriers();
    } catch (error) {
      if (!(error instanceof Error) || error.name !== "VerificationError") throw error;
      // An agent's VerificationError arrives as a plain Error bearing its name and message.
      this.result.failedCheck = (error as VerificationError).what ?? "an agent's read";
      this.result.differences = (error as VerificationError).differences ?? [error.message];
    } finally {
      this.result.elapsedMs = performance.now() - this.started;
      await this.checkpoints.releaseAll().catch(() => {});
      await this.replica?.release().catch(() => {});
    }
    return this.result;
  }

  private async runBarriers(): Promise<void> {
    const { checkpoints, failures, seed } = this.plan;
    const failAt = failurePoints(seed, checkpoints, failures);
    const chooser = rollbackChooser(seed);
    const first = await this.timedSnapshot();
    await this.checkpoints.add(this.checkpoint(0, first));
    this.replica?.start(first);
    for (let number = 1; number <= checkpoints; number++) {
      const reports = await this.runEpoch(number);
      const touched = this.fold(reports);
      const snapshot = await this.timedSnapshot();
      const base = this.checkpoints.latest();
      await this.audit(number, base, snapshot, touched);
      if (failAt.has(number)) {
        await snapshot.release();
        await this.rollBack(number, this.checkpoints.chooseTarget(chooser));
      } else {
        await this.checkpoints.add(this.checkpoint(number, snapshot));
        this.result.checkpointsKept++;
        await this.catchUp(snapshot);
      }
    }
    if (this.plan.sabotage) await this.sabotage(this.store);
    const contents = await this.fullCheck("final check");
    const last = this.checkpoints.latest().snapshot;
    this.result.final = {
      entries: contents.size,
      sizeBytes: last.sizeBytes,
      fingerprint: fingerprint(contents),
    };
    if (this.replica !== null) {
      if (this.plan.sabotageReplica) await this.sabotage(this.replica.store);
      const differences = await this.replica.compare(contents, last.sizeBytes);
      this.result.replicaMatched = differences.length === 0;
      expectNoDifferences("the replica check (its entries against the store's)", differences);
    }
    this.result.stepsKept = this.agents.reduce((sum, _, agent) => {
      const state = stateAddress(agent);
      return sum + (this.expected.get(idOf(state.namespace, state.key))?.step ?? 0);
    }, 0);
  }

  /** Runs every agent from now to barrier `number`. */
  private async runEpoch(number: number): Promise<EpochReport[]> {
    const { steps, durationSeconds, checkpoints } = this.plan;
    const running = this.agents.map((agent, i) => {
      const task = taskAddress(i, this.agents.length, number);
      return agent.run({
        epoch: number,
        stopAt: steps === null ? null : stepsAt(number, checkpoints, steps),
        taskDigest: this.expected.get(idOf(task.namespace, task.key))?.digest ?? null,
      });
    });
    const all = Promise.all(running);
    if (durationSeconds !== null) {
      const wait = Math.max(0, timeAt(number, checkpoints, durationSeconds) - this.elapsed());
      // An agent that fails does not wait for the barrier, nor does the process for the timer.
      const timer = new AbortController();
      try {
        await Promise.race([sleep(wait, undefined, { signal: timer.signal }), all]);
      } finally {
        timer.abort();
      }
      await Promise.all(this.agents.map((agent) => agent.pause()));
    }
    const reports = await all;
    this.result.stepsRun = reports.reduce((sum, report) => sum + report.executed, 0);
    return reports;
  }

  /** Folds the agents' new ledger entries into the expected state; returns the keys touched. */
  private fold(reports: EpochReport[]): Set<string> {
    const touched = new Set<string>();
    for (const { agent, from, entries } of reports) {
      if (from !== this.positions[agent]) {
        throw new Error(
          `agent-${agent} reported from position ${from}, not ${this.positions[agent]}`,
        );
      }
      for (const id of this.expected.fold(agent, entries)) touched.add(id);
      this.positions[agent] = from + entries.length;
    }
    return touched;
  }

  private async audit(
    number: number,
    base: Checkpoint,
    snapshot: Snapshot,
    touched: Set<string>,
  ): Promise<void> {
    const started = performance.now();
    const actual = await snapshot.diff(base.snapshot);
    const diffMs = performance.now() - started;
    this.result.costs.diff.record(diffMs);
    const predicted = predictDiff(base.expected, this.expected, touched);
    const what = `audit of checkpoint ${number} (diff from checkpoint ${base.number})`;
    expectNoDifferences(what, compareDiffs(predicted, actual, this.expected));
    this.result.audits++;
    const diffKeys = actual.added.length + actual.removed.length + actual.changed.length;
    this.result.diffKeys += diffKeys;
    this.listener.checkpointTaken({ number, diffKeys, diffMs });
  }

  private async rollBack(at: number, target: Checkpoint): Promise<void> {
    const started = performance.now();
    await this.store.restore(target.snapshot);
    this.result.costs.restore.record(performance.now() - started);
    await this.checkpoints.rollBackTo(target);
    const positions = await Promise.all(
      this.agents.map((agent, i) => agent.rollback(target.positions[i] ?? 0)),
    );
    if (positions.some((position, i) => position !== target.positions[i])) {
      throw new Error(`agents truncated their ledgers to ${positions}, not ${target.positions}`);
    }
    const writesUndone = this.positions.reduce((sum, p, i) => sum + p - (positions[i] ?? 0), 0);
    this.positions = [...target.positions];
    this.expected = target.expected.copy();
    const event = { at, to: target.number, writesUndone };
    this.result.rollbacks.push(event);
    const contents = await this.fullCheck(
      `check after rolling back to checkpoint ${target.number}`,
    );
    this.listener.rolledBack({ ...event, entries: contents.size });
  }

  /** Compares every key and value in the store with the expected state. */
  private async fullCheck(what: string): Promise<Map<string, string>> {
    const started = performance.now();
    const contents = await readContents(this.store);
    expectNoDifferences(what, compareContents(this.expected, contents));
    this.result.costs.fullCheck.record(performance.now() - started);
    this.result.fullChecks++;
    return contents;
  }

  /** The replica applies the changes from the checkpoint it mirrors to `snapshot`. */
  private async catchUp(snapshot: Snapshot): Promise<void> {
    if (this.replica === null) return;
    const left = await this.replica.follow(snapshot);
    if (!this.checkpoints.holds(left)) await left.release();
  }

  /** `--sabotage` (`--sabotage-replica`): a write no ledger (no changeset) knows of. */
  private async sabotage(store: StoreApi): Promise<void> {
    const task = taskAddress(0, this.agents.length, 0);
    await store.set(task.namespace, task.key, { sabotaged: true });
  }

  private checkpoint(number: number, snapshot: Snapshot): Checkpoint {
    return { number, snapshot, positions: [...this.positions], expected: this.expected.copy() };
  }

  private async timedSnapshot(): Promise<Snapshot> {
    const started = performance.now();
    const snapshot = await this.store.snapshot();
    this.result.costs.snapshot.record(performance.now() - started);
    return snapshot;
  }

  private elapsed(): number {
    return performance.now() - this.started;
  }
}

/** One digest of a whole store's contents: equal for two runs that ended in the same state. */
function fingerprint(contents: Map<string, string>): string {
  const hash = createHash("sha1");
  for (const id of [...contents.keys()].sort()) hash.update(`${id}\u0001${contents.get(id)}\n`);
  return hash.digest("hex");
}
