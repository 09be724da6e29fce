/**
 * The message format between the coordinator and a shard, whichever thread the shard lives in.
 *
 * A batch is every call queued for one shard during one flush, in call order. It is flat on
 * purpose: structured clone handles one array of strings and numbers far faster than thousands
 * of small objects, and the encoded values travel in one buffer that is transferred, not copied.
 *
 * Every op except `set` produces exactly one result slot, in order; `set` produces none, which
 * keeps replies to write bursts tiny.
 */
import type { SerializedError } from "./errors.js";

/** Op codes; each is followed in `Batch.ops` by the arguments listed. */
export const Op = {
  /** namespace, key, encoded length (bytes taken in order from `Batch.values`) */
  set: 1,
  /** namespace, key → encoded value (latin1 string) or undefined */
  get: 2,
  /** namespace, key → boolean */
  has: 3,
  /** namespace, key → boolean */
  delete: 4,
  /** namespace → sorted keys */
  keys: 5,
  /** → sorted namespaces */
  namespaces: 6,
  /** → entry count */
  size: 7,
  /** → null */
  clear: 8,
  /** snapshot id → encoded bytes of the shard at that moment */
  snapshot: 9,
  /** snapshot id → null */
  restore: 10,
  /** snapshot id → null */
  release: 11,
  /** snapshot id, namespace, key → encoded value or undefined */
  snapshotGet: 12,
  /** snapshot id → PackedPairs of every entry */
  snapshotKeys: 13,
  /** snapshot id, base snapshot id → PackedDiff */
  diff: 14,
} as const;

export type OpCode = (typeof Op)[keyof typeof Op];

/** Number of arguments following each op code. */
export const ARITY: Readonly<Record<OpCode, number>> = {
  1: 3,
  2: 2,
  3: 2,
  4: 2,
  5: 1,
  6: 0,
  7: 0,
  8: 0,
  9: 1,
  10: 1,
  11: 1,
  12: 3,
  13: 1,
  14: 2,
};

export interface Batch {
  /** Op codes, each followed by its arguments. */
  ops: (number | string)[];
  /** Encoded values of the `set` ops, back to back. */
  values: Uint8Array;
}

/** What the coordinator sends a shard's host for each batch. */
export interface ShardTask {
  /** Set on the first batch only: the shard is created then (see src/worker/shard-worker.ts). */
  init: boolean;
  batch: Batch;
}

/**
 * A sorted `[namespace, key]` list packed as msgpack chunks in `bytes` (chunk i ends at
 * `ends[i]`), so the receiving thread can decode a long list a chunk at a time, between other
 * work, instead of in one long stall.
 */
export interface PackedPairs {
  bytes: Uint8Array;
  ends: number[];
}

export interface PackedDiff {
  added: PackedPairs;
  removed: PackedPairs;
  changed: PackedPairs;
}

export interface Reply {
  /** One slot per op except `set`, in op order. */
  results: unknown[];
  /** `[result slot, error]` for ops that failed; their slot holds `null`. */
  failures: [number, SerializedError][];
}
