/**
 * Reading checkpoints back as LangGraph's `CheckpointTuple`s: a record, one blob per channel
 * with a stored value, and the checkpoint's pending writes, in two round trips for any number of
 * checkpoints (records and write keys, then blobs and writes together; a blob shared by several
 * checkpoints is read once). Values go through the saver's serde on the way out.
 */
import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  maxChannelVersion,
  type SerializerProtocol,
  TASKS,
  writesSortKey,
} from "@langchain/langgraph-checkpoint";
import type { StoreApi, Value } from "../index.js";
import { checkpointConfig } from "./config.js";
import { readBlob, readCheckpointRecord, readStoredWrite } from "./records.js";
import {
  blobKey,
  type CheckpointRecord,
  parseWriteKey,
  type SaverLayout,
  type StoredWrite,
  type ThreadSpace,
} from "./saver-layout.js";

/** One checkpoint to read: where it lives and its id. */
export interface CheckpointRef {
  readonly space: ThreadSpace;
  readonly id: string;
}

/** A checkpoint's record with its checkpoint (no channel values yet) and metadata decoded. */
export interface LoadedRecord {
  readonly ref: CheckpointRef;
  readonly record: CheckpointRecord;
  readonly checkpoint: Checkpoint;
  readonly metadata: CheckpointMetadata;
  /** Keys of its pending writes; `undefined` where not read yet ({@link TupleReader.tuples} reads them). */
  readonly writeKeys: string[] | undefined;
}

type Pair = [string, string];

export class TupleReader {
  constructor(
    private readonly store: StoreApi,
    private readonly layout: SaverLayout,
    private readonly serde: SerializerProtocol,
  ) {}

  /** The records of `refs` (one round trip), `undefined` where there is none. */
  async records(refs: readonly CheckpointRef[]): Promise<(LoadedRecord | undefined)[]> {
    const [stored, writeKeys] = await Promise.all([
      this.store.getMany(refs.map((ref): Pair => [this.layout.checkpoints(ref.space), ref.id])),
      Promise.all(refs.map((ref) => this.store.keys(this.layout.writes(ref.space, ref.id)))),
    ]);
    return Promise.all(
      refs.map((ref, i) => {
        const where = `${this.layout.checkpoints(ref.space)}/${ref.id}`;
        const record = readCheckpointRecord(stored[i], where);
        return record === undefined ? undefined : this.load(ref, record, writeKeys[i] ?? []);
      }),
    );
  }

  /** A record read elsewhere (a thread's head), decoded. */
  async load(
    ref: CheckpointRef,
    record: CheckpointRecord,
    writeKeys?: string[],
  ): Promise<LoadedRecord> {
    const [checkpoint, metadata] = await Promise.all([
      this.serde.loadsTyped(...record.checkpoint) as Promise<Checkpoint>,
      this.serde.loadsTyped(...record.metadata) as Promise<CheckpointMetadata>,
    ]);
    return { ref, record, checkpoint, metadata, writeKeys };
  }

  /**
   * The full tuples of loaded records: channel values and pending writes, in one round trip
   * (blobs and writes together; write keys not read yet are listed alongside, and their writes
   * read after, only where there are some).
   */
  async tuples(loaded: readonly LoadedRecord[]): Promise<CheckpointTuple[]> {
    const pairs = new PairSet();
    const blobIndexes = loaded.map(({ ref, checkpoint }) =>
      Object.entries(checkpoint.channel_versions).map(([channel, version]): [string, number] => [
        channel,
        pairs.add(this.layout.blobs(ref.space), blobKey(channel, version)),
      ]),
    );
    const writesOf = ({ ref }: LoadedRecord) => this.layout.writes(ref.space, ref.id);
    const known = loaded.map(({ writeKeys }) => writeKeys);
    const knownIndexes = loaded.map((item, i) =>
      (known[i] ?? []).map((key) => pairs.add(writesOf(item), key)),
    );
    const [values, late] = await Promise.all([
      this.store.getMany(pairs.list),
      Promise.all(loaded.map((item, i) => (known[i] ? [] : this.store.keys(writesOf(item))))),
    ]);
    const latePairs = loaded.flatMap((item, i) =>
      (late[i] ?? []).map((key): Pair => [writesOf(item), key]),
    );
    const lateValues = latePairs.length > 0 ? await this.store.getMany(latePairs) : [];
    let lateAt = 0;
    const writes = loaded.map((item, i) => {
      const knownKeys = known[i];
      if (knownKeys)
        return keyed(
          writesOf(item),
          knownKeys,
          (knownIndexes[i] ?? []).map((at) => values[at]),
        );
      const lateKeys = late[i] ?? [];
      lateAt += lateKeys.length;
      return keyed(writesOf(item), lateKeys, lateValues.slice(lateAt - lateKeys.length, lateAt));
    });
    // Values decoded all at once, without a promise per channel; once per tuple, so that no two
    // tuples share an object (a blob is read once for a page of checkpoints, decoded per tuple).
    const decoded = await Promise.all(
      blobIndexes.map((indexes) =>
        Promise.all(
          indexes.map(([, at]) => {
            const [namespace, key] = pairs.list[at] as Pair;
            const blob = readBlob(values[at], `${namespace}/${key}`);
            return blob === undefined ? undefined : this.serde.loadsTyped(...blob);
          }),
        ),
      ),
    );
    return Promise.all(
      loaded.map(async (item, i) => {
        const channelValues: Record<string, unknown> = {};
        (blobIndexes[i] ?? []).forEach(([channel, at], j) => {
          if (values[at] !== undefined) channelValues[channel] = decoded[i]?.[j];
        });
        const checkpoint: Checkpoint = { ...item.checkpoint, channel_values: channelValues };
        if (checkpoint.v < 4 && item.record.parent !== null) {
          await this.migratePendingSends(checkpoint, {
            space: item.ref.space,
            id: item.record.parent,
          });
        }
        const itemWrites = writes[i] ?? [];
        const pending = itemWrites.length > 0 ? await this.pendingWrites(itemWrites) : [];
        return this.tupleOf(item, checkpoint, pending);
      }),
    );
  }

