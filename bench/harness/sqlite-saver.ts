/**
 * LangGraph's `SqliteSaver`, the langgraph section's on-disk baseline. It needs better-sqlite3,
 * whose install compiles for about 100 s, so it lives in a package of its own, `bench/sqlite/`
 * (its own package.json and lockfile, its node_modules ignored), installed with `npm ci` the
 * first time a full run needs it. Its peers (`@langchain/core`, `@langchain/langgraph-checkpoint`)
 * are left out there (`--omit=peer`) and resolve to the project's own, so it runs on the same
 * LangGraph as the other savers.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";
import { projectRoot } from "./paths.js";

const PACKAGE = new URL("bench/sqlite/", projectRoot);
const ADDON = new URL("node_modules/better-sqlite3/build/Release/better_sqlite3.node", PACKAGE);

/** A `SqliteSaver` and the better-sqlite3 database it writes to. */
export interface SqliteBaseline {
  saver: BaseCheckpointSaver;
  /** Sum of the stored payload bytes: checkpoints, metadata and writes (not keys or indexes). */
  payloadBytes(): number;
  close(): void;
}

interface Database {
  prepare(sql: string): { get(): Record<string, number | null> };
  close(): void;
}

export function sqliteInstalled(): boolean {
  return existsSync(ADDON);
}

/** Installs `bench/sqlite/` (compiling better-sqlite3) unless done already. */
export function installSqlite(progress: (message: string) => void): void {
  if (sqliteInstalled()) return;
  progress("installing bench/sqlite (LangGraph's SqliteSaver; better-sqlite3 compiles, ~100 s)");
  // Node's own headers, so that node-gyp needs nothing from the network.
  const nodedir = dirname(dirname(process.execPath));
  execFileSync("npm", ["ci", "--omit=peer", "--no-audit", "--no-fund", `--nodedir=${nodedir}`], {
    cwd: fileURLToPath(PACKAGE),
    stdio: ["ignore", "ignore", "inherit"],
  });
}

/** A `SqliteSaver` on a database file at `path`. */
export function openSqlite(path: string): SqliteBaseline {
  const require = createRequire(new URL("package.json", PACKAGE));
  const { SqliteSaver } = require("@langchain/langgraph-checkpoint-sqlite") as {
    SqliteSaver: { fromConnString(path: string): BaseCheckpointSaver & { db: Database } };
  };
  const saver = SqliteSaver.fromConnString(path);
  const sum = (sql: string) => Number(saver.db.prepare(sql).get().n ?? 0);
  return {
    saver,
    payloadBytes: () =>
      sum("SELECT SUM(LENGTH(checkpoint) + LENGTH(metadata)) AS n FROM checkpoints") +
      sum("SELECT SUM(LENGTH(value)) AS n FROM writes"),
    close: () => saver.db.close(),
  };
}
