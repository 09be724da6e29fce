/**
 * What the checkpoint loop and the agents say to each other. Agents run in worker threads and
 * expose an `AgentApi` over a comlink port; in tests an `AgentLoop` serves as one directly.
 */
import type { MessagePort } from "node:worker_threads";
import type { HistogramData } from "./histogram.js";
import type { LedgerEntry } from "./ledger.js";

/** What every agent of a swarm shares. */
export interface SwarmSettings {
  /** Agents in the swarm. */
  agents: number;
  /** Seed of the simulated work. */
  seed: number;
  /** Bytes of text in each tool result. */
  valueSize: number;
}

/** One agent's settings: the swarm's, and which agent it is. */
export interface AgentSettings extends SwarmSettings {
  /** This agent's index, from 0. */
  agent: number;
}

/** What an agent thread starts from, sent as its `workerData`. */
export interface AgentThreadData extends AgentSettings {
  /** The `OpCounters` buffer shared by all threads. */
  counters: SharedArrayBuffer;
  /** From `exposeStore`: the agent's connection to the store. */
  store: MessagePort;
  /** Where the agent exposes its `AgentApi`. */
  control: MessagePort;
}

/** What an agent is to do until the next barrier. */
export interface EpochPlan {
  /** The epoch: 1 until the first checkpoint, then one more at each barrier. */
  epoch: number;
  /** Stop once this many steps have run in all (rolled-back ones included); `null`: until paused. */
  stopAt: number | null;
  /**
   * Digest the ledgers say the workflow task this agent owns this epoch holds (`null`: absent).
   * The agent checks its first read of the task against it: the task's last writer was
   * another agent, whose ledger this agent cannot see.
   */
  taskDigest: string | null;
}

/** What an agent reports at a barrier. */
export interface EpochReport {
  agent: number;
  /** Its ledger position when the epoch began. */
  from: number;
  /** The entries it appended since, in order. */
  entries: LedgerEntry[];
  /** Steps run in all so far, rolled-back ones included. */
  executed: number;
}

/** An agent's latencies and checks over the whole run. */
export interface AgentStats {
  latency: { get: HistogramData; set: HistogramData; delete: HistogramData; step: HistogramData };
  /** Reads (and deletes) whose result it checked against what its ledger expected. */
  readsChecked: number;
}

/** What the checkpoint loop can ask of an agent. Every method is async: it may be in another thread. */
export interface AgentApi {
  /** Runs steps until `plan.stopAt` or until paused; resolves at the barrier. */
  run(plan: EpochPlan): Promise<EpochReport>;
  /** Asks a running agent to stop after its current step. */
  pause(): Promise<void>;
  /** Truncates the ledger to `position` after the store was restored; resolves to the new position. */
  rollback(position: number): Promise<number>;
  stats(): Promise<AgentStats>;
  /** Disconnects from the store. */
  close(): Promise<void>;
}
