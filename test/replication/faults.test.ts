// A replicated store while its database is away: stopped, or frozen (SIGSTOP: connections are
// taken and nothing answers). Writes reject within `timeout` (plus a margin) with
// LogUnavailableError, reads go on from the local replica, the replica reconnects by itself,
// and afterwards every replica holds the same contents, with every acknowledged write in them.
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import { LogUnavailableError, Store } from "swarmstate";
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { logRows, postgresForThisFile } from "../fixtures/postgres.js";
import { startProxy } from "../fixtures/tcp-proxy.js";

const postgres = postgresForThisFile();
const TIMEOUT = 1_500;
/** What a rejection may take beyond `timeout`: timers and a busy 2-core machine. */
const MARGIN = 1_500;
const open: Store[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

function replica(name: string, shards: number): Store {
  const store = new Store({
    shards,
    replication: { url: postgres().url, name, timeout: TIMEOUT },
  });
  open.push(store);
  return store;
}

/** Writers that each set keys one after another, awaited, until stopped; each outcome is kept. */
function load(store: Store, writers: number) {
  const acknowledged: string[] = [];
  const rejected: { key: string; error: unknown; ms: number }[] = [];
  let running = true;
  let outcomes = 0;
  const waiting: { count: number; resolve: () => void }[] = [];
  const settled = () => {
    outcomes++;
    for (const wait of waiting.splice(0)) {
      if (outcomes >= wait.count) wait.resolve();
      else waiting.push(wait);
    }
  };
  const done = Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = 0; running; i++) {
        const key = `w${writer}-${i}`;
        const start = performance.now();
        try {
          await store.set("load", key, i);
          acknowledged.push(key);
        } catch (error) {
          rejected.push({ key, error, ms: performance.now() - start });
        }
        settled();
      }
    }),
  );
  return {
    acknowledged,
    rejected,
    /** Resolves once `count` more calls have an outcome. */
    more(count: number): Promise<void> {
      return new Promise((resolve) => waiting.push({ count: outcomes + count, resolve }));
    },
    /** Resolves once `count` more calls are rejected. */
    async rejections(count: number): Promise<void> {
      const target = rejected.length + count;
      while (rejected.length < target) await this.more(1);
    },
    async acknowledgments(count: number): Promise<void> {
      const target = acknowledged.length + count;
      while (acknowledged.length < target) await this.more(1);
    },
    async stop(): Promise<void> {
      running = false;
      await done;
    },
  };
}

async function contentsOf(store: Store, namespace: string): Promise<[string, unknown][]> {
  const keys = await store.keys(namespace);
  const values = await store.getMany(keys.map((key) => [namespace, key] as const));
  return keys.map((key, i) => [key, values[i]]);
}

const contents = (store: Store) => contentsOf(store, "load");

describe.each([
  [
    "stopped",
    (server: ReturnType<typeof postgres>) => server.halt(),
    (server: ReturnType<typeof postgres>) => server.resume(),
  ],
  [
    "crashed (immediate shutdown)",
    (server: ReturnType<typeof postgres>) => server.crash(),
    (server: ReturnType<typeof postgres>) => server.resume(),
  ],
  [
    "frozen",
    async (server: ReturnType<typeof postgres>) => server.freeze(),
    async (server: ReturnType<typeof postgres>) => server.thaw(),
  ],
])("the database %s mid-load", (_, away, back) => {
  it("rejects writes in time, serves reads, and comes back with every replica the same", async () => {
    const name = randomUUID();
    const a = replica(name, 2);
    const b = replica(name, 0);
    const writes = load(a, 3);
    await writes.acknowledgments(30);
    await a.set("marks", "before", true);

    await away(postgres());
    try {
      await writes.rejections(3);
      // Reads go on from each replica while the database is away.
      expect(await a.get("marks", "before")).toBe(true);
      await expect(b.sync()).rejects.toBeInstanceOf(LogUnavailableError);
    } finally {
      await back(postgres());
    }
    await writes.acknowledgments(30); // it reconnected by itself
    await writes.stop();

    for (const { error, ms } of writes.rejected) {
      expect(error).toBeInstanceOf(LogUnavailableError);
      expect((error as LogUnavailableError).code).toBe("LOG_UNAVAILABLE");
      expect(ms).toBeLessThan(TIMEOUT + MARGIN);
    }
    await a.sync();
    await b.sync();
    const onA = await contents(a);
    expect(await contents(b)).toEqual(onA);
    const held = new Set(onA.map(([key]) => key));
    for (const key of writes.acknowledged) expect(held.has(key), key).toBe(true);
    expect(await b.get("marks", "before")).toBe(true);
  }, 60_000);
});

