/**
 * Forking a thread: copying the history of one checkpoint (it and its ancestors, with their
 * pending writes) into a new thread, as stored. The fork point's own pending writes are what the
 * source did after it (finished tasks, an answer to an interrupt): they are left behind unless
 * asked for, so that the new thread runs on from that checkpoint as if it had just been
 * reached. Nothing is deserialized, and a channel version shared by many checkpoints (a
 * document that never changed) is copied once: the cost is what the source thread paid to
 * store that path, not (checkpoints x state) as when a history is copied through `list` and
 * `put`.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import type { StoreApi, Value } from "../index.js";
import { checkpointConfig } from "./config.js";
import { readCheckpointRecord } from "./records.js";
import {
  blobKey,
  type CheckpointRecord,
  type Head,
  type SaverLayout,
  type ThreadSpace,
} from "./saver-layout.js";
import type { CheckpointRef, TupleReader } from "./tuples.js";

export async function forkThread(
  store: StoreApi,
  layout: SaverLayout,
  reader: TupleReader,
  source: CheckpointRef,
  target: ThreadSpace,
  keepPendingWrites: boolean,
): Promise<RunnableConfig> {
  if ((await store.keys(layout.checkpoints(target))).length > 0) {
    throw new Error(
      `forkThread: thread ${JSON.stringify(target.thread)} already has checkpoints in namespace ` +
        `${JSON.stringify(target.ns)}; fork into a new thread`,
    );
  }
  const { path, fork } = await ancestry(store, layout, source);
  // The records the walk read, decoded: only their write keys are still to be listed.
  const writeKeys = await Promise.all(
    path.map(({ id }) => store.keys(layout.writes(source.space, id))),
  );
  const loaded = await Promise.all(
    path.map(({ id, record }, i) => reader.load({ space: source.space, id }, record, writeKeys[i])),
  );
  const pairs = new Map<string, [string, string, string]>(); // blob or write → [from ns, key, to ns]
  for (const item of loaded) {
    for (const [channel, version] of Object.entries(item.checkpoint.channel_versions)) {
      const key = blobKey(channel, version);
      pairs.set(`b${key}`, [layout.blobs(source.space), key, layout.blobs(target)]);
    }
    const isForkPoint = item.ref.id === source.id;
    for (const key of isForkPoint && !keepPendingWrites ? [] : (item.writeKeys ?? [])) {
      const from = layout.writes(source.space, item.ref.id);
      pairs.set(`w${from}${key}`, [from, key, layout.writes(target, item.ref.id)]);
    }
  }
  const copies = [...pairs.values()];
  const values = await store.getMany(copies.map(([ns, key]): [string, string] => [ns, key]));
  const items: [string, string, Value][] = [];
  copies.forEach(([, key, to], i) => {
    const value = values[i];
    if (value !== undefined) items.push([to, key, value]);
  });
  for (const { id, record } of path) items.push([layout.checkpoints(target), id, record]);
  const head: Head = { id: source.id, record: fork };
  items.push(
    [layout.threads, target.thread, null],
    [layout.namespacesOf(target.thread), target.ns, head],
  );
  await store.setMany(items);
  return checkpointConfig(target, source.id);
}

/** A checkpoint on the walk from the fork point back to its root. */
interface Ancestor {
  id: string;
  record: CheckpointRecord;
}

/**
 * The checkpoints from `source` back to its root, following parents, with their records;
 * `fork` is `source`'s own.
 */
async function ancestry(
  store: StoreApi,
  layout: SaverLayout,
  source: CheckpointRef,
): Promise<{ path: Ancestor[]; fork: CheckpointRecord }> {
  // Every record of the namespace in one read: the walk then costs no round trip per step.
  const namespace = layout.checkpoints(source.space);
  const ids = await store.keys(namespace);
  const values = await store.getMany(ids.map((id): [string, string] => [namespace, id]));
  const records = new Map<string, CheckpointRecord>();
  ids.forEach((id, i) => {
    const record = readCheckpointRecord(values[i], `${namespace}/${id}`);
    if (record !== undefined) records.set(id, record);
  });
  const path: Ancestor[] = [];
  const seen = new Set<string>(); // a cycle can only come from hand-made records
  for (let id: string | null = source.id; id !== null && !seen.has(id); ) {
    const record = records.get(id);
    if (record === undefined) break;
    seen.add(id);
    path.push({ id, record });
    id = record.parent;
  }
  const fork = path[0]?.record;
  if (fork === undefined) {
    throw new Error(
      `forkThread: no checkpoint ${JSON.stringify(source.id)} in thread ${JSON.stringify(source.space.thread)}`,
    );
  }
  return { path, fork };
}
