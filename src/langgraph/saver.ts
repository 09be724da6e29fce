/**
 * `SwarmStateSaver`: a LangGraph.js checkpointer over any swarmstate `StoreApi`. It validates
 * arguments and turns each call into a few batched store calls; where things are kept is
 * saver-layout.ts, how checkpoints are read back tuples.ts. It holds no state of its own.
 */

import type { RunnableConfig } from "@langchain/core/runnables";
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointTuple,
  copyCheckpoint,
  type DeltaChannelHistory,
  type PendingWrite,
  type SerializerProtocol,
  WRITES_IDX_MAP,
} from "@langchain/langgraph-checkpoint";
import type { Snapshot, StoreApi, Value } from "../index.js";
import { type ChannelChanges, changedChannels } from "./channel-changes.js";
import {
  checkpointConfig,
  optionalCheckpointId,
  optionalNamespace,
  optionalThread,
  requireCheckpointId,
  requireSpace,
} from "./config.js";
import { deleteThread } from "./delete-thread.js";
import { deltaChannelHistory } from "./delta-history.js";
import { forkThread } from "./fork.js";
import { type HistoryChanges, historyChanges } from "./history-changes.js";
import { listed, matchesFilter } from "./listing.js";
import { checkPrefix, checkStoreApi } from "./options.js";
import { readHead } from "./records.js";
import {
  blobKey,
  CHECKPOINT_RECORD_VERSION,
  type CheckpointRecord,
  type Head,
  SaverLayout,
  type StoredWrite,
  type ThreadSpace,
  writeKey,
} from "./saver-layout.js";
import { type CheckpointRef, type LoadedRecord, TupleReader } from "./tuples.js";
import { nextVersion } from "./versions.js";

/** Options of {@link SwarmStateSaver}. */
export interface SwarmStateSaverOptions {
  /** Where checkpoints are kept: a `Store` or a `RemoteStore` (any `StoreApi`). */
  store: StoreApi;
  /**
   * Start of every swarmstate namespace the saver uses (default `"langgraph"`), so that several
   * savers, a `SwarmStateStore` and other data can share one store. No `:` allowed.
   */
  prefix?: string;
  /** How channel values, metadata and writes are serialized (default: LangGraph's JSON+). */
  serde?: SerializerProtocol;
}

/** How many checkpoints `list` reads per round of store calls. */
const LIST_PAGE = 32;

type Triple = [string, string, Value];

/**
 * A LangGraph.js checkpointer that keeps thread histories in a swarmstate store: `put` stores
 * only the channels that changed (one blob per channel version) and a small record, `getTuple`
 * reads a record and one blob per channel, and `list` reads one thread's namespaces only.
 *
 * Beyond `BaseCheckpointSaver`: {@link changedChannels} between any two checkpoints,
 * {@link forkThread} to copy a history into a new thread, and {@link changes} to say what a
 * stretch of the store's history did to checkpoints (from two store snapshots).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
 * import { Store } from "swarmstate";
 * import { SwarmStateSaver } from "swarmstate/langgraph";
 *
 * const State = Annotation.Root({
 *   turns: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
 * });
 * const store = new Store({ shards: 2 });
 * const checkpointer = new SwarmStateSaver({ store });
 * const graph = new StateGraph(State)
 *   .addNode("turn", () => ({ turns: 1 }))
 *   .addEdge(START, "turn")
 *   .addEdge("turn", END)
 *   .compile({ checkpointer });
 * const t1 = { configurable: { thread_id: "t1" } };
 * const turnsOf = async (thread_id: string) =>
 *   (await graph.getState({ configurable: { thread_id } })).values.turns;
 * await graph.invoke({}, t1);
 *
 * // What a stretch of the store's history did to every thread: here, one more turn on t1.
 * const before = await store.snapshot();
 * await graph.invoke({}, t1);
 * const report = await checkpointer.changes(before, await store.snapshot());
 * assert.deepEqual(
 *   report.channels.map((c) => c.thread_id),
 *   ["t1"],
 * );
 *
 * // Which channels that turn changed: its last checkpoint against the one before.
 * const latest = await checkpointer.getTuple(t1);
 * assert(latest?.parentConfig !== undefined);
 * const { changed } = await checkpointer.changedChannels(latest.parentConfig, latest.config);
 * assert.ok(changed.includes("turns"));
 *
 * // A new thread that goes on from t1's latest checkpoint; t1 is untouched.
 * await checkpointer.forkThread(latest.config, "t1-copy");
 * await graph.invoke({}, { configurable: { thread_id: "t1-copy" } });
 * assert.deepEqual([await turnsOf("t1"), await turnsOf("t1-copy")], [2, 3]);
 *
 * // Every thread back to before the second turn (the fork, made since, is gone too).
 * await store.restore(before);
 * assert.deepEqual([await turnsOf("t1"), await turnsOf("t1-copy")], [1, undefined]);
 * await store.close();
 * ```
 */
