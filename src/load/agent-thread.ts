/**
 * An agent worker thread: connects to the store through the port from `exposeStore`, then
 * serves its `AgentLoop` to the checkpoint loop over the control port (comlink).
 */
import { workerData } from "node:worker_threads";
import { type Endpoint, expose } from "comlink";
import { connectStore } from "../index.js";
import type { AgentThreadData } from "./agent-api.js";
import { AgentLoop } from "./agent-loop.js";
import { OpCounters } from "./counters.js";

const setup = workerData as AgentThreadData;
const store = await connectStore(setup.store);
const loop = new AgentLoop(store, setup, new OpCounters(setup.counters));
// Node's MessagePort has what comlink uses of an endpoint (postMessage, event listeners).
expose(loop, setup.control as unknown as Endpoint);
