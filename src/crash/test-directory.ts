/**
 * A crash test's directory: the store (`store/`) and the ledger (`ledger.jsonl`, see
 * ledger-file.ts). A new one is created with its store and the ledger's start line; one a crash
 * test wrote before is continued, with the settings its ledger started with.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Store, StoreFileError } from "../index.js";
import { UsageError } from "../load/flags.js";
import { CRASH_DEFAULTS, type CrashTestOptions } from "./crash-options.js";
import {
  LEDGER_FILE,
  type LedgerContents,
  LedgerError,
  LedgerWriter,
  readLedger,
} from "./ledger-file.js";

/** Where a crash test keeps its files. */
export interface TestDirectory {
  dir: string;
  storePath: string;
  ledgerPath: string;
}

/**
 * Opens the test directory: a new one (the store created with its shard count, the ledger's
 * start line written), or one a crash test wrote before.
 * @throws UsageError, naming `--path`, for a path that is not a directory, a directory holding
 *   something else, a ledger that is not one, or a file system that refuses (read-only,
 *   permissions); nothing is created or changed then.
 */
export async function openTestDirectory(
  options: CrashTestOptions,
): Promise<{ files: TestDirectory; continued: boolean }> {
  const dir = resolve(options.path);
  const files = { dir, storePath: join(dir, "store"), ledgerPath: join(dir, LEDGER_FILE) };
  const entries = entriesOf(dir);
  if (entries?.includes(LEDGER_FILE)) {
    const { start } = ledgerIn(files.ledgerPath);
    if (options.shards !== null && options.shards !== start.shards) {
      throw new UsageError(
        `--shards ${options.shards}: the crash test in ${dir} has ${start.shards} shards ` +
          "(leave --shards out to continue it)",
      );
    }
    if (options.durability !== null && options.durability !== start.durability) {
      throw new UsageError(
        `--durability ${options.durability}: the crash test in ${dir} uses ${start.durability} ` +
          "(leave --durability out to continue it)",
      );
    }
    return { files, continued: true };
  }
  if (entries !== null && entries.length > 0) {
    throw new UsageError(
      `--path ${dir}: not empty and not a crash-test directory (it has no ${LEDGER_FILE}); ` +
        "choose an empty or new directory",
    );
  }
  // The first directory created here, if any: a refused start removes it again.
  let created: string | undefined;
  try {
    created = mkdirSync(dir, { recursive: true });
    const shards = options.shards ?? CRASH_DEFAULTS.shards;
    const store = new Store({ path: files.storePath, shards });
    try {
      await store.size();
    } finally {
      await store.close();
    }
    const ledger = new LedgerWriter(files.ledgerPath);
    ledger.append({
      t: "start",
      shards,
      durability: options.durability ?? CRASH_DEFAULTS.durability,
    });
    ledger.close();
  } catch (error) {
    if (created !== undefined) rmSync(created, { recursive: true, force: true });
    if (error instanceof StoreFileError) throw new UsageError(`--path: ${error.message}`);
    if (isErrno(error)) throw new UsageError(`--path ${dir}: ${error.message}`);
    throw error;
  }
  return { files, continued: false };
}

/** What directory `dir` holds, or `null` where it does not exist yet. */
function entriesOf(dir: string): string[] | null {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (isErrno(error) && error.code === "ENOENT") return null;
    if (isErrno(error) && error.code === "ENOTDIR") {
      throw new UsageError(`--path ${dir}: not a directory; choose an empty or new directory`);
    }
    if (isErrno(error)) throw new UsageError(`--path ${dir}: ${error.message}`);
    throw error;
  }
}

/** The ledger of a crash test begun before, read and checked. */
function ledgerIn(file: string): LedgerContents {
  try {
    return readLedger(file);
  } catch (error) {
    if (error instanceof LedgerError || isErrno(error)) {
      throw new UsageError(`--path: ${error.message}`);
    }
    throw error;
  }
}

function isErrno(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === "string";
}
