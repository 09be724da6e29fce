// A replicated store through the public API, against a real Postgres: writes and cuts go
// through the log and are applied by every replica; reads are local.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import pg from "pg";
import {
  LogUnavailableError,
  Snapshot,
  Store,
  StoreDamagedError,
  SwarmStateError,
} from "swarmstate";
import { afterEach, describe, expect, it } from "vitest";
import { codeBlocksOf } from "../docs/pages.js";
import { startAgent } from "../fixtures/agent.js";
import { logRows, postgresForThisFile } from "../fixtures/postgres.js";

const run = promisify(execFile);
const server = postgresForThisFile();
const open: Store[] = [];

afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

/** A replica of store `name` (a fresh store unless given). */
function replica(name: string, options: { shards?: number; maxHistory?: number } = {}): Store {
  const store = new Store({ ...options, replication: { url: server().url, name } });
  open.push(store);
  return store;
}

describe("one replica", () => {
  it("writes through the log and reads its own writes", async () => {
    const name = randomUUID();
    const store = replica(name, { shards: 2 });
    expect(store.replication).toEqual({ name, schema: "swarmstate" });
    await store.set("agents", "a1", { step: 1 });
    expect(await store.get("agents", "a1")).toEqual({ step: 1 });
    await store.setMany([
      ["agents", "a2", 2],
      ["tools", "t1", "x"],
    ]);
    expect(await store.delete("agents", "a1")).toBe(true);
    expect(await store.delete("agents", "a1")).toBe(false);
    expect(await store.namespaces()).toEqual(["agents", "tools"]);
    expect(await store.size()).toBe(2);
    // One entry per call here (each was awaited): set, setMany, delete, delete.
    expect(await logRows(server().url, name)).toBe(4);
  });

  it("keeps a client's order for calls it did not await, and sends a tick's calls as one entry", async () => {
    const name = randomUUID();
    const store = replica(name);
    const calls = [
      store.set("n", "k", 1),
      store.set("n", "k", 2),
      store.delete("n", "gone"),
      store.get("n", "k"),
    ];
    expect(await Promise.all(calls)).toEqual([undefined, undefined, false, 2]);
    expect(await logRows(server().url, name)).toBe(1);
  });

  it("opens with the log's contents: a new replica replays it", async () => {
    const name = randomUUID();
    const first = replica(name, { shards: 1 });
    await first.set("a", "k", "v");
    const snap = await first.snapshot();
    await first.set("a", "k", "w");
    await first.close();
    const again = replica(name, { shards: 3 });
    expect(await again.get("a", "k")).toEqual("w");
    const [listed] = await again.snapshots();
    expect(listed?.id).toBe(snap.id);
    expect(listed?.timestamp).toBe(snap.timestamp);
    expect(await listed?.get("a", "k")).toBe("v");
  });
});

