/**
 * Every error swarmstate raises on purpose, in one place.
 *
 * Errors cross threads: a shard worker reports a failure as `{ name, message }` and the
 * coordinator rebuilds the same class with {@link rebuildError}. So every class has a stable
 * `name` and `code` that never depend on minified or renamed constructors.
 */

/** Base class of every error specific to swarmstate (argument errors are plain `TypeError`/`RangeError`). */
export class SwarmStateError extends Error {
  /** Stable machine-readable code, e.g. `"ERR_SWARMSTATE"`. */
  readonly code: string = "ERR_SWARMSTATE";
  override readonly name: string = "SwarmStateError";
}

/** Raised by every call on a store after `close()` was called. */
export class StoreClosedError extends SwarmStateError {
  override readonly code = "ERR_SWARMSTATE_CLOSED";
  override readonly name = "StoreClosedError";
  constructor(message = "the store is closed") {
    super(message);
  }
}

/** Raised when a snapshot is used after `release()` or after `maxHistory` released it. */
export class SnapshotReleasedError extends SwarmStateError {
  override readonly code = "ERR_SWARMSTATE_SNAPSHOT_RELEASED";
  override readonly name = "SnapshotReleasedError";
}

/**
 * Raised by every call after a shard worker died. The shard's state is gone with its thread,
 * so the store refuses to answer from an empty replacement.
 */
export class ShardFailedError extends SwarmStateError {
  override readonly code = "ERR_SWARMSTATE_SHARD_FAILED";
  override readonly name = "ShardFailedError";
  /** Index of the shard that failed. */
  readonly shard: number;
  constructor(shard: number, reason: string, options?: { cause?: unknown }) {
    super(`shard ${shard} failed: ${reason}`, options);
    this.shard = shard;
  }
}

/** What an error looks like while it crosses a thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  shard?: number;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof ShardFailedError) {
    return { name: error.name, message: error.message, shard: error.shard };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: "Error", message: String(error) };
}

/** Rebuilds the class an error had on the other side of a thread boundary. */
export function rebuildError(serialized: SerializedError): Error {
  const { name, message } = serialized;
  switch (name) {
    case "SwarmStateError":
      return new SwarmStateError(message);
    case "StoreClosedError":
      return new StoreClosedError(message);
    case "SnapshotReleasedError":
      return new SnapshotReleasedError(message);
    case "ShardFailedError": {
      const error = new ShardFailedError(serialized.shard ?? -1, "");
      error.message = message;
      return error;
    }
    case "TypeError":
      return new TypeError(message);
    case "RangeError":
      return new RangeError(message);
    default: {
      const error = new Error(message);
      error.name = name;
      return error;
    }
  }
}
