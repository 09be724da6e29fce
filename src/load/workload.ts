/**
 * The simulated work of one agent step: from the agent's state and its workflow task, as read
 * from the store, the writes the step makes. Pure: the same reads and random stream give the
 * same writes, which is what makes a run counted in steps reproducible.
 *
 * What agent `i` of `n` writes at its step `s`, in epoch `e` (an epoch is the time between two
 * checkpoints):
 *
 * | namespace / key      | value                                                              |
 * | -------------------- | ------------------------------------------------------------------ |
 * | `agent-i` / `state`  | its working state: goal, plan, counters, recent calls, a trace id  |
 * | `agent-i` / `profile`| every 10 steps, the same bytes again: a write that is no change    |
 * | `tools-i` / `call-s` | a tool result with `valueSize` bytes of text; `call-(s-8)` deleted |
 * | `memory-i`/ `fact-s` | a small fact; every 7th step also revises an older fact            |
 * | `workflow`/ `task-k` | the shared workflow record, `k = (i + e) % n`                      |
 *
 * Each workflow task is continued by every agent in turn (ownership rotates each epoch), but by
 * one agent at a time: that keeps the final value of every key a function of the ledgers.
 */
import type { Value } from "../index.js";
import type { Random } from "./random.js";

/** Where a value lives. */
export interface Address {
  namespace: string;
  key: string;
}

/** One write of a step: `value: null` deletes the key. */
export interface Write extends Address {
  value: Value | null;
}

/** What a step does. */
export interface StepPlan {
  /** The agent's step number after it (its state's `step`). */
  step: number;
  /** The writes, in the order they are made. */
  writes: Write[];
}

/** What a step starts from. */
export interface StepInput {
  agent: number;
  agents: number;
  epoch: number;
  /** The agent's state as read from the store (`undefined` before its first step). */
  state: Value | undefined;
  /** Its workflow task as read from the store (`undefined` if nobody has started it). */
  task: Value | undefined;
  random: Random;
  /** Bytes of text in the tool result. */
  valueSize: number;
}

/** Tool results an agent keeps; older ones are deleted. */
export const TOOL_WINDOW = 8;

/** The key holding agent `agent`'s state. */
export function stateAddress(agent: number): Address {
  return { namespace: `agent-${agent}`, key: "state" };
}

/** The workflow task agent `agent` owns during `epoch`. */
export function taskAddress(agent: number, agents: number, epoch: number): Address {
  return { namespace: "workflow", key: `task-${(agent + epoch) % agents}` };
}

/**
 * What one step writes.
 *
 * @example planStep({ agent: 0, agents: 4, epoch: 1, state: undefined, task: undefined,
 *   random: createRandom(1), valueSize: 2048 }) // first step: state, tool result, fact, task
 */
export function planStep(input: StepInput): StepPlan {
  const { agent, random } = input;
  const before = (input.state as AgentState | undefined) ?? initialState(agent, random);
  const step = before.step + 1;
  const tool = random.pick(TOOLS);
  const ok = random.next() > 0.05;
  const ms = 20 + random.int(2000);
  const output = text(random, input.valueSize);
  const tokens = Math.ceil(output.length / 4);
  const state: AgentState = {
    ...before,
    step,
    phase: random.pick(PHASES),
    plan: before.plan.map((item, i) =>
      i === step % before.plan.length ? { ...item, done: ok } : item,
    ),
    counters: {
      toolCalls: before.counters.toolCalls + 1,
      failures: before.counters.failures + (ok ? 0 : 1),
      tokensIn: before.counters.tokensIn + tokens,
      tokensOut: before.counters.tokensOut + 40 + random.int(400),
    },
    recent: [...before.recent.slice(-4), { call: `call-${step}`, tool, ok, ms }],
  };
  const tools = `tools-${agent}`;
  const memory = `memory-${agent}`;
  const writes: Write[] = [
    { ...stateAddress(agent), value: state },
    {
      namespace: tools,
      key: `call-${step}`,
      value: {
        tool,
        call: { id: `${state.name}/${step}`, args: { query: words(random, 6), limit: 10 } },
        ok,
        ms,
        output,
        tokens,
        chunks: chunksOf(output.length),
      },
    },
    { namespace: memory, key: `fact-${step}`, value: fact(random, `call-${step}`) },
  ];
  if (step > TOOL_WINDOW)
    writes.push({ namespace: tools, key: `call-${step - TOOL_WINDOW}`, value: null });
  if (step % 7 === 0) {
    writes.push({
      namespace: memory,
      key: `fact-${1 + random.int(step - 1)}`,
      value: fact(random, `call-${step}`),
    });
  }
  if (step % 10 === 1)
    writes.push({ namespace: `agent-${agent}`, key: "profile", value: profile(agent) });
  const task = taskAddress(agent, input.agents, input.epoch);
  writes.push({ ...task, value: advanceTask(input.task, task.key, state, input.epoch, random) });
  return { step, writes };
}

