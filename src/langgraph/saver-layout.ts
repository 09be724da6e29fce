/**
 * Where `SwarmStateSaver` keeps a checkpoint history in a swarmstate store: the one module that
 * knows the key layout. Every name starts with the saver's `prefix` (default `"langgraph"`), so
 * several savers, a `SwarmStateStore` and the application's own data can share one store.
 *
 * | swarmstate namespace                        | key                      | value                                |
 * | ------------------------------------------- | ------------------------ | ------------------------------------ |
 * | `{p}.threads`                               | thread id                | `null` (the index of threads)        |
 * | `{p}.thread:["thread"]`                     | checkpoint namespace     | {@link Head}: the latest checkpoint  |
 * | `{p}.checkpoints:["thread","ns"]`           | checkpoint id            | {@link CheckpointRecord}             |
 * | `{p}.blobs:["thread","ns"]`                 | `["channel",version]`    | {@link Blob}: one channel version    |
 * | `{p}.writes:["thread","ns","checkpoint"]`   | `["task",idx]`           | {@link StoredWrite}: a pending write |
 *
 * (Thread ids, checkpoint namespaces and ids inside names and keys are JSON-encoded, so any
 * string is safe.)
 *
 * Invariants the saver relies on:
 * - A checkpoint record holds no channel values, only `channel_versions`; a channel's value at a
 *   checkpoint is the blob under `[channel, channel_versions[channel]]`, written by the `put`
 *   that introduced that version. So `put` writes only the channels of `newVersions` plus one
 *   small record, and a value that never changes (a 50 KB document) is stored once per thread.
 *   A version without a blob means "no value" (an empty channel, a delta channel between
 *   snapshots).
 * - Versions never repeat within a thread and namespace: the saver's `getNextVersion` adds a
 *   random fraction, so two branches forked from one checkpoint never write the same blob key.
 * - `keys()` of a checkpoints namespace is sorted, and LangGraph's checkpoint ids (uuid6) sort
 *   by time: listing one thread reads that thread's namespaces only, newest last.
 * - A thread's namespaces are the keys of its `thread` namespace, each holding a copy of the
 *   record put last there (its head): loading the latest checkpoint starts with one read,
 *   however long the history. LangGraph puts a thread's checkpoints one after another, with ids
 *   that grow with time, so the checkpoint put last is also the one with the greatest id.
 * - A checkpoint's pending writes have a namespace of their own, so reading them costs what
 *   they are, whatever the length of the thread.
 * - `put` writes blobs before the record that refers to them, and the head after, in one
 *   `setMany`; the index of threads is written with every record (the same bytes again are no
 *   change).
 * - Nothing is cached in the saver: the store holds the whole truth, so `snapshot`, `restore`
 *   and `diff` of the store cover checkpoint histories like any other data.
 */
/** The layout version of the checkpoint records this release writes and reads (records.ts). */
export const CHECKPOINT_RECORD_VERSION = 1;

// Records are type aliases, not interfaces, so that each is a `Value` as it is (an interface has
// no index signature) and is stored without a cast.

/** A checkpoint without its channel values, as stored under its id. */
export type CheckpointRecord = {
  /** Layout version of this record. */
  v: typeof CHECKPOINT_RECORD_VERSION;
  /** The parent checkpoint's id (`config.configurable.checkpoint_id` at `put`), or `null`. */
  parent: string | null;
  /** `serde.dumpsTyped` of the checkpoint with `channel_values` left out. */
  checkpoint: Serialized;
  /** `serde.dumpsTyped` of the metadata. */
  metadata: Serialized;
};

/** The checkpoint of a thread's namespace put last, with its record. */
export type Head = {
  id: string;
  record: CheckpointRecord;
};

/** What LangGraph's serde makes of a value: its type tag and bytes. */
export type Serialized = [type: string, bytes: Uint8Array];

/** One channel's value at one version. */
export type Blob = Serialized;

/** One pending write: task id, channel, the value as serialized, and the task's path. */
export type StoredWrite = [
  taskId: string,
  channel: string,
  type: string,
  bytes: Uint8Array,
  taskPath: string,
];

/** Where one checkpoint namespace of one thread lives. */
export interface ThreadSpace {
  readonly thread: string;
  readonly ns: string;
}

/** The swarmstate namespaces and keys of one saver's data. */
export class SaverLayout {
  constructor(readonly prefix: string) {}

  get threads(): string {
    return `${this.prefix}.threads`;
  }

  namespacesOf(thread: string): string {
    return `${this.prefix}.thread:${JSON.stringify([thread])}`;
  }

  checkpoints({ thread, ns }: ThreadSpace): string {
    return `${this.prefix}.checkpoints:${JSON.stringify([thread, ns])}`;
  }

  blobs({ thread, ns }: ThreadSpace): string {
    return `${this.prefix}.blobs:${JSON.stringify([thread, ns])}`;
  }

  writes({ thread, ns }: ThreadSpace, checkpointId: string): string {
    return `${this.prefix}.writes:${JSON.stringify([thread, ns, checkpointId])}`;
  }

  /** Reads a swarmstate namespace back as what it holds, or `null` if it is not this saver's. */
  parse(namespace: string): ParsedNamespace | null {
    const at = namespace.indexOf(":");
    const kind = at < 0 ? namespace : namespace.slice(0, at);
    if (kind === this.threads) return { kind: "threads" };
    if (at < 0 || !kind.startsWith(`${this.prefix}.`)) return null;
    const parts = parseStrings(namespace.slice(at + 1));
    const [thread, ns, checkpointId] = parts ?? [];
    switch (kind.slice(this.prefix.length + 1)) {
      case "thread":
        return parts?.length === 1 && thread !== undefined ? { kind: "thread", thread } : null;
      case "checkpoints":
      case "blobs":
        return parts?.length === 2 && thread !== undefined && ns !== undefined
          ? { kind: kind.endsWith("blobs") ? "blobs" : "checkpoints", thread, ns }
          : null;
      case "writes":
        return parts?.length === 3 && thread !== undefined && ns !== undefined && checkpointId
          ? { kind: "writes", thread, ns, checkpointId }
          : null;
      default:
        return null;
    }
  }
}

/** One of this saver's namespaces, read back from its name. */
export type ParsedNamespace =
  | { kind: "threads" }
  | { kind: "thread"; thread: string }
  | { kind: "checkpoints" | "blobs"; thread: string; ns: string }
  | { kind: "writes"; thread: string; ns: string; checkpointId: string };

/** The key of a channel's blob at one version (numbers and strings stay distinct). */
export function blobKey(channel: string, version: number | string): string {
  return JSON.stringify([channel, version]);
}

/** The channel and version a blob key names. */
export function parseBlobKey(key: string): [channel: string, version: number | string] {
  return JSON.parse(key) as [string, number | string];
}

/** The key of a pending write: its task and index (negative for LangGraph's special channels). */
export function writeKey(taskId: string, idx: number): string {
  return JSON.stringify([taskId, idx]);
}

/** The task id and index a write key names. */
export function parseWriteKey(key: string): [taskId: string, idx: number] {
  return JSON.parse(key) as [string, number];
}

function parseStrings(text: string): string[] | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((part) => typeof part === "string")
      ? parsed
      : null;
  } catch {
    return null;
  }
}
