/**
 * A crash test's directory: the store (`store/`) and the ledger (`ledger.jsonl`, see
 * ledger-file.ts). A new one is created with its store and the ledger's start line; one a crash
 * test wrote before is continued, with the settings its ledger started with.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Store } from "../index.js";
import { UsageError } from "../load/flags.js";
import { CRASH_DEFAULTS, type CrashTestOptions } from "./crash-options.js";
import { LEDGER_FILE, LedgerWriter, readLedger } from "./ledger-file.js";

/** Where a crash test keeps its files. */
export interface TestDirectory {
  dir: string;
  storePath: string;
  ledgerPath: string;
}

/**
 * Opens the test directory: a new one (the store created with its shard count, the ledger's
 * start line written), or one a crash test wrote before.
 */
export async function openTestDirectory(
  options: CrashTestOptions,
): Promise<{ files: TestDirectory; continued: boolean }> {
  const dir = resolve(options.path);
  const files = { dir, storePath: join(dir, "store"), ledgerPath: join(dir, LEDGER_FILE) };
  if (existsSync(files.ledgerPath)) {
    const { start } = readLedger(files.ledgerPath);
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
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(
      `--path ${dir}: not empty and not a crash-test directory (it has no ${LEDGER_FILE}); ` +
        "choose an empty or new directory",
    );
  }
  mkdirSync(dir, { recursive: true });
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
  return { files, continued: false };
}