type AgentState = {
  name: string;
  step: number;
  phase: string;
  goal: string;
  traceId: bigint;
  plan: { id: number; title: string; done: boolean }[];
  counters: { toolCalls: number; failures: number; tokensIn: number; tokensOut: number };
  recent: { call: string; tool: string; ok: boolean; ms: number }[];
};

type Task = {
  id: string;
  title: string;
  stage: string;
  progress: number;
  owner: string;
  handoffs: number;
  history: { agent: string; step: number; epoch: number; note: string }[];
};

const TOOLS = ["web.search", "code.run", "docs.read", "sql.query", "http.fetch", "vector.lookup"];
const PHASES = ["observe", "plan", "act", "reflect"];
const STAGES = ["triage", "research", "draft", "review", "ship"];
const WORDS = (
  "agent state store shard snapshot restore diff ledger worker thread tool result plan goal " +
  "memory fact workflow task review draft query index vector token budget latency retry " +
  "checkpoint rollback audit merge branch commit value key namespace batch message port " +
  "search summary answer source citation context window prompt model reply error timeout"
).split(" ");

function initialState(agent: number, random: Random): AgentState {
  return {
    name: `agent-${agent}`,
    step: 0,
    phase: "observe",
    goal: words(random, 12),
    // Larger than 2^53: stays a bigint through the store, exercising 64-bit integers.
    traceId: (1n << 60n) + BigInt(agent) * 1_000_003n + BigInt(random.int(1 << 30)),
    plan: Array.from({ length: 5 }, (_, id) => ({ id, title: words(random, 4), done: false })),
    counters: { toolCalls: 0, failures: 0, tokensIn: 0, tokensOut: 0 },
    recent: [],
  };
}

function advanceTask(
  read: Value | undefined,
  id: string,
  state: AgentState,
  epoch: number,
  random: Random,
): Task {
  const before = (read as Task | undefined) ?? {
    id,
    title: words(random, 5),
    stage: "triage",
    progress: 0,
    owner: state.name,
    handoffs: 0,
    history: [],
  };
  const progress = before.progress + 1;
  return {
    ...before,
    stage: STAGES[Math.floor(progress / 10) % STAGES.length] as string,
    progress,
    owner: state.name,
    handoffs: before.handoffs + (before.owner === state.name ? 0 : 1),
    history: [
      ...before.history.slice(-5),
      { agent: state.name, step: state.step, epoch, note: words(random, 8) },
    ],
  };
}

function fact(random: Random, source: string): Value {
  return {
    fact: words(random, 14),
    source,
    confidence: Math.round(random.next() * 1000) / 1000,
    tags: [random.pick(WORDS), random.pick(WORDS)],
  };
}

function profile(agent: number): Value {
  return { name: `agent-${agent}`, model: "sim-1", tools: TOOLS, limits: { tokens: 8192 } };
}

function chunksOf(length: number): Value[] {
  const chunks: Value[] = [];
  for (let offset = 0; offset < length; offset += 512) {
    chunks.push({ offset, length: Math.min(512, length - offset) });
  }
  return chunks;
}

/** `count` random words. */
function words(random: Random, count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(random.pick(WORDS));
  return out.join(" ");
}

/** ASCII text of exactly `size` characters (so exactly `size` bytes). */
function text(random: Random, size: number): string {
  let out = "";
  while (out.length < size) out += `${random.pick(WORDS)}${random.next() < 0.08 ? ".\n" : " "}`;
  return out.slice(0, size);
}
