/**
 * Reading LangGraph's `RunnableConfig`: which thread, checkpoint namespace and checkpoint a call
 * is about. A missing or malformed field is refused with an error naming its path in the config.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import type { ThreadSpace } from "./saver-layout.js";

/** The `configurable` fields the saver reads. */
interface Configurable {
  thread_id?: unknown;
  checkpoint_ns?: unknown;
  checkpoint_id?: unknown;
  /** Older LangGraph versions named the checkpoint id `thread_ts`. */
  thread_ts?: unknown;
}

function configurableOf(config: RunnableConfig | undefined): Configurable | undefined {
  return config?.configurable as Configurable | undefined;
}

/** The thread id, or `undefined` when the config has none. */
export function optionalThread(config: RunnableConfig | undefined, what: string) {
  return optionalString(config, "thread_id", what);
}

/** The checkpoint namespace, or `undefined` when the config has none. */
export function optionalNamespace(config: RunnableConfig | undefined, what: string) {
  return optionalString(config, "checkpoint_ns", what);
}

function optionalString(
  config: RunnableConfig | undefined,
  field: "thread_id" | "checkpoint_ns",
  what: string,
): string | undefined {
  const value = configurableOf(config)?.[field];
  if (value === undefined || value === null) return undefined;
  return checkString(value, `${what}.configurable.${field}`);
}

/** The checkpoint id (`checkpoint_id`, or the older `thread_ts`), or `undefined` when absent. */
export function optionalCheckpointId(
  config: RunnableConfig | undefined,
  what: string,
): string | undefined {
  const configurable = configurableOf(config);
  const id = configurable?.checkpoint_id || configurable?.thread_ts;
  if (id === undefined || id === null || id === "") return undefined;
  return checkString(id, `${what}.configurable.checkpoint_id`);
}

/** Thread and checkpoint namespace (`""` by default) of a call that needs a thread. */
export function requireSpace(config: RunnableConfig | undefined, what: string): ThreadSpace {
  if (configurableOf(config) === undefined) {
    throw new TypeError(`${what}.configurable is missing: it must name a thread_id`);
  }
  const thread = optionalThread(config, what);
  if (thread === undefined) {
    throw new TypeError(
      `${what}.configurable.thread_id is missing: a checkpointer needs a thread, e.g. ` +
        `graph.invoke(input, { configurable: { thread_id: "t1" } })`,
    );
  }
  return { thread, ns: optionalNamespace(config, what) ?? "" };
}

/** The checkpoint id of a call that needs one. */
export function requireCheckpointId(config: RunnableConfig | undefined, what: string): string {
  const id = optionalCheckpointId(config, what);
  if (id === undefined) throw new TypeError(`${what}.configurable.checkpoint_id is missing`);
  return id;
}

/** The config that names one checkpoint: exactly the three fields LangGraph expects back. */
export function checkpointConfig(space: ThreadSpace, checkpointId: string): RunnableConfig {
  return {
    configurable: { thread_id: space.thread, checkpoint_ns: space.ns, checkpoint_id: checkpointId },
  };
}

function checkString(value: unknown, path: string): string {
  if (typeof value !== "string") {
    throw new TypeError(`${path} must be a string, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