export class SwarmStateSaver extends BaseCheckpointSaver {
  /** The store the checkpoints live in. */
  readonly store: StoreApi;
  /** Start of every swarmstate namespace this saver uses. */
  readonly prefix: string;
  readonly #layout: SaverLayout;
  readonly #reader: TupleReader;

  constructor(options: SwarmStateSaverOptions) {
    super(options?.serde);
    this.store = checkStoreApi(options, "SwarmStateSaver");
    this.prefix = checkPrefix(options.prefix, "SwarmStateSaver");
    this.#layout = new SaverLayout(this.prefix);
    this.#reader = new TupleReader(this.store, this.#layout, this.serde);
  }

  /**
   * The checkpoint `config` names (its `checkpoint_id`, or the thread's latest), with its
   * channel values, pending writes and parent; `undefined` if there is none.
   */
  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const loaded = await this.#load(config, "config");
    if (loaded === undefined) return undefined;
    const [tuple] = await this.#reader.tuples([loaded]);
    return tuple;
  }

  /**
   * Checkpoints newest first (by id), of one thread and namespace, one thread's every
   * namespace, or every thread when `config` names none; `before`, `filter` (metadata fields,
   * compared deeply) and `limit` as in LangGraph. Reads a page of checkpoints at a time.
   */
  async *list(
    config: RunnableConfig,
    options?: CheckpointListOptions,
  ): AsyncGenerator<CheckpointTuple> {
    const { filter, limit } = options ?? {};
    if (limit !== undefined && (typeof limit !== "number" || Number.isNaN(limit))) {
      throw new TypeError(`options.limit must be a number, got ${typeof limit}`);
    }
    let left = limit ?? Number.POSITIVE_INFINITY;
    const refs = await listed(this.store, this.#layout, config, options?.before);
    for (let start = 0; start < refs.length && left > 0; start += LIST_PAGE) {
      const loaded = (await this.#reader.records(refs.slice(start, start + LIST_PAGE))).filter(
        (item): item is LoadedRecord => item !== undefined && matchesFilter(item.metadata, filter),
      );
      const kept = loaded.slice(0, left);
      left -= kept.length;
      yield* await this.#reader.tuples(kept);
    }
  }

  /**
   * Stores a checkpoint: its record, and a blob for each channel named in `newVersions` only
   * (the others keep the blobs of their current versions).
   */
  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    // Copied before the first await: the caller may go on changing its checkpoint.
    const { channel_values: values, ...rest } = copyCheckpoint(checkpoint);
    const space = requireSpace(config, "config");
    const parent = optionalCheckpointId(config, "config") ?? null;
    if (typeof checkpoint.id !== "string" || checkpoint.id === "") {
      throw new TypeError("checkpoint.id must be a non-empty string");
    }
    const changed = Object.keys(newVersions ?? {}).filter(
      (channel) => Object.hasOwn(values, channel) && values[channel] !== undefined,
    );
    const [blobs, serializedCheckpoint, serializedMetadata] = await Promise.all([
      Promise.all(
        changed.map(async (channel): Promise<Triple> => {
          const version = rest.channel_versions[channel] ?? (newVersions[channel] as number);
          const blob = await this.serde.dumpsTyped(values[channel]);
          return [this.#layout.blobs(space), blobKey(channel, version), blob];
        }),
      ),
      this.serde.dumpsTyped(rest),
      this.serde.dumpsTyped(metadata),
    ]);
    const record: CheckpointRecord = {
      v: CHECKPOINT_RECORD_VERSION,
      parent,
      checkpoint: serializedCheckpoint,
      metadata: serializedMetadata,
    };
    const head: Head = { id: checkpoint.id, record };
    await this.store.setMany([
      ...blobs,
      [this.#layout.checkpoints(space), checkpoint.id, record],
      [this.#layout.threads, space.thread, null],
      [this.#layout.namespacesOf(space.thread), space.ns, head],
    ]);
    return checkpointConfig(space, checkpoint.id);
  }

  /**
   * Stores a task's writes against a checkpoint. A write to one of LangGraph's special channels
   * (errors, interrupts, resumes, scheduled) replaces an earlier one from the same task; any
   * other write is kept only if the task has not written at that index yet (a retried task does
   * not overwrite what it wrote the first time).
   */
  async putWrites(
    config: RunnableConfig,
    writes: PendingWrite[],
    taskId: string,
    taskPath = "",
  ): Promise<void> {
    const space = requireSpace(config, "config");
    const id = requireCheckpointId(config, "config");
    if (typeof taskId !== "string") throw new TypeError("taskId must be a string");
    const namespace = this.#layout.writes(space, id);
    const entries = writes.map(([channel, value], i) => {
      // Own properties only: a channel named "constructor" is an ordinary channel.
      const special = Object.hasOwn(WRITES_IDX_MAP, channel);
      const key = writeKey(taskId, special ? (WRITES_IDX_MAP[channel] as number) : i);
      return { channel, value, key, replaces: special };
    });
    const [present, serialized] = await Promise.all([
      Promise.all(entries.map((e) => (e.replaces ? false : this.store.has(namespace, e.key)))),
      Promise.all(entries.map((e) => this.serde.dumpsTyped(e.value))),
    ]);
    const items = entries.flatMap(({ channel, key }, i): Triple[] => {
      const [type, bytes] = serialized[i] as [string, Uint8Array];
      const write: StoredWrite = [taskId, channel, type, bytes, taskPath];
      return present[i] ? [] : [[namespace, key, write]];
    });
    await this.store.setMany(items);
  }

  /** Deletes every checkpoint, blob and write of a thread, in all its namespaces. */
  async deleteThread(threadId: string): Promise<void> {
    if (typeof threadId !== "string") throw new TypeError("threadId must be a string");
    await deleteThread(this.store, this.#layout, threadId);
  }

  /**
   * The writes to delta channels before a checkpoint, with each one's seed, reading only what
   * the walk needs (see delta-history.ts).
   */
  override async getDeltaChannelHistory(options: {
    config: RunnableConfig;
    channels: string[];
  }): Promise<Record<string, DeltaChannelHistory>> {
    const { config, channels } = options;
    const target = channels.length > 0 ? await this.#load(config, "config") : undefined;
    return deltaChannelHistory(
      this.store,
      this.#layout,
      this.#reader,
      this.serde,
      target,
      channels,
    );
  }

  /**
   * The next version of a channel: the next integer plus a random fraction, so that branches
   * forked from one checkpoint never share a version (see versions.ts).
   */
  override getNextVersion(current: number | undefined): number {
    return nextVersion(current);
  }

  /**
   * Which channels differ between two checkpoints (each named by a config, the latest of its
   * thread when it names no checkpoint), with swarmstate's meaning of "changed": the stored
   * bytes differ. Reads the two records and only the values of channels whose versions
   * differ: a large channel that did not change is never read.
   *
   * The class's example shows it, with {@link forkThread} and {@link changes}.
   */
  async changedChannels(from: RunnableConfig, to: RunnableConfig): Promise<ChannelChanges> {
    const [fromRecord, toRecord] = await Promise.all([
      this.#load(from, "from"),
      this.#load(to, "to"),
    ]);
    if (fromRecord === undefined) throw missing(from, "from");
    if (toRecord === undefined) throw missing(to, "to");
    return changedChannels(this.store, this.#layout, fromRecord, toRecord);
  }

  /**
   * Copies a thread's history as of one checkpoint (that checkpoint and its ancestors, with
   * their pending writes) into a new thread, as stored: no value is deserialized, and each
   * channel version is copied once, not once per checkpoint. The new thread then goes its own
   * way; the source is not touched. Returns the config of the copied checkpoint in the new
   * thread. Only the checkpoint namespace `from` names is copied (subgraphs' are not).
   *
   * The new thread starts at that checkpoint as if it had just been reached: the checkpoint's
   * own pending writes (what the source did after it, such as the answer to an interrupt) are
   * left behind, unless `options.pendingWrites` is `true` (an exact copy).
   * The class's example shows it.
   */
  async forkThread(
    from: RunnableConfig,
    toThreadId: string,
    options?: { pendingWrites?: boolean },
  ): Promise<RunnableConfig> {
    if (typeof toThreadId !== "string") throw new TypeError("toThreadId must be a string");
    const ref = await this.#resolve(from, "from");
    if (ref === undefined) throw missing(from, "from");
    const target: ThreadSpace = { thread: toThreadId, ns: ref.space.ns };
    const keep = options?.pendingWrites ?? false;
    return forkThread(this.store, this.#layout, this.#reader, ref, target, keep);
  }

  /**
   * What happened to checkpoint histories between two snapshots of the store (taken with
   * `store.snapshot()`, before and after some runs): the checkpoints that appeared or went, and
   * for each thread the channels that got new values. Costs what `target.diff(base)` costs: what
   * was written in between, not the size of the histories.
   * The class's example shows it: then `store.restore(base)` undoes all of it, on every thread
   * and in the memory store.
   */
  async changes(base: Snapshot, target: Snapshot): Promise<HistoryChanges> {
    return historyChanges(this.#layout, await target.diff(base));
  }

  /** The checkpoint a config names: its own id, or its thread's latest (the head). */
  async #resolve(config: RunnableConfig, what: string): Promise<CheckpointRef | undefined> {
    const space = this.#spaceOf(config, what);
    if (space === undefined) return undefined;
    const id = optionalCheckpointId(config, what) ?? (await this.#head(space))?.id;
    return id === undefined ? undefined : { space, id };
  }

  /** The record a config names, decoded: one read for the latest, the head holding it. */
  async #load(config: RunnableConfig, what: string): Promise<LoadedRecord | undefined> {
    const space = this.#spaceOf(config, what);
    if (space === undefined) return undefined;
    const id = optionalCheckpointId(config, what);
    if (id !== undefined) return (await this.#reader.records([{ space, id }]))[0];
    const head = await this.#head(space);
    return head && this.#reader.load({ space, id: head.id }, head.record);
  }

  #spaceOf(config: RunnableConfig, what: string): ThreadSpace | undefined {
    const thread = optionalThread(config, what);
    return thread === undefined ? undefined : { thread, ns: optionalNamespace(config, what) ?? "" };
  }

  async #head(space: ThreadSpace): Promise<Head | undefined> {
    const namespace = this.#layout.namespacesOf(space.thread);
    return readHead(await this.store.get(namespace, space.ns), `${namespace}/${space.ns}`);
  }
}

function missing(config: RunnableConfig, what: string): Error {
  return new Error(`${what}: no checkpoint found for ${JSON.stringify(config.configurable ?? {})}`);
}