describe("a replica killed with SIGKILL mid-burst", () => {
  const writer = new URL("../fixtures/replica-writer.mjs", import.meta.url);

  it("loses nothing it acknowledged, and rejoins", async () => {
    const name = randomUUID();
    const { url } = postgres();
    const child = fork(writer, [url, name, "2", "write"], { stdio: "inherit" });
    onTestFinished(() => {
      child.kill("SIGKILL");
    });
    let acknowledged = -1;
    await new Promise<void>((resolve, reject) => {
      child.on("message", (message: { acknowledged: number }) => {
        acknowledged = message.acknowledged;
        if (acknowledged >= 300) resolve();
      });
      child.once("exit", (code) => reject(new Error(`the writer exited with ${code}`)));
    });
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));

    const b = replica(name, 1);
    await b.sync();
    const keys = new Set(await b.keys("burst"));
    for (let i = 0; i <= acknowledged; i++) expect(keys.has(`k${i}`), `k${i}`).toBe(true);
    // Every burst in the log is whole: one tick, one entry.
    expect(keys.size % 10).toBe(0);

    const rejoined = fork(writer, [url, name, "3", "rejoin"], { stdio: "inherit" });
    onTestFinished(() => {
      rejoined.kill("SIGKILL");
    });
    const report = await new Promise<{ keys: string[]; values: unknown[] }>((resolve, reject) => {
      rejoined.once("message", resolve);
      rejoined.once("exit", (code) =>
        reject(new Error(`the rejoining replica exited with ${code}`)),
      );
    });
    const onB = await b.keys("burst");
    expect(report.keys).toEqual(onB);
    expect(report.values).toEqual(await b.getMany(onB.map((key) => ["burst", key] as const)));
  }, 60_000);
});

describe("an append whose answer is lost", () => {
  it("is in the log once, and the write resolves within its timeout", async () => {
    const name = randomUUID();
    const proxy = await startProxy(postgres().port);
    onTestFinished(() => proxy.close());
    const url = new URL(postgres().url);
    url.port = String(proxy.port);
    const a = new Store({ shards: 1, replication: { url: url.toString(), name, timeout: 3_000 } });
    open.push(a);
    await a.set("n", "before", 1);
    proxy.loseAnswers(); // the sessions open now: requests arrive, answers vanish
    await a.setMany([
      ["n", "k1", 1],
      ["n", "k2", 2],
    ]);
    expect(await a.get("n", "k2")).toBe(2);
    const b = replica(name, 0);
    await b.sync();
    expect(await contentsOf(b, "n")).toEqual([
      ["before", 1],
      ["k1", 1],
      ["k2", 2],
    ]);
    // Two entries, each once: the first set, and the setMany settled after its lost answer.
    expect(await logRows(postgres().url, name)).toBe(2);
  }, 30_000);
});

describe("a replica opened while its database is down", () => {
  it("rejects calls within timeout, keeps trying, and opens once the database is back", async () => {
    const name = randomUUID();
    const a = replica(name, 1);
    await a.set("n", "k", "before");
    await postgres().halt();
    let b: Store;
    try {
      b = replica(name, 2);
      const start = performance.now();
      await expect(b.get("n", "k")).rejects.toBeInstanceOf(LogUnavailableError);
      await expect(b.set("n", "k", "never")).rejects.toBeInstanceOf(LogUnavailableError);
      expect(performance.now() - start).toBeLessThan(2 * (TIMEOUT + MARGIN));
    } finally {
      await postgres().resume();
    }
    // It kept trying by itself: each read waits at most `timeout` for it to open.
    let read: unknown = null;
    for (let tries = 0; read === null && tries < 10; tries++) {
      read = await b.get("n", "k").catch((error: unknown) => {
        if (error instanceof LogUnavailableError) return null;
        throw error;
      });
    }
    expect(read).toBe("before");
    await b.set("n", "k", "after");
    await a.sync();
    expect(await a.get("n", "k")).toBe("after");
  }, 60_000);
});
