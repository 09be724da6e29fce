/**
 * The child process of the ending case (ending.ts): run as a script, it opens a store with 2
 * shards (in memory, or durable with "sync" or "async"), makes 1,000 sets under `Promise.all`,
 * prints the moment the last of them was acknowledged and how long they took, then ends as told: by
 * `close()`, by simply having no more work, or by `process.exit(0)`.
 */
import { writeSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Store } from "../../dist/index.js";

export const SHARDS = 2;
export const SETS = 1000;
export const STORES = ["memory", "sync", "async"] as const;
export const ENDINGS = ["close()", "its work done", "process.exit()"] as const;
export type StoreKind = (typeof STORES)[number];
export type Ending = (typeof ENDINGS)[number];

/** What the child prints, once, before it ends. */
export interface Acknowledged {
  /** When the last set was acknowledged: ms since the epoch (`performance.timeOrigin` based). */
  at: number;
  /** How long the 1,000 sets took to be acknowledged: with "sync", their commit and flush too. */
  batchMs: number;
}

const now = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { store: { type: "string" }, ending: { type: "string" }, path: { type: "string" } },
  });
  const kind = values.store as StoreKind;
  const store =
    kind === "memory"
      ? new Store({ shards: SHARDS })
      : new Store({ shards: SHARDS, path: values.path as string, durability: kind });
  await store.set("warm", "up", 0); // the shards are open
  const text = "x".repeat(1024);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: SETS }, (_, i) => store.set(`agent-${i % 16}`, `k${i}`, { i, text })),
  );
  const acknowledged: Acknowledged = { at: now(), batchMs: performance.now() - started };
  // Written synchronously: process.exit() right after must not lose it.
  writeSync(1, `${JSON.stringify(acknowledged)}\n`);
  if (values.ending === "close()") await store.close();
  else if (values.ending === "process.exit()") process.exit(0);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
