/**
 * Turns the sorted pair lists shards reply with into one sorted list, without stalling the
 * caller's event loop, and overlapping the caller's share with the shards': each list is read
 * as soon as its shard answers (a slice at a time, with a turn of the event loop between
 * slices), while slower shards are still working.
 *
 * Merging is cheap because a namespace lives on one shard only: each list is a run of whole
 * namespaces, so the merged list is those runs ordered by namespace, never a pair-by-pair merge.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { PackedPairs } from "../core/protocol/batch-format.js";
import type { Pair } from "../core/protocol/pairs.js";
import { PairsReader } from "../core/protocol/pairs.js";

/**
 * Pairs read (or, by a changeset's writer, written) between two turns of the event loop: a few
 * milliseconds of work.
 */
export const SLICE = 16_384;

/** One namespace's pairs inside a decoded list. */
interface Run {
  namespace: string;
  pairs: Pair[];
  start: number;
  end: number;
}

/** Merges per-shard sorted lists (namespaces disjoint between them) into one sorted list. */
export async function mergePairs(lists: Promise<PackedPairs>[]): Promise<Pair[]> {
  const decoded = await Promise.all(
    lists.map(async (pending) => {
      const list = await pending;
      return { list, pairs: await read(list) };
    }),
  );
  const nonEmpty = decoded.filter(({ pairs }) => pairs.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0]?.pairs ?? [];
  const runs = nonEmpty.flatMap(({ list, pairs }) => runsOf(list, pairs));
  runs.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  const merged: Pair[] = [];
  for (const { pairs, start, end } of runs) {
    for (let i = start; i < end; i++) {
      merged.push(pairs[i] as Pair);
      if (merged.length % SLICE === 0) await nextTurn();
    }
  }
  return merged;
}

async function read(list: PackedPairs): Promise<Pair[]> {
  const pairs: Pair[] = [];
  const reader = new PairsReader(list);
  reader.read(SLICE, pairs);
  while (!reader.done) {
    await nextTurn();
    reader.read(SLICE, pairs);
  }
  return pairs;
}

/** The namespaces' runs in `pairs`, as `list` (which they were read from) counts them. */
function runsOf({ namespaces, counts }: PackedPairs, pairs: Pair[]): Run[] {
  const runs: Run[] = [];
  let start = 0;
  namespaces.forEach((namespace, n) => {
    const end = start + (counts[n] as number);
    if (end > start) runs.push({ namespace, pairs, start, end });
    start = end;
  });
  return runs;
}
