/**
 * Turns the sorted pair lists shards reply with into one sorted list, without stalling the
 * caller's event loop: long lists are decoded a chunk at a time and merged in slices, with a
 * turn of the event loop between slices, so timers and I/O keep running during a big diff.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { PackedPairs } from "../core/batch-format.js";
import { chunkCount, PAIRS_PER_CHUNK, unpackChunk } from "../core/pairs.js";

export type Pair = [string, string];

/** Merges per-shard sorted lists into one list sorted by namespace, then key. */
export async function mergePairs(lists: PackedPairs[]): Promise<Pair[]> {
  const decoded: Pair[][] = [];
  let chunks = 0;
  for (const list of lists) {
    const pairs: Pair[] = [];
    for (let i = 0; i < chunkCount(list); i++) {
      if (chunks++ > 0) await nextTurn();
      unpackChunk(list, i, pairs);
    }
    decoded.push(pairs);
  }
  const nonEmpty = decoded.filter((pairs) => pairs.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  return mergeSorted(nonEmpty);
}

async function mergeSorted(lists: Pair[][]): Promise<Pair[]> {
  const merged: Pair[] = [];
  const cursors = lists.map(() => 0);
  let total = 0;
  for (const list of lists) total += list.length;
  while (merged.length < total) {
    if (merged.length > 0 && merged.length % PAIRS_PER_CHUNK === 0) await nextTurn();
    let best = -1;
    let bestPair: Pair | undefined;
    lists.forEach((list, i) => {
      const pair = list[cursors[i] as number];
      if (pair !== undefined && (bestPair === undefined || comparePairs(pair, bestPair) < 0)) {
        best = i;
        bestPair = pair;
      }
    });
    merged.push(bestPair as Pair);
    cursors[best] = (cursors[best] as number) + 1;
  }
  return merged;
}

/** UTF-16 code unit order, namespace first: JavaScript's default string order. */
export function comparePairs(a: Pair, b: Pair): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return 0;
}
