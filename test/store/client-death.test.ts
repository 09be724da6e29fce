/**
 * Client threads terminated at various moments while they make flushes that write to every
 * shard (setMany and delete): afterwards every flush each one made is applied on all of its
 * shards or on none, and the applied ones are a prefix of what it made, the same prefix on every
 * shard, in memory and on disk (the store reopened from its files). Several writers per round,
 * each killed at its own moment, each on namespaces of its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MessageChannel, Worker } from "node:worker_threads";
import { exposeStore, type Snapshot, Store, type Value } from "swarmstate";
import { afterEach, describe, expect, it } from "vitest";
import { shardOf } from "../../dist/core/protocol/hash.js";

const writerScript = new URL("../fixtures/dying-writer.mjs", import.meta.url);
const SHARDS = 3;
const WRITERS = 3;
/** Writer w's namespaces: eight, across every shard. */
const namespacesOf = (w: number) => Array.from({ length: 8 }, (_, i) => `w${w}n${i}`);
const FLUSHES = 5_000;

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** What namespace `ns` holds after flushes 0..count-1 (see dying-writer.mjs). */
function expectedAfter(count: number): [string, number | string][] {
  const held = new Map<string, number | string>();
  for (let i = 0; i < count; i++) {
    held.set(`k${i}`, i);
    held.set("last", i);
    held.set("pad", "p".repeat(2048));
    if (i % 2 === 1) held.delete(`k${i - 1}`);
  }
  return [...held].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * How many of the writer's flushes a snapshot holds: the same count in every namespace (so on
 * every shard), and in each exactly what that prefix of flushes leaves. Read through a
 * snapshot, a cut: live reads could see a flush on one shard before another gets to it.
 */
async function flushesIn(snapshot: Snapshot, writer: number): Promise<number> {
  const NAMESPACES = namespacesOf(writer);
  const pairs = (await snapshot.keys()).filter(([ns]) => NAMESPACES.includes(ns));
  const values = await Promise.all(pairs.map(([ns, key]) => snapshot.get(ns, key)));
  const held = new Map<string, [string, Value | undefined][]>(NAMESPACES.map((ns) => [ns, []]));
  for (const [i, [ns, key]] of pairs.entries()) held.get(ns)?.push([key, values[i]]);
  const counts = NAMESPACES.map((ns) => {
    const last = held.get(ns)?.find(([key]) => key === "last")?.[1];
    return typeof last === "number" ? last + 1 : 0;
  });
  expect(new Set(counts).size, `writer ${writer}: flushes applied per namespace: ${counts}`).toBe(
    1,
  );
  const count = counts[0] ?? 0;
  for (const ns of NAMESPACES) {
    expect(held.get(ns), `${ns} after ${count} flushes`).toEqual(expectedAfter(count));
  }
  return count;
}

/** Starts the writer on `store` and terminates it once it reported `after` flushes. */
async function writeAndDie(store: Store, writer: number, after: number): Promise<void> {
  const progress = new MessageChannel();
  const storePort = exposeStore(store);
  const worker = new Worker(writerScript, {
    workerData: {
      store: storePort,
      namespaces: namespacesOf(writer),
      progress: progress.port2,
      flushes: FLUSHES,
    },
    transferList: [storePort, progress.port2],
  });
  const exited = new Promise((resolve) => worker.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    progress.port1.on("message", (count: number) => {
      if (count < after) return;
      void worker.terminate(); // at once, wherever its thread is
      resolve();
    });
    worker.once("error", reject);
  });
  progress.port1.close();
  await exited;
}

describe("a client thread terminated while it writes across shards", () => {
  it("spans every shard with each writer's flushes", () => {
    for (let w = 0; w < WRITERS; w++) {
      expect(new Set(namespacesOf(w).map((ns) => shardOf(ns, SHARDS))).size).toBe(SHARDS);
    }
  });

  it.each([
    { kind: "in memory", rounds: 8 },
    { kind: "durable", rounds: 4 },
  ])(
    "leaves each flush on all its shards or none, $kind",
    async ({ kind, rounds }) => {
      const dir = mkdtempSync(join(tmpdir(), "swarmstate-client-death-"));
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
      const path = join(dir, "store");
      const open = () =>
        new Store({ shards: SHARDS, ...(kind === "durable" ? { path, durability: "async" } : {}) });
      for (let round = 0; round < rounds; round++) {
        const store = open();
        const writers = Array.from({ length: WRITERS }, (_, w) => w);
        let counts: number[];
        try {
          await store.clear();
          // A different moment for each writer and round.
          await Promise.all(
            writers.map((w) => writeAndDie(store, w, 1 + ((round * 397 + w * 211) % 1_200))),
          );
          const snapshot = await store.snapshot();
          counts = await Promise.all(writers.map((w) => flushesIn(snapshot, w)));
        } finally {
          await store.close();
        }
        if (kind === "durable") {
          const reopened = open();
          try {
            const snapshot = await reopened.snapshot();
            const again = await Promise.all(writers.map((w) => flushesIn(snapshot, w)));
            expect(again, `round ${round}, reopened`).toEqual(counts);
          } finally {
            await reopened.close();
          }
        }
      }
    },
    120_000,
  );
});
