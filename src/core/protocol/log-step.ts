/**
 * What a client of a replicated store sends to be logged instead of to its shards: its writes
 * and cuts of one tick, as steps in call order. The replica appends them as one log entry and
 * every replica applies the entry's steps in order, like the calls of one client (so an entry's
 * writes are one flush: all or nothing, see ARCHITECTURE.md). Each step has an outcome: what
 * the call resolves to where it was made, or the error it rejects with.
 */
import type { SerializedError } from "../errors.js";

export type LogStep =
  /** `value`: the encoded value (core/codec/value.ts). */
  | { op: "set"; namespace: string; key: string; value: Uint8Array }
  | { op: "delete"; namespace: string; key: string }
  | { op: "clear" }
  /** `timestamp`: seconds since the epoch, taken where the call was made, the same everywhere. */
  | { op: "snapshot"; timestamp: number }
  | { op: "restore"; id: number }
  /** `changeset`: bytes already read once where the call was made, read again on apply. */
  | { op: "apply"; changeset: Uint8Array }
  | { op: "release"; id: number };

export type LogStepOutcome = { value: unknown } | { error: SerializedError };

/** Where a client of a replicated store sends its writes and cuts (replication/replica.ts). */
export interface LogService {
  /**
   * Appends `steps` as one entry; resolves to each step's outcome once the entry is committed
   * and applied by this replica.
   */
  write(steps: LogStep[]): Promise<LogStepOutcome[]>;
  /** Resolves once this replica has applied every entry committed before the call. */
  sync(): Promise<void>;
  /**
   * Resolves to the store's id once this replica serves reads (it has opened and applied the
   * log as far as it reached then); rejects with `LogUnavailableError` if that takes longer
   * than the store's `timeout`, or with the error that stopped it opening.
   */
  opened(): Promise<{ storeId: string }>;
}
