/**
 * Delta channels' history (`getDeltaChannelHistory`): walking a checkpoint's ancestors, newest
 * first, for the writes to the requested channels, until each one's newest stored value (its
 * seed) is found. Only what the walk needs is read: each ancestor's record, its writes, and the
 * requested channels' blobs, never the other channels' values (which LangGraph's default walk
 * through `getTuple` would read at every ancestor).
 */
import type {
  CheckpointPendingWrite,
  DeltaChannelHistory,
  SerializerProtocol,
} from "@langchain/langgraph-checkpoint";
import type { StoreApi } from "../index.js";
import { blobKey, type SaverLayout } from "./saver-layout.js";
import type { CheckpointRef, LoadedRecord, TupleReader } from "./tuples.js";

/** The history of `channels` before `target` (none without a target), each in write order. */
export async function deltaChannelHistory(
  store: StoreApi,
  layout: SaverLayout,
  reader: TupleReader,
  serde: SerializerProtocol,
  target: LoadedRecord | undefined,
  channels: readonly string[],
): Promise<Record<string, DeltaChannelHistory>> {
  const newestFirst = new Map(channels.map((ch): [string, CheckpointPendingWrite[]] => [ch, []]));
  const seeds = new Map<string, unknown>();
  const remaining = new Set(channels);
  let cursor = target?.record.parent;
  while (target && typeof cursor === "string" && remaining.size > 0) {
    const ref: CheckpointRef = { space: target.ref.space, id: cursor };
    const [loaded] = await reader.records([ref]);
    if (loaded === undefined) break;
    const wanted = [...remaining].filter(
      (ch) => loaded.checkpoint.channel_versions[ch] !== undefined,
    );
    const [writes, blobs] = await Promise.all([
      reader.storedWrites(ref),
      store.getMany(
        wanted.map((ch): [string, string] => [
          layout.blobs(ref.space),
          blobKey(ch, loaded.checkpoint.channel_versions[ch] as number | string),
        ]),
      ),
    ]);
    const relevant = writes.filter(([, write]) => remaining.has(write[1]));
    const ordered = await reader.pendingWrites(relevant);
    for (const write of ordered.reverse()) newestFirst.get(write[1])?.push(write);
    await Promise.all(
      wanted.map(async (ch, i) => {
        const blob = blobs[i] as [string, Uint8Array] | undefined;
        if (blob === undefined) return;
        seeds.set(ch, await serde.loadsTyped(...blob));
        remaining.delete(ch);
      }),
    );
    cursor = loaded.record.parent;
  }
  return Object.fromEntries(
    channels.map((ch) => {
      const history: DeltaChannelHistory = { writes: [...(newestFirst.get(ch) ?? [])].reverse() };
      if (seeds.has(ch)) history.seed = seeds.get(ch);
      return [ch, history];
    }),
  );
}
