/**
 * Where a shard lives, seen from the store's coordinator: it connects clients to the shard,
 * opens a durable shard's files, and runs the two phases of a cut there (see core/protocol/cut.ts).
 */

import type { SerializedError } from "../core/errors.js";
import type { CutCommit, CutOutcome } from "../core/protocol/batch-format.js";
import type { ClientId, CutReport } from "../core/protocol/cut.js";
import type { DataPort } from "../core/protocol/port.js";
import type { RecoveryDecision, ShardFindings } from "../durable/recovery.js";
import type { DurableShardOptions, RecoveredShard } from "../shard/shard-persistence.js";

export interface ShardHost {
  /**
   * Opens a channel between client `client` and the shard; returns the client's end, usable at
   * once. `sameThread`: the client lives in this thread (an in-process channel may serve it);
   * otherwise the end is a `MessagePort` to transfer to the client's thread.
   */
  connect(client: ClientId, sameThread: boolean, commits: SharedArrayBuffer): DataPort;
  /** Durable stores: opens the shard's files; resolves to what recovery needs from them. */
  open(options: DurableShardOptions): Promise<ShardFindings>;
  /** Durable stores: replays the files as decided; the shard then serves its clients. */
  recover(decision: RecoveryDecision): Promise<RecoveredShard>;
  prepare(): Promise<CutReport>;
  commit(commit: CutCommit): Promise<CutOutcome>;
  /**
   * The process is ending and the store's thread will block until the shard's log is on disk:
   * asks for that flush now (a shard in the store's thread flushes before returning); `wait`
   * blocks for it (see store/exit-flush.ts). The shard acknowledges no write after it.
   */
  startExitFlush(): ExitFlush;
  /**
   * Says goodbye to every client (with `failure`, when the store closes because a shard
   * failed), then stops the shard; called once, after the last cut. Resolves to a durable
   * shard's last log position, on disk; null in memory or if its files failed.
   */
  close(failure?: SerializedError): Promise<number | null>;
}

/** A flush asked for as the process ends. */
export interface ExitFlush {
  /** Blocks the calling thread until the flush is done or `ms` have passed; whether it is done. */
  wait(ms: number): boolean;
}
