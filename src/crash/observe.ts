/**
 * What a reopened store holds, read through the public API as tags (units.ts): its contents,
 * each live snapshot's, and the snapshots' facts. Reads go in chunks, each one batch per shard.
 */
import type { Snapshot, Store } from "../index.js";
import { idOf } from "../load/ledger.js";
import { readEntries } from "../load/store-contents.js";
import { FOREIGN, type Observed } from "./recovery-check.js";
import { factsOf, tagOfValue } from "./units.js";

const CHUNK = 500;

/** The store's contents and its live snapshots' facts. */
export async function observeStore(
  store: Store,
  snapshots: readonly Snapshot[],
): Promise<Observed> {
  const contents = await readEntries(store, (value) => tagOfValue(value) ?? FOREIGN);
  return { contents, snapshots: snapshots.map(factsOf) };
}

/** What `snapshot` holds, as tags. */
export async function snapshotContents(snapshot: Snapshot): Promise<Map<string, string>> {
  const pairs = await snapshot.keys();
  const contents = new Map<string, string>();
  for (let i = 0; i < pairs.length; i += CHUNK) {
    const chunk = pairs.slice(i, i + CHUNK);
    const values = await Promise.all(chunk.map(([namespace, key]) => snapshot.get(namespace, key)));
    values.forEach((value, j) => {
      const [namespace, key] = chunk[j] as [string, string];
      contents.set(idOf(namespace, key), tagOfValue(value) ?? FOREIGN);
    });
  }
  return contents;
}
