/**
 * The stores the throughput and latency cases compare, each holding the same entries:
 * swarmstate with 0, 1, 2 and 4 shards, and the two baselines (see baselines.ts).
 */
import { Store } from "../../dist/index.js";
import { ClonedMap, ImmutableBytes, type KeyValueStore } from "./baselines.js";
import { range, write } from "./data.js";

export interface Contender {
  name: string;
  /** A baseline rather than swarmstate. */
  baseline: boolean;
  store: KeyValueStore;
}

export const SHARD_COUNTS = [0, 1, 2, 4] as const;
export const CLONED_MAP = "Map + structuredClone";
export const IMMUTABLE_BYTES = "immutable + msgpack";

export const shardsName = (shards: number) => `shards ${shards}`;

/** Every contender, filled with entries `0 … entries-1`. */
export async function openContenders(entries: number): Promise<Contender[]> {
  const contenders: Contender[] = [
    ...SHARD_COUNTS.map((shards) => ({
      name: shardsName(shards),
      baseline: false,
      store: new Store({ shards }),
    })),
    { name: CLONED_MAP, baseline: true, store: new ClonedMap() },
    { name: IMMUTABLE_BYTES, baseline: true, store: new ImmutableBytes() },
  ];
  for (const { store } of contenders) await write(store, range(entries));
  return contenders;
}

export async function closeAll(contenders: readonly Contender[]): Promise<void> {
  await Promise.all(contenders.map(({ store }) => store.close()));
}
