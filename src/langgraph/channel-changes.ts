/**
 * Which channels differ between two checkpoints, in swarmstate's terms: a channel is added or
 * removed when it has a stored value on one side only, and changed when both have one and the
 * stored bytes differ. Within one thread a channel whose version is the same on both sides is
 * the same blob, so it is neither read nor compared: the cost is the two records plus the
 * values of the channels whose versions differ.
 */
import type { StoreApi } from "../index.js";
import { readBlob } from "./records.js";
import { type Blob, blobKey, type SaverLayout } from "./saver-layout.js";
import type { LoadedRecord } from "./tuples.js";

/** Channel names, each list sorted; the same shape as a store `Diff`. */
export interface ChannelChanges {
  /** Channels with a value in `to` and none in `from`. */
  added: string[];
  /** Channels with a value in `from` and none in `to`. */
  removed: string[];
  /** Channels with a value in both, stored differently. */
  changed: string[];
}

export async function changedChannels(
  store: StoreApi,
  layout: SaverLayout,
  from: LoadedRecord,
  to: LoadedRecord,
): Promise<ChannelChanges> {
  const fromVersions = from.checkpoint.channel_versions;
  const toVersions = to.checkpoint.channel_versions;
  const sameSpace =
    from.ref.space.thread === to.ref.space.thread && from.ref.space.ns === to.ref.space.ns;
  const channels = [...new Set([...Object.keys(fromVersions), ...Object.keys(toVersions)])]
    .filter((ch) => !sameSpace || fromVersions[ch] !== toVersions[ch])
    .sort();
  const blobAt = (side: LoadedRecord, ch: string): [string, string] | null => {
    const version = side.checkpoint.channel_versions[ch];
    return version === undefined ? null : [layout.blobs(side.ref.space), blobKey(ch, version)];
  };
  const pairs = channels.flatMap((ch) => [blobAt(from, ch), blobAt(to, ch)]);
  const present = pairs.filter((pair): pair is [string, string] => pair !== null);
  const values = await store.getMany(present);
  // Keyed by the pair arrays themselves, which `pairs` holds.
  const found = new Map(
    present.map((pair, i) => [pair, readBlob(values[i], `${pair[0]}/${pair[1]}`)]),
  );
  const result: ChannelChanges = { added: [], removed: [], changed: [] };
  channels.forEach((ch, i) => {
    const [before, after] = [pairs[2 * i], pairs[2 * i + 1]].map((pair) =>
      pair ? found.get(pair) : undefined,
    );
    if (before === undefined && after !== undefined) result.added.push(ch);
    else if (before !== undefined && after === undefined) result.removed.push(ch);
    else if (before !== undefined && after !== undefined && !sameBlob(before, after)) {
      result.changed.push(ch);
    }
  });
  return result;
}

function sameBlob([typeA, bytesA]: Blob, [typeB, bytesB]: Blob): boolean {
  return typeA === typeB && Buffer.compare(bytesA, bytesB) === 0;
}