describe("a program that forgets close()", () => {
  it("ends by itself once its calls are answered, and what it wrote is in the log", async () => {
    const name = randomUUID();
    const program = `
      import { Store } from ${JSON.stringify(new URL("../../dist/index.js", import.meta.url).href)};
      const store = new Store({ shards: 2, replication: { url: process.env.URL, name: process.env.NAME } });
      await store.set("n", "k", "written");
      const snapshot = await store.snapshot();
      console.log(await store.get("n", "k"), snapshot.id);
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], {
      env: { ...process.env, URL: server().url, NAME: name },
      timeout: 20_000,
    });
    expect(stdout).toBe("written 1\n");
    const again = replica(name);
    expect(await again.get("n", "k")).toBe("written");
  });
});

describe("two replicas", () => {
  it("apply each other's writes and cuts: the same contents, snapshots and changesets", async () => {
    const name = randomUUID();
    const a = replica(name, { shards: 1 });
    const b = replica(name, { shards: 3 });
    await a.set("agents", "a1", { step: 1 });
    await b.set("agents", "b1", { step: 1 });
    const fromA = await a.snapshot();
    await b.set("agents", "a1", { step: 2 });
    await b.delete("agents", "b1");
    const fromB = await b.snapshot();
    await a.sync();
    await b.sync();
    for (const store of [a, b]) {
      expect(await store.get("agents", "a1")).toEqual({ step: 2 });
      expect(await store.has("agents", "b1")).toBe(false);
    }
    const [listA, listB] = [await a.snapshots(), await b.snapshots()];
    expect(listA.map((s) => [s.id, s.parent, s.timestamp, s.sizeBytes])).toEqual(
      listB.map((s) => [s.id, s.parent, s.timestamp, s.sizeBytes]),
    );
    expect(listA.map((s) => s.id)).toEqual([fromA.id, fromB.id]);
    const [baseA, targetA] = listA as [(typeof listA)[0], (typeof listA)[0]];
    const [baseB, targetB] = listB as [(typeof listB)[0], (typeof listB)[0]];
    expect(await targetA.diff(baseA)).toEqual(await targetB.diff(baseB));
    expect(await targetA.changes(baseA)).toEqual(await targetB.changes(baseB));

    // A restore on one is a restore on both.
    await a.restore(baseA);
    await b.sync();
    expect(await b.get("agents", "a1")).toEqual({ step: 1 });
    expect(await b.get("agents", "b1")).toEqual({ step: 1 });
  });

  it("refuse a snapshot released on either, the same way", async () => {
    const name = randomUUID();
    const a = replica(name);
    const b = replica(name);
    const snap = await a.snapshot();
    await snap.release();
    await b.sync();
    expect(await b.snapshots()).toEqual([]);
    await expect(a.restore(snap)).rejects.toThrow(/snapshot 1 was released/);
  });

  it("share maxHistory: a replica that says otherwise is refused, naming both", async () => {
    const name = randomUUID();
    const a = replica(name, { maxHistory: 2 });
    await a.snapshot();
    const b = replica(name, { maxHistory: 3 });
    await expect(b.get("a", "k")).rejects.toThrow(
      /options.maxHistory: store ".*" keeps 2 snapshots \(maxHistory: 2\); every replica must say the same, not 3/,
    );
  });
});

describe("a RemoteStore of a replica", () => {
  interface Agent {
    writeBurst(namespace: string, count: number): Promise<void>;
    snapshot(): Promise<Snapshot>;
    restore(snapshot: Snapshot): Promise<void>;
    snapshotIds(): Promise<number[]>;
  }
  const agentScript = new URL("../fixtures/remote-agent.mjs", import.meta.url);

  it("writes through the log from its thread, and reads and snapshots like the Store", async () => {
    const name = randomUUID();
    const a = replica(name, { shards: 2 });
    const b = replica(name, { shards: 1 });
    const { agent, worker } = startAgent<Agent>(a, agentScript);
    try {
      await agent.writeBurst("agent", 100);
      expect(await logRows(server().url, name)).toBe(1); // one tick, one entry
      await b.sync();
      expect(await b.get("agent", "k42")).toEqual({ i: 42 });
      const fromAgent = await agent.snapshot();
      expect(fromAgent).toBeInstanceOf(Snapshot);
      await b.sync();
      expect((await b.snapshots()).map((s) => s.id)).toEqual([fromAgent.id]);
      await b.set("agent", "k42", "changed on b");
      await a.sync();
      await agent.restore(fromAgent);
      await b.sync();
      expect(await b.get("agent", "k42")).toEqual({ i: 42 });
      expect(await agent.snapshotIds()).toEqual([fromAgent.id]);
    } finally {
      await worker.terminate();
    }
  });
});

describe("a damaged log", () => {
  /** Puts `entry` into the log at `gap` positions past its head, as damage would. */
  async function damage(name: string, entry: Buffer, gap = 1): Promise<number> {
    const client = new pg.Client({ connectionString: server().url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "UPDATE swarmstate.stores SET head = head + $2 WHERE name = $1 RETURNING head::int",
        [name, gap],
      );
      const pos = rows[0].head;
      await client.query(
        "INSERT INTO swarmstate.log (store, pos, origin, seq, entry) VALUES ($1, $2, $3, 1, $4)",
        [name, pos, randomUUID(), entry],
      );
      return pos;
    } finally {
      await client.end();
    }
  }

  it.each([
    ["an entry cut short", Buffer.from([0x92, 0x01, 0xd9, 0xc8]), 1, /entry 3: not msgpack/],
    ["an entry of another version", Buffer.from([0x92, 0x07, 0x90]), 1, /entry 3: version 7/],
    ["a gap", Buffer.from([0x92, 0x01, 0x90]), 2, /expected entry 3 next, found entry 4/],
  ])("stops every replica at %s, naming its position", async (_, entry, gap, problem) => {
    const name = randomUUID();
    const a = replica(name);
    await a.set("n", "k", 1);
    await a.set("n", "k", 2);
    await damage(name, entry, gap);
    const refused = await a.sync().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreDamagedError);
    expect((refused as Error).message).toMatch(problem);
    expect((refused as Error).message).toContain(
      `schema "swarmstate" store "${name}": the store's log is damaged`,
    );
    await expect(a.get("n", "k")).rejects.toBeInstanceOf(StoreDamagedError);
    // A replica opening afterwards stops at the same entry, having applied those before it.
    const b = replica(name);
    await expect(b.get("n", "k")).rejects.toThrow(problem);
  });
});

