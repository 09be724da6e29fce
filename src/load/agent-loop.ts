/**
 * One agent: read its state and its workflow task, do a step of work, write, record the
 * writes in its ledger; repeat until the checkpoint loop's barrier.
 *
 * Every read is checked, so an agent notices at once if it is not resuming from the state it
 * should. What a read must return comes from outside the store: the agent's own ledger for
 * its own keys (after a rollback, the ledger truncated to the checkpoint), and for a workflow
 * task last written by another agent, the digest the checkpoint loop hands over with the plan.
 * A delete is checked too: it must remove a value exactly when the ledger says one is there.
 *
 * A step's writes go out together (one batch on the connection) and enter the ledger only once
 * the store has acknowledged all of them: the ledger lists what was committed.
 */
import { performance } from "node:perf_hooks";
import type { StoreApi, Value } from "../index.js";
import type { AgentApi, AgentSettings, AgentStats, EpochPlan, EpochReport } from "./agent-api.js";
import type { OpCounters } from "./counters.js";
import { Histogram } from "./histogram.js";
import { digestOf, idOf, Ledger } from "./ledger.js";
import { createRandom } from "./random.js";
import { VerificationError } from "./verify.js";
import { type Address, planStep, stateAddress, taskAddress, type Write } from "./workload.js";

/** An agent's loop over a store; see the module comment. */
export class AgentLoop implements AgentApi {
  private readonly ledger = new Ledger();
  /** What each key this agent reads must hold, by id: a digest, or `null` for absent. */
  private expected = new Map<string, string | null>();
  private readonly latency = {
    get: new Histogram(),
    set: new Histogram(),
    delete: new Histogram(),
    step: new Histogram(),
  };
  private executed = 0;
  private readsChecked = 0;
  private pausing = false;

  constructor(
    private readonly store: StoreApi,
    private readonly settings: AgentSettings,
    private readonly counters: OpCounters,
  ) {}

  async run(plan: EpochPlan): Promise<EpochReport> {
    this.pausing = false;
    const from = this.ledger.position;
    const task = taskAddress(this.settings.agent, this.settings.agents, plan.epoch);
    this.expected.set(idOf(task.namespace, task.key), plan.taskDigest);
    while (!this.pausing && (plan.stopAt === null || this.executed < plan.stopAt)) {
      await this.step(plan.epoch, task);
    }
    return {
      agent: this.settings.agent,
      from,
      entries: this.ledger.since(from),
      executed: this.executed,
    };
  }

  async pause(): Promise<void> {
    this.pausing = true;
  }

  async rollback(position: number): Promise<number> {
    this.ledger.truncate(position);
    this.expected = this.ledger.latest();
    return this.ledger.position;
  }

  async stats(): Promise<AgentStats> {
    return {
      latency: {
        get: this.latency.get.toData(),
        set: this.latency.set.toData(),
        delete: this.latency.delete.toData(),
        step: this.latency.step.toData(),
      },
      readsChecked: this.readsChecked,
    };
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private async step(epoch: number, task: Address): Promise<void> {
    const { agent, agents, seed, valueSize } = this.settings;
    const started = performance.now();
    const [state, taskValue] = await Promise.all([this.read(stateAddress(agent)), this.read(task)]);
    // Seeded by the steps run so far, not the state's step: a step redone after a rollback
    // does different work, as a retried agent would.
    const random = createRandom(seed, agent, this.executed);
    const plan = planStep({ agent, agents, epoch, state, task: taskValue, random, valueSize });
    const digests = plan.writes.map(({ value }) => (value === null ? null : digestOf(value)));
    await Promise.all(plan.writes.map((write) => this.write(write)));
    plan.writes.forEach(({ namespace, key }, i) => {
      const digest = digests[i] ?? null;
      this.ledger.append({ namespace, key, digest, step: plan.step, epoch });
      this.expected.set(idOf(namespace, key), digest);
    });
    this.executed++;
    this.counters.add("step");
    this.latency.step.record(performance.now() - started);
  }

  private async read({ namespace, key }: Address): Promise<Value | undefined> {
    const started = performance.now();
    const value = await this.store.get(namespace, key);
    this.latency.get.record(performance.now() - started);
    this.counters.add("get");
    const want = this.expected.get(idOf(namespace, key)) ?? null;
    const got = value === undefined ? null : digestOf(value);
    if (got !== want) {
      throw new VerificationError(`agent-${this.settings.agent} read ${namespace}/${key}`, [
        `got ${got ?? "nothing"}, its ledger says ${want ?? "nothing"}`,
      ]);
    }
    this.readsChecked++;
    return value;
  }

  private async write({ namespace, key, value }: Write): Promise<void> {
    const started = performance.now();
    if (value !== null) {
      await this.store.set(namespace, key, value);
      this.latency.set.record(performance.now() - started);
      this.counters.add("set");
      return;
    }
    const removed = await this.store.delete(namespace, key);
    this.latency.delete.record(performance.now() - started);
    this.counters.add("delete");
    const held = (this.expected.get(idOf(namespace, key)) ?? null) !== null;
    if (removed !== held) {
      throw new VerificationError(`agent-${this.settings.agent} deleted ${namespace}/${key}`, [
        `it ${removed ? "removed a value" : "found nothing"}, its ledger says ` +
          `${held ? "a value was there" : "nothing was there"}`,
      ]);
    }
    this.readsChecked++;
  }
}
