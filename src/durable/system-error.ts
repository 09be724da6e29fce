/**
 * Failures of the file system itself (a read-only file system, a permission, a path through a
 * regular file, a full disk), told apart from damage: they become a `StoreIOError` naming the
 * path and what the store was doing, with the system error as `cause`, and say nothing about
 * the files' contents.
 */
import { StoreIOError } from "../core/errors.js";

/** Whether `error` is the operating system's refusal: Node's carry a `code` such as `"EACCES"`. */
function isSystemError(error: unknown): error is Error & { code: string } {
  if (!(error instanceof Error)) return false;
  const { code } = error as { code?: unknown };
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

/** The `StoreIOError` for `error`, met at `path` while the store tried to `doing`. */
export function ioError(path: string, doing: string, error: Error): StoreIOError {
  return new StoreIOError(path, `${path}: cannot ${doing}: ${error.message}`, { cause: error });
}

/** Runs `work`; a system error it throws becomes a `StoreIOError` (see `ioError`). */
export function onDisk<T>(path: string, doing: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    throw isSystemError(error) ? ioError(path, doing, error) : error;
  }
}
