// The log's tables and order, against a real Postgres: the schema is created once however many
// replicas start together, and no follower ever skips or reorders an entry while many appenders
// commit in random order.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type LogRow, LogTable } from "../../src/replication/log-table.js";
import { prepareSchema, VERSION } from "../../src/replication/schema.js";
import { postgresForThisFile } from "../fixtures/postgres.js";

const server = postgresForThisFile();
const clients: pg.Client[] = [];

// Runs before the server's own afterAll stops it (after-hooks run last registered first).
afterAll(async () => {
  await Promise.allSettled(clients.map((client) => client.end()));
});

/** Resolves once some session of the database waits for a lock. */
async function waitForLockWait(client: pg.Client): Promise<void> {
  for (;;) {
    const { rows } = await client.query(
      "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
    );
    if (rows.length > 0) return;
    await client.query("SELECT pg_sleep(0.005)");
  }
}

async function connect(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: server().url });
  clients.push(client);
  await client.connect();
  return client;
}

describe("schema", () => {
  it("is created once when replicas start together, and records its version", async () => {
    const starting = await Promise.all(Array.from({ length: 4 }, connect));
    await Promise.all(starting.map((client) => prepareSchema(client, "together")));
    await prepareSchema(starting[0] as pg.Client, "together"); // and again: nothing to do
    const { rows } = await (starting[0] as pg.Client).query(
      'SELECT version FROM "together".version',
    );
    expect(rows).toEqual([{ version: VERSION }]);
  });

  it("refuses a layout of another version, naming both", async () => {
    const client = await connect();
    await prepareSchema(client, "newer");
    await client.query('UPDATE "newer".version SET version = $1', [VERSION + 1]);
    await expect(prepareSchema(client, "newer")).rejects.toThrow(
      `schema "newer" holds swarmstate's tables at version ${VERSION + 1}; this release reads version ${VERSION}`,
    );
  });
});

describe("the log", () => {
  it("keeps the first replica's id and maxHistory, and starts at head 0", async () => {
    const client = await connect();
    await prepareSchema(client, "rows");
    const table = new LogTable("rows", "a.store");
    const first = randomUUID();
    expect(await table.open(client, first, 5)).toEqual({ id: first, maxHistory: 5, head: 0 });
    expect(await table.open(client, randomUUID(), null)).toEqual({
      id: first,
      maxHistory: 5,
      head: 0,
    });
  });

  it("takes an entry once: appending its identity again fails and changes nothing", async () => {
    const client = await connect();
    await prepareSchema(client, "once");
    const table = new LogTable("once", "s");
    await table.open(client, randomUUID(), null);
    const origin = randomUUID();
    const epoch = await table.fence(client, origin);
    const entry = new Uint8Array([1, 2, 3]);
    expect(await table.append(client, origin, epoch, [{ seq: 1, entry }])).toBe(1);
    await expect(table.append(client, origin, epoch, [{ seq: 1, entry }])).rejects.toMatchObject({
      code: "23505",
    });
    expect(await table.found(client, origin, [1, 2])).toEqual(new Set([1]));
    expect(await table.head(client)).toBe(1);
    expect(await table.read(client, 0, 10)).toEqual([
      { pos: 1, origin, seq: 1, entry: Buffer.from(entry) },
    ]);
  });

  it("settles an earlier session's append: one under way commits before a fence, a later one is refused", async () => {
    const [setup, old, fresh] = await Promise.all([connect(), connect(), connect()]);
    await prepareSchema(setup, "fence");
    const table = new LogTable("fence", "s");
    await table.open(setup, randomUUID(), null);
    const origin = randomUUID();
    const entry = new Uint8Array([7]);
    const first = await table.fence(old, origin);
    // The old session's append is under way in the server, held up behind a lock on the
    // store's row; a new session's fence waits for it to end, so that it is then known.
    await setup.query("BEGIN");
    await setup.query('SELECT 1 FROM "fence".stores WHERE name = $1 FOR UPDATE', ["s"]);
    const underWay = table.append(old, origin, first, [{ seq: 1, entry }]);
    await waitForLockWait(setup);
    const fencing = table.fence(fresh, origin);
    await setup.query("COMMIT");
    expect(await underWay).toBe(1);
    const second = await fencing;
    expect(await table.found(fresh, origin, [1, 2])).toEqual(new Set([1]));
    // An append of the old session that reaches the server after the fence is refused.
    await expect(table.append(old, origin, first, [{ seq: 2, entry }])).rejects.toThrow(
      "fenced off",
    );
    expect(await table.found(fresh, origin, [2])).toEqual(new Set());
    expect(await table.append(fresh, origin, second, [{ seq: 2, entry }])).toBe(2);
  });

  it("is read in one order, without a gap, while appenders commit after random delays", async () => {
    const setup = await connect();
    await prepareSchema(setup, "order");
    const table = new LogTable("order", "s");
    await table.open(setup, randomUUID(), null);
    const APPENDERS = 6;
    const APPENDS = 15;
    const appenders = await Promise.all(Array.from({ length: APPENDERS }, connect));
    const followers = await Promise.all(Array.from({ length: 2 }, connect));
    let appending = true;

    // Each append is a transaction that waits a random time before it commits, so that
    // positions are taken in one order and would be seen committed in another.
    const appended = appenders.map(async (client) => {
      const origin = randomUUID();
      const epoch = await table.fence(client, origin);
      let seq = 0;
      for (let i = 0; i < APPENDS; i++) {
        const count = 1 + Math.floor(Math.random() * 3);
        const entries = Array.from({ length: count }, () => {
          seq++;
          return { seq, entry: new TextEncoder().encode(`${origin} ${seq}`) };
        });
        await client.query("BEGIN");
        await table.append(client, origin, epoch, entries);
        await client.query("SELECT pg_sleep($1)", [Math.random() * 0.02]);
        await client.query("COMMIT");
      }
      return seq;
    });

    // Followers read from their position as fast as they can; each entry must be the next one.
    const followed = followers.map(async (client) => {
      const seen: LogRow[] = [];
      for (;;) {
        const done = !appending;
        const rows = await table.read(client, seen.length, 100);
        for (const row of rows) {
          expect(row.pos).toBe(seen.length + 1);
          seen.push(row);
        }
        if (done && rows.length === 0) return seen;
      }
    });

    const counts = await Promise.all(appended);
    appending = false;
    const [first, second] = await Promise.all(followed);
    const total = counts.reduce((sum, n) => sum + n, 0);
    expect(first).toHaveLength(total);
    expect(second).toEqual(first);
    // Each appender's entries are in the log in the order it appended them.
    const lastSeq = new Map<string, number>();
    for (const row of first ?? []) {
      expect(row.seq).toBe((lastSeq.get(row.origin) ?? 0) + 1);
      lastSeq.set(row.origin, row.seq);
    }
    expect(await table.head(setup)).toBe(total);
  });
});
