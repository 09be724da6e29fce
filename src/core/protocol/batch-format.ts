/**
 * The messages between clients, the coordinator and a shard, whichever thread the shard lives in.
 *
 * A batch is every call one client queued for one shard during one flush, in call order. It is
 * flat on purpose: structured clone handles one array of strings and numbers far faster than
 * thousands of small objects. Encoded values travel inside it as one-byte (latin1) strings, the
 * form a shard keeps them in (see core/state/state.ts): cloning a string is a copy of its bytes,
 * where a buffer, even an empty one transferred, costs about a microsecond more per message. It
 * carries the sequence numbers of the cut rule (see cut.ts).
 *
 * Every op except `set` produces exactly one result slot, in order; `set` produces none, which
 * keeps replies to write bursts tiny. Store-wide operations (snapshot, restore, clear, apply) are
 * not batch ops: they are cuts, ordered by the coordinator (`CutAction`).
 */

import type { SerializedError } from "../errors.js";
import type { ClientId, CutNeed, Sequenced } from "./cut.js";

/** Op codes; each is followed in `Batch.ops` by the arguments listed. */
export const Op = {
  /** namespace, key, encoded value (latin1 string) */
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
  /** snapshot id → null (a no-op if this shard no longer holds it) */
  release: 11,
  /** snapshot id, namespace, key → encoded value or undefined */
  snapshotGet: 12,
  /** snapshot id → PackedPairs of every entry */
  snapshotKeys: 13,
  /** snapshot id, base snapshot id → PackedDiff */
  diff: 14,
  /** snapshot id, base snapshot id → PackedChanges (this shard's part of a changeset) */
  changes: 15,
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
  11: 1,
  12: 3,
  13: 1,
  14: 2,
  15: 2,
};

export interface Batch {
  /** Op codes, each followed by its arguments. */
  ops: (number | string)[];
}

/** A batch as a client sends it to a shard. */
export interface ClientBatch extends Batch, Sequenced {
  /** The shards this batch's flush writes to (sorted): what a durable store keeps together. */
  writers: number[];
  /**
   * On each part of a flush that writes to more than one shard: the client's count of such
   * flushes, this one included. The part waits for the client to commit it (shard/commit-gate.ts).
   */
  commit?: number;
}

/** What a shard sends each client before closing their channel because the store was closed. */
export const GOODBYE = "swarmstate:goodbye";

/**
 * What a shard sends each client instead of `GOODBYE` when the store is closing because another
 * shard failed: the failure, so that every client fails its calls with it (not "closed").
 */
export interface FailedGoodbye {
  goodbye: SerializedError;
}

/** What a store-wide operation does at its cut, on one shard. */
export type CutAction =
  /** Takes snapshot `id` (with what describes it), then releases the ones `maxHistory` let go. */
  | { kind: "snapshot"; id: number; parent: number | null; timestamp: number; release: number[] }
  | { kind: "restore"; id: number }
  | { kind: "clear" }
  /** Applies this shard's part of a changeset (each shard gets only its own namespaces). */
  | ({ kind: "apply" } & ChangesToApply)
  /** Nothing: the cut was abandoned (a shard failed while preparing), the shard resumes. */
  | { kind: "abort" };

/** What a shard is told at a cut's commit (see cut.ts). */
export interface CutCommit {
  /** The store's cut number, from 1. */
  cut: number;
  /** What it must have applied at the cut. */
  need: CutNeed;
  /** Clients to forget (closed on every shard). */
  forget: ClientId[];
  action: CutAction;
  /** The highest cut known to be on every shard's disk (durable stores; shard-persistence.ts). */
  committed: number;
}

/**
 * A shard's answer to a cut: its encoded size after the action and the highest cut on its disk
 * (durable stores; else the cut itself), or why the action failed.
 */
export type CutOutcome = { bytes: number; durable: number } | { failure: SerializedError };

/** A sorted `[namespace, key]` list as it crosses threads (see core/protocol/pairs.ts). */
export interface PackedPairs {
  /** Each namespace once, in order. */
  namespaces: string[];
  /** How many keys each namespace has here. */
  counts: Uint32Array;
  /** Every key, in order, joined. */
  keys: string;
  /** The length of each key in `keys` (UTF-16 code units). */
  lengths: Uint32Array;
}

export interface PackedDiff {
  added: PackedPairs;
  removed: PackedPairs;
  changed: PackedPairs;
}

/**
 * One shard's part of a changeset, as the shard answers `Op.changes`: pairs packed as in
 * `PackedPairs`, values as stored (encoded, latin1 strings, see core/state/state.ts) joined into
 * one string, which the caller turns into bytes once and splices into the changeset.
 */
export interface PackedChanges {
  /** Pairs to remove, sorted. */
  removed: PackedPairs;
  /** Pairs to set, sorted; their values follow in `values`, in the same order. */
  put: PackedPairs;
  /** The encoded value of every pair of `put`, joined. */
  values: string;
  /** The length of each value in `values` (bytes: one latin1 character per byte). */
  valueLengths: Uint32Array;
}

/**
 * One shard's part of a changeset to apply, flat like a batch's ops. Unlike `PackedChanges`,
 * every namespace, key and value is a string of its own: the shard stores them, and a slice of
 * one large string would keep all of it alive.
 */
export interface ChangesToApply {
  /** `namespace, key, namespace, key, …`: pairs to remove (absent ones are no-ops). */
  removed: string[];
  /** `namespace, key, encoded value, …`: pairs to set, values encoded as stored. */
  put: string[];
}

export interface Reply {
  /** One slot per op except `set`, in op order. */
  results: unknown[];
  /** `[result slot, error]` for ops that failed (absent if none did); their slot holds `null`. */
  failures?: [number, SerializedError][];
  /** Why the whole batch was refused, not applied at all (its log record could not be written). */
  refused?: SerializedError;
}
