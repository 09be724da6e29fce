/**
 * Every error swarmstate raises on purpose, in one place.
 *
 * Errors cross threads: a shard worker (or a store serving a client) reports a failure as a
 * {@link SerializedError} and the receiving side rebuilds the same class with
 * {@link rebuildError}. So every class has a stable `name` and `code` that never depend on
 * minified or renamed constructors, and what a class carries besides its message (`shard`,
 * `cause`) travels with it. test/store/errors.test.ts pins each class's `name` and `code`.
 */

/** Base class of every error specific to swarmstate (argument errors are plain `TypeError`/`RangeError`). */
export class SwarmStateError extends Error {
  /** Stable machine-readable code, e.g. `"ERR_SWARMSTATE"`. */
  readonly code: string = "ERR_SWARMSTATE";
  /** Stable class name, the same in every thread: the class is rebuilt from it across threads. */
  override readonly name: string = "SwarmStateError";
}

/** Raised by every call on a store after `close()` was called. */
export class StoreClosedError extends SwarmStateError {
  override readonly code = "ERR_SWARMSTATE_CLOSED";
  override readonly name = "StoreClosedError";
  constructor(message = "the store is closed", options?: ErrorOptions) {
    super(message, options);
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

/**
 * Raised when the files of a durable store (`new Store({ path })`) cannot be used as they are;
 * `path` names them. Never answered with an empty store instead: see the subclasses.
 */
export abstract class StoreFileError extends SwarmStateError {
  /** The store's directory, or the file or shard directory at fault in it. */
  readonly path: string;
  constructor(path: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/** Raised when a store's directory is already open, in another process or in this one. */
export class StoreLockedError extends StoreFileError {
  override readonly code = "ERR_SWARMSTATE_LOCKED";
  override readonly name = "StoreLockedError";
}

/** Raised when `path` exists and holds something that is not a swarmstate store. */
export class NotAStoreError extends StoreFileError {
  override readonly code = "ERR_SWARMSTATE_NOT_A_STORE";
  override readonly name = "NotAStoreError";
}

/**
 * Raised when a store's files are damaged (a record fails its checksum, a file is cut short,
 * a shard's files belong to another store), or a replicated store's log (an entry that does
 * not read, a gap): the store refuses to open, or stops serving, rather than lose data or
 * diverge silently.
 */
export class StoreDamagedError extends StoreFileError {
  override readonly code = "ERR_SWARMSTATE_DAMAGED";
  override readonly name = "StoreDamagedError";
  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(path, `${path}: the store's files are damaged: ${problem}`, options);
  }

  /**
   * Damage in a replicated store's log (an entry that does not read, a gap): `where` names the
   * log (its server without the password, schema and store) and stands as `path`.
   * @internal
   */
  static inLog(where: string, problem: string, options?: ErrorOptions): StoreDamagedError {
    const error = new StoreDamagedError(where, problem, options);
    error.message = `${where}: the store's log is damaged: ${problem}`;
    return error;
  }
}

/**
 * Raised when the file system refuses what a durable store needs of its files: a read-only file
 * system, a permission, a path through a regular file, a full disk. `cause` is the system error,
 * whose own `code` (`EROFS`, `EACCES`, `ENOTDIR`, `ENOSPC`, …) says which; the message names the
 * path and what the store was doing. Nothing was left half-created; once the cause is gone the
 * store can be opened again.
 */
export class StoreIOError extends StoreFileError {
  override readonly code = "ERR_SWARMSTATE_IO";
  override readonly name = "StoreIOError";
}

/**
 * Raised by `store.apply(changeset)` for bytes that are not a changeset this version can read:
 * not msgpack, another `format` or `version`, a field of the wrong shape, pairs out of order,
 * or a value that breaks the value rules. The message names the field and the path inside it
 * (`apply: changeset.put[3][2].when: …`); nothing was applied. A stable `code` lets a consumer
 * of changesets from elsewhere tell bad input apart from a store that failed.
 */
export class BadChangesetError extends SwarmStateError {
  override readonly code = "ERR_SWARMSTATE_BAD_CHANGESET";
  override readonly name = "BadChangesetError";
}

/**
 * Raised by a replicated store's writes and cuts (`StoreOptions.replication`) when its database
 * did not answer within `timeout`: down, refusing connections, or silent. The call is then in
 * the log on every replica or on none (see docs/replication.md); reads go on from the local
 * replica, which reconnects by itself. The code is the contract's, `LOG_UNAVAILABLE`.
 */
export class LogUnavailableError extends SwarmStateError {
  override readonly code = "LOG_UNAVAILABLE";
  override readonly name = "LogUnavailableError";
}

/** What an error looks like while it crosses a thread boundary. */
export interface SerializedError {
  name: string;
  message: string;
  /** A `ShardFailedError`'s shard. */
  shard?: number;
  /** A `StoreFileError`'s path. */
  path?: string;
  /** Another error's own `code` (a system error's `"ENOSPC"`, for one); ours have theirs by class. */
  code?: string;
  /** The error's `cause`, serialized the same way (a non-error cause as its string). */
  cause?: SerializedError;
}

/**
 * Causes kept when an error crosses a thread: a chain longer than this (or a cycle) is cut
 * there, so a serialized error stays small and finite.
 */
export const MAX_CAUSE_DEPTH = 8;

/** Turns anything thrown into plain data that structured clone and msgpack both carry. */
export function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const serialized: SerializedError = { name: error.name, message: error.message };
  if (error instanceof ShardFailedError) serialized.shard = error.shard;
  if (error instanceof StoreFileError) serialized.path = error.path;
  const { code } = error as { code?: unknown };
  if (typeof code === "string" && !(error instanceof SwarmStateError)) serialized.code = code;
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) {
    serialized.cause = serializeError(error.cause, depth + 1);
  }
  return serialized;
}

/** Rebuilds the class an error had on the other side of a thread boundary, with its cause. */
export function rebuildError(serialized: SerializedError): Error {
  const { name, message, cause } = serialized;
  const options = cause === undefined ? undefined : { cause: rebuildError(cause) };
  switch (name) {
    case "SwarmStateError":
      return new SwarmStateError(message, options);
    case "StoreClosedError":
      return new StoreClosedError(message, options);
    case "SnapshotReleasedError":
      return new SnapshotReleasedError(message, options);
    case "BadChangesetError":
      return new BadChangesetError(message, options);
    case "LogUnavailableError":
      return new LogUnavailableError(message, options);
    case "ShardFailedError": {
      const error = new ShardFailedError(serialized.shard ?? -1, "", options);
      error.message = message;
      return error;
    }
    case "StoreLockedError":
      return new StoreLockedError(serialized.path ?? "", message, options);
    case "NotAStoreError":
      return new NotAStoreError(serialized.path ?? "", message, options);
    case "StoreIOError":
      return new StoreIOError(serialized.path ?? "", message, options);
    case "StoreDamagedError": {
      const error = new StoreDamagedError(serialized.path ?? "", "", options);
      error.message = message;
      return error;
    }
    case "TypeError":
      return new TypeError(message, options);
    case "RangeError":
      return new RangeError(message, options);
    default: {
      const error = new Error(message, options);
      error.name = name;
      if (serialized.code !== undefined) Object.assign(error, { code: serialized.code });
      return error;
    }
  }
}
