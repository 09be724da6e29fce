/**
 * A store diff read in LangGraph's terms. The saver's data is keyed so that a diff says it all:
 * a key added to a checkpoints namespace is a checkpoint written, one added to a blobs namespace
 * a channel given a new value, a writes namespace a checkpoint given pending writes. So what some
 * runs did to every thread costs one diff: what was written, however long the histories.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Diff } from "../index.js";
import { checkpointConfig } from "./config.js";
import { parseBlobKey, type SaverLayout } from "./saver-layout.js";

/** What happened to checkpoint histories between two store snapshots. */
export interface HistoryChanges {
  /** Checkpoints written (new, or stored again under the same id), newest first. */
  written: RunnableConfig[];
  /** Checkpoints that went (a deleted thread, or a restore in between), newest first. */
  removed: RunnableConfig[];
  /** Checkpoints that were given pending writes, newest first. */
  pendingWrites: RunnableConfig[];
  /** Per thread and checkpoint namespace, the channels given new stored values. */
  channels: {
    /** The thread. */
    thread_id: string;
    /** The checkpoint namespace ("" for the root graph, else a subgraph's). */
    checkpoint_ns: string;
    /** The channels written, sorted. */
    channels: string[];
  }[];
}

export function historyChanges(layout: SaverLayout, diff: Diff): HistoryChanges {
  const written: RunnableConfig[] = [];
  const removed: RunnableConfig[] = [];
  const pendingWrites = new Map<string, RunnableConfig>();
  const channels = new Map<
    string,
    { thread_id: string; checkpoint_ns: string; channels: Set<string> }
  >();
  // Checkpoints are listed whether they came or went; writes and blobs only when they came.
  const visit = (pairs: [string, string][], into: RunnableConfig[], came: boolean) => {
    for (const [namespace, key] of pairs) {
      const parsed = layout.parse(namespace);
      if (parsed === null) continue;
      if (parsed.kind === "checkpoints") {
        into.push(checkpointConfig(parsed, key));
      } else if (parsed.kind === "writes" && came) {
        pendingWrites.set(namespace, checkpointConfig(parsed, parsed.checkpointId));
      } else if (parsed.kind === "blobs" && came) {
        const id = JSON.stringify([parsed.thread, parsed.ns]);
        const entry = channels.get(id) ?? {
          thread_id: parsed.thread,
          checkpoint_ns: parsed.ns,
          channels: new Set(),
        };
        entry.channels.add(parseBlobKey(key)[0]);
        channels.set(id, entry);
      }
    }
  };
  visit(diff.added, written, true);
  visit(diff.changed, written, true);
  visit(diff.removed, removed, false);
  const newestFirst = (configs: Iterable<RunnableConfig>) =>
    [...configs].sort((a, b) =>
      compare(b.configurable?.checkpoint_id as string, a.configurable?.checkpoint_id as string),
    );
  return {
    written: newestFirst(written),
    removed: newestFirst(removed),
    pendingWrites: newestFirst(pendingWrites.values()),
    channels: [...channels.values()]
      .sort(
        (a, b) => compare(a.thread_id, b.thread_id) || compare(a.checkpoint_ns, b.checkpoint_ns),
      )
      .map((entry) => ({ ...entry, channels: [...entry.channels].sort() })),
  };
}

function compare(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
