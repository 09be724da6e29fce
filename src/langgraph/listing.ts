/**
 * What `list` lists: the checkpoints a config names (one thread and namespace, one thread's
 * every namespace, or every thread), newest first by id, and the metadata filter they must
 * match. Only keys are read here; the records are read a page at a time by the caller.
 */
import { isDeepStrictEqual } from "node:util";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { CheckpointMetadata } from "@langchain/langgraph-checkpoint";
import type { StoreApi } from "../index.js";
import { optionalCheckpointId, optionalNamespace, optionalThread } from "./config.js";
import type { SaverLayout, ThreadSpace } from "./saver-layout.js";
import type { CheckpointRef } from "./tuples.js";

/**
 * The checkpoints `config` names, with ids before the one `before` names, if given, newest
 * first (ties, across threads and namespaces, in thread then namespace order).
 */
export async function listed(
  store: StoreApi,
  layout: SaverLayout,
  config: RunnableConfig,
  before: RunnableConfig | undefined,
): Promise<CheckpointRef[]> {
  const thread = optionalThread(config, "config");
  const ns = optionalNamespace(config, "config");
  const exact = optionalCheckpointId(config, "config");
  const beforeId = optionalCheckpointId(before, "options.before");
  const threads = thread === undefined ? await store.keys(layout.threads) : [thread];
  const spaces = (
    await Promise.all(
      threads.map(async (t) =>
        (ns === undefined ? await store.keys(layout.namespacesOf(t)) : [ns]).map(
          (n): ThreadSpace => ({ thread: t, ns: n }),
        ),
      ),
    )
  ).flat();
  const ids = await Promise.all(spaces.map((s) => store.keys(layout.checkpoints(s))));
  const refs = spaces.flatMap((space, i) =>
    (ids[i] ?? [])
      .filter(
        (id) => (exact === undefined || id === exact) && (beforeId === undefined || id < beforeId),
      )
      .map((id): CheckpointRef => ({ space, id })),
  );
  return refs.sort((a, b) =>
    a.id !== b.id ? (a.id < b.id ? 1 : -1) : compareSpaces(a.space, b.space),
  );
}

/** Whether checkpoint metadata has every field of a `list` filter (compared deeply). */
export function matchesFilter(
  metadata: CheckpointMetadata,
  filter: Record<string, unknown> | undefined,
): boolean {
  if (filter === undefined) return true;
  return Object.entries(filter).every(([key, value]) =>
    isDeepStrictEqual(Reflect.get(metadata, key), value),
  );
}

function compareSpaces(a: ThreadSpace, b: ThreadSpace): number {
  if (a.thread !== b.thread) return a.thread < b.thread ? -1 : 1;
  return a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0;
}
