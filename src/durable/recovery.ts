/**
 * What a durable store keeps of its shards' logs when it reopens after a crash: every batch and
 * cut all or nothing across shards, and for each client a prefix of its batches.
 *
 * Crash or damage, in one place (each rule is kept where its files are read):
 * - Within a file (frames.ts): a frame cut short at the very end, with nothing sound after it,
 *   is a torn write, a crash; only the newest segment may end so (segments.ts), and the cut
 *   bytes are kept aside. Any other frame that does not read, or a sound one that is not the
 *   record it claims (log-records.ts), is damage.
 * - Within a shard (segments.ts, checkpoint-file.ts, shard-files.ts): positions without a gap
 *   from the checkpoint on, headers naming this store and shard, a checkpoint that reads whole,
 *   and a log that reaches what reached.json says it had reached (reached.ts); a shard without
 *   files where the store has that record is damage.
 * - Across shards (below): only the last cut may be missing anywhere.
 * Damage is a `StoreDamagedError` naming the file, the offset and what is wrong, raised before
 * anything is written, so a refused open changes nothing on disk.
 *
 * Each shard has its own files, so a batch whose flush wrote to several shards (a `setMany`
 * across namespaces, a tick's calls) is several commits, and a crash can leave some of them on
 * disk and not others; the same holds for a cut (snapshot, restore, clear), logged by every
 * shard. The rule, from what every shard found after its checkpoint:
 *
 * - A cut counts if every shard has its record (or a checkpoint taken at or after it). Only the
 *   last cut can lack records: cuts are placed one at a time, each once the one before is on
 *   every shard's disk. A shard lacking an earlier one is damage, not a crash.
 * - A client's flush counts if every shard it wrote to has its part: part `seq` on shard `s` is
 *   there if the log holds it or the checkpoint covers it. A client's flushes are ordered by
 *   their `sent` vectors (they only grow); from its first flush that does not count on, nothing
 *   of that client is kept. A client is only told a flush is done once its earlier ones are
 *   (see client/data-path.ts), so everything acknowledged is before that point.
 *
 * Whatever is dropped lies after the last cut that counts, on every shard: a cut holds, with any
 * batch of a flush, every part of it (core/protocol/cut.ts), and every shard logs what it applied
 * before a cut ahead of that cut's record. So the shards replay the same history up to that cut,
 * and after it each one keeps the batches that count, in the order it applied them.
 */

import { StoreDamagedError } from "../core/errors.js";

/** What one shard found after its checkpoint. */
export interface ShardFindings {
  /** The cut its checkpoint was taken at (0: none). */
  checkpointCut: number;
  /** Per client, how many of its batches the checkpoint holds. */
  covered: [client: string, seq: number][];
  /** The cut records after the checkpoint, by cut number. */
  cuts: number[];
  /** The batch records after the checkpoint. */
  batches: { client: string; seq: number; sent: number[]; writers: number[] }[];
  /** The last log position it read, all of it on disk (for reached.json). */
  position: number;
}

export interface RecoveryDecision {
  /** Cuts to leave out (not logged by every shard). */
  dropCuts: number[];
  /** Per client, where its kept batches end: drop those whose `sent` vector sums to this or more. */
  dropFrom: [client: string, sentSum: number][];
}

/**
 * What counts (see the module comment).
 * @throws StoreDamagedError (naming `where`) if a shard lacks a cut that no crash explains.
 */
export function decideRecovery(shards: readonly ShardFindings[], where: string): RecoveryDecision {
  const cuts = new Set(shards.flatMap((s) => s.cuts));
  const has = (s: ShardFindings, cut: number) => s.cuts.includes(cut) || cut <= s.checkpointCut;
  const dropCuts = [...cuts].filter((cut) => !shards.every((s) => has(s, cut)));
  // The coordinator places a cut only once the one before is on every shard's disk, so a crash
  // can leave only the last cut in part. A shard without an earlier one has lost files, or is
  // an older copy of itself.
  const last = Math.max(0, ...cuts, ...shards.map((s) => s.checkpointCut));
  const lost = dropCuts.find((cut) => cut !== last);
  if (lost !== undefined) {
    const shard = shards.findIndex((s) => !has(s, lost));
    throw new StoreDamagedError(
      where,
      `shard ${shard} lacks cut ${lost}, which other shards have, though cut ${last} came ` +
        "after it: its files are older than the others' (a stale copy?) or lost entries",
    );
  }

  const covered = shards.map((s) => new Map(s.covered));
  const logged = shards.map((s) => {
    const seqs = new Map<string, Set<number>>();
    for (const { client, seq } of s.batches) {
      let set = seqs.get(client);
      if (set === undefined) {
        set = new Set();
        seqs.set(client, set);
      }
      set.add(seq);
    }
    return seqs;
  });
  const hasPart = (shard: number, client: string, seq: number) =>
    (covered[shard]?.get(client) ?? 0) >= seq || (logged[shard]?.get(client)?.has(seq) ?? false);

  const flushes = new Map<string, Map<string, { sent: number[]; writers: number[] }>>();
  for (const s of shards) {
    for (const { client, sent, writers } of s.batches) {
      let byVector = flushes.get(client);
      if (byVector === undefined) {
        byVector = new Map();
        flushes.set(client, byVector);
      }
      byVector.set(sent.join(","), { sent, writers });
    }
  }
  const dropFrom: [string, number][] = [];
  for (const [client, byVector] of flushes) {
    const ordered = [...byVector.values()].sort((a, b) => sum(a.sent) - sum(b.sent));
    const first = ordered.find(({ sent, writers }) =>
      writers.some((shard) => !hasPart(shard, client, sent[shard] ?? 0)),
    );
    if (first !== undefined) dropFrom.push([client, sum(first.sent)]);
  }
  return { dropCuts, dropFrom };
}

export function sum(vector: readonly number[]): number {
  let total = 0;
  for (const n of vector) total += n;
  return total;
}
