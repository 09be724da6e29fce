/**
 * Starting agent threads and reaching them. The thread script is the built `agent-thread.js`
 * beside this module, so it is found the same way from the repository and from an installed
 * package.
 *
 * A thread that dies takes its pending answers with it, and comlink would wait for them
 * forever; so every call races the thread's exit, and fails with it.
 */
import { MessageChannel, Worker } from "node:worker_threads";
import { type Endpoint, wrap } from "comlink";
import { exposeStore, type Store } from "../index.js";
import type { AgentApi, AgentSettings, AgentThreadData, SwarmSettings } from "./agent-api.js";
import type { OpCounters } from "./counters.js";

/** The agent thread's script, next to this module once built. */
export const AGENT_THREAD_URL = new URL("./agent-thread.js", import.meta.url);

/** A running agent thread. */
export interface AgentThread {
  readonly api: AgentApi;
  /** Disconnects the agent from the store and ends its thread. */
  stop(): Promise<void>;
}

/** Starts `setup.agents` threads, each connected to `store`. */
export function startAgents(
  store: Store,
  setup: SwarmSettings,
  counters: OpCounters,
): AgentThread[] {
  return Array.from({ length: setup.agents }, (_, agent) =>
    startAgent(store, { ...setup, agent }, counters),
  );
}

function startAgent(store: Store, setup: AgentSettings, counters: OpCounters): AgentThread {
  const storePort = exposeStore(store);
  const { port1, port2 } = new MessageChannel();
  const workerData: AgentThreadData = {
    agent: setup.agent,
    agents: setup.agents,
    seed: setup.seed,
    valueSize: setup.valueSize,
    counters: counters.buffer,
    store: storePort,
    control: port2,
  };
  const worker = new Worker(AGENT_THREAD_URL, { workerData, transferList: [storePort, port2] });
  let failure: Error | undefined;
  worker.once("error", (error) => {
    failure = error;
  });
  const exited = new Promise<number>((resolve) => worker.once("exit", resolve));
  const died = exited.then((code): never => {
    throw failure ?? new Error(`agent-${setup.agent}'s thread exited (code ${code})`);
  });
  // Nobody may be waiting on the agent when it dies; the next call will say so.
  died.catch(() => {});
  const remote = wrap<AgentApi>(port1 as unknown as Endpoint);
  const guard = <T>(call: Promise<T>): Promise<T> => Promise.race([call, died]);
  return {
    api: {
      run: (plan) => guard(remote.run(plan)),
      pause: () => guard(remote.pause()),
      rollback: (position) => guard(remote.rollback(position)),
      stats: () => guard(remote.stats()),
      close: () => guard(remote.close()),
    },
    async stop() {
      await Promise.race([remote.close(), exited]).catch(() => {});
      port1.close();
      await worker.terminate();
    },
  };
}