describe("a least-privileged role", () => {
  it("runs a replica with the grants docs/replication.md gives it", async () => {
    const name = randomUUID();
    // An owner creates the schema's tables once.
    const owner = replica(name);
    await owner.set("n", "by owner", 1);
    const grants = codeBlocksOf("docs/replication.md").find((block) =>
      block.code.includes("GRANT USAGE"),
    );
    expect(grants).toBeDefined();
    const admin = new pg.Client({ connectionString: server().url });
    await admin.connect();
    try {
      await admin.query("DROP ROLE IF EXISTS app");
      await admin.query("CREATE ROLE app LOGIN PASSWORD 'app-secret'");
      await admin.query(grants?.code ?? "");
    } finally {
      await admin.end();
    }
    const url = new URL(server().url);
    url.username = "app";
    url.password = "app-secret";
    const app = new Store({ shards: 1, replication: { url: url.toString(), name } });
    open.push(app);
    expect(await app.get("n", "by owner")).toBe(1);
    await app.set("n", "by app", 2);
    const snapshot = await app.snapshot();
    await app.delete("n", "by owner");
    await app.restore(snapshot);
    await owner.sync();
    expect(await owner.get("n", "by app")).toBe(2);
    expect(await owner.get("n", "by owner")).toBe(1);
    // And a new store's row, made by the role itself.
    const another = new Store({ replication: { url: url.toString(), name: randomUUID() } });
    open.push(another);
    await another.set("n", "k", 3);
    expect(await another.get("n", "k")).toBe(3);
  });
});

describe("options", () => {
  it.each([
    [{ url: 5, name: "s" }, TypeError, "options.replication.url: expected a string, got number"],
    [
      { url: "mysql://u:secret@h/db", name: "s" },
      TypeError,
      "options.replication.url: expected a postgres:// or postgresql:// URL, got mysql://u:***@h/db",
    ],
    [
      { url: "postgres://h/db", name: "" },
      RangeError,
      'options.replication.name: expected 1 to 63 of A-Z, a-z, 0-9, "_", "." and "-", got ""',
    ],
    [{ url: "postgres://h/db", name: "a b" }, RangeError, "options.replication.name"],
    [
      { url: "postgres://h/db", name: "s", schema: 'x"; drop' },
      RangeError,
      "options.replication.schema",
    ],
    [{ url: "postgres://h/db", name: "s", timeout: 0 }, RangeError, "options.replication.timeout"],
    [
      { url: "postgres://h/db", name: "s", timeout: "1s" },
      TypeError,
      "options.replication.timeout",
    ],
    [
      { url: "postgres://h/db", name: "s", port: 1 },
      TypeError,
      "options.replication.port: unknown field",
    ],
    ["postgres://h/db", TypeError, "options.replication: expected an object, got string"],
  ])("refuses %j at the constructor", (replication, type, message) => {
    expect(() => new Store({ replication } as never)).toThrow(type);
    expect(() => new Store({ replication } as never)).toThrow(message);
  });

  it("takes a schema of 63 characters, the longest, as its own", async () => {
    const schema = `s${"x".repeat(62)}`;
    const store = new Store({ replication: { url: server().url, name: "long", schema } });
    open.push(store);
    await store.set("n", "k", 1);
    expect(await store.get("n", "k")).toBe(1);
    expect(store.replication).toEqual({ name: "long", schema });
  });

  it("refuses path together with replication", () => {
    expect(
      () => new Store({ path: "/tmp/x", replication: { url: "postgres://h/db", name: "s" } }),
    ).toThrow(/options.replication: not with options.path/);
  });

  it("names the server without its password when it refuses the password", async () => {
    const url = new URL(server().url);
    url.password = "wrong-secret";
    const store = new Store({ replication: { url: url.toString(), name: "s" } });
    open.push(store);
    const refused = await store.get("a", "k").catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SwarmStateError);
    expect((refused as Error).message).toContain("the password was refused");
    expect((refused as Error).message).toContain(
      `postgres://postgres:***@127.0.0.1:${server().port}/postgres`,
    );
    expect((refused as Error).message).not.toContain("wrong-secret");
  });

  it("names a database that does not exist", async () => {
    const url = new URL(server().url);
    url.pathname = "/nowhere";
    const store = new Store({ replication: { url: url.toString(), name: "s" } });
    open.push(store);
    await expect(store.set("a", "k", 1)).rejects.toThrow(
      /\/nowhere\) refused: the database does not exist/,
    );
  });

  it("rejects with LogUnavailableError when nothing answers at the URL", async () => {
    const store = new Store({
      replication: { url: "postgres://u:p@127.0.0.1:1/db", name: "s", timeout: 2000 },
    });
    open.push(store);
    await expect(store.set("a", "k", 1)).rejects.toBeInstanceOf(LogUnavailableError);
  });
});