  /** Pending writes in LangGraph's replay order: task path, task id, index. */
  async pendingWrites(writes: readonly [string, StoredWrite][]): Promise<CheckpointPendingWrite[]> {
    const sorted = writes
      .map(([key, write]) => {
        const [taskId, idx] = parseWriteKey(key);
        return { sortKey: writesSortKey(write[4], taskId, idx), write };
      })
      .sort((a, b) => compareWritesSortKeys(a.sortKey, b.sortKey));
    return Promise.all(
      sorted.map(
        async ({ write: [taskId, channel, type, bytes] }): Promise<CheckpointPendingWrite> => [
          taskId,
          channel,
          await this.serde.loadsTyped(type, bytes),
        ],
      ),
    );
  }

  /** A checkpoint's stored pending writes, keyed (one round trip after the keys). */
  async storedWrites(ref: CheckpointRef): Promise<[string, StoredWrite][]> {
    const namespace = this.layout.writes(ref.space, ref.id);
    const keys = await this.store.keys(namespace);
    const values = await this.store.getMany(keys.map((key): Pair => [namespace, key]));
    return keyed(namespace, keys, values);
  }

  private tupleOf(
    { ref, record, metadata }: LoadedRecord,
    checkpoint: Checkpoint,
    pendingWrites: CheckpointPendingWrite[],
  ): CheckpointTuple {
    const tuple: CheckpointTuple = {
      config: checkpointConfig(ref.space, ref.id),
      checkpoint,
      metadata,
      pendingWrites,
    };
    if (record.parent !== null) tuple.parentConfig = checkpointConfig(ref.space, record.parent);
    return tuple;
  }

  /**
   * Checkpoints of format 3 and older kept the sends scheduled for the next step as writes to
   * TASKS on their parent; format 4 keeps them as the TASKS channel. LangGraph's savers convert
   * on read, and so does this one (nothing stored changes).
   */
  private async migratePendingSends(checkpoint: Checkpoint, parent: CheckpointRef): Promise<void> {
    const writes = await this.pendingWrites(await this.storedWrites(parent));
    checkpoint.channel_values[TASKS] = writes
      .filter(([, channel]) => channel === TASKS)
      .map(([, , value]) => value);
    const versions = Object.values(checkpoint.channel_versions);
    checkpoint.channel_versions[TASKS] = versions.length > 0 ? maxChannelVersion(...versions) : 1;
  }
}

/** `[namespace, key]` pairs to read in one `getMany`, each listed once. */
class PairSet {
  readonly list: Pair[] = [];
  private readonly index = new Map<string, number>();

  /** Adds a pair (once) and returns its position in {@link list}. */
  add(namespace: string, key: string): number {
    const id = JSON.stringify([namespace, key]);
    let at = this.index.get(id);
    if (at === undefined) {
      at = this.list.push([namespace, key]) - 1;
      this.index.set(id, at);
    }
    return at;
  }
}

/** Writes with their keys; one deleted between listing and reading is left out. */
function keyed(
  namespace: string,
  keys: readonly string[],
  values: readonly (Value | undefined)[],
): [string, StoredWrite][] {
  return keys.flatMap((key, i) => {
    const value = readStoredWrite(values[i], `${namespace}/${key}`);
    return value === undefined ? [] : [[key, value]];
  });
}
