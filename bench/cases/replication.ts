/**
 * Question: what does a replicated store cost, against what a user would otherwise do with the
 * same Postgres: a plain table, one awaited upsert per `set` and one `SELECT` per `get`? On an
 * embedded Postgres started for the run (`synchronous_commit` on, its default), same machine:
 * awaited `set` and `get` p50, 8 awaiting writers against one (group commit), `setMany` of 1,000
 * against one multi-row upsert, `snapshot()` at 1k and 100k entries against one bare append
 * round trip (the log's append statement alone, one entry; a plain `INSERT` is shown beside it),
 * and the lag of a second replica behind the first under the 8 writers. The single calls are
 * measured in alternating rounds, each figure the median of the rounds' percentiles.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { dumps, Store } from "../../dist/index.js";
import { LogTable } from "../../dist/replication/log-table.js";
import { prepareSchema } from "../../dist/replication/schema.js";
import { CHUNK, chunksOf, cycle, type Item, range } from "../harness/data.js";
import {
  count,
  type Figure,
  figure,
  format,
  ms,
  opsPerSecond,
  p50Ratio,
  ratio,
} from "../harness/figures.js";
import { alternate, median, type Timing, time } from "../harness/measure.js";
import { startPostgres } from "../harness/postgres.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";

const NAME = "replication";
const SET_TARGET = { op: "<=", value: 1.5, source: "#30" } as const;
const GET_THREADED = { op: "<=", value: 1, source: "#30" } as const;
const GET_LOCAL = { op: "<=", value: 0.2, source: "#30" } as const;
const GROUP_COMMIT = { op: ">=", value: 4, source: "#30" } as const;
const SET_MANY = { op: ">=", value: 0.5, source: "#30" } as const;
const FLAT = { op: "<=", value: 1.5, source: "#30" } as const;
const SNAPSHOT_VS_APPEND = { op: "<=", value: 3, source: "#30" } as const;
const LAG_P99_MS = { op: "<=", value: 20, source: "#30" } as const;
const WRITERS = 8;

export const replicationSection: Section = {
  name: NAME,
  question:
    "a replicated store against a plain Postgres table: awaited set/get, 8 writers, setMany, snapshot, follower lag",
  async run({ quick, budget, progress }) {
    progress("starting an embedded Postgres");
    const server = await startPostgres();
    const plain = new pg.Client({ connectionString: server.url });
    const stores: Store[] = [];
    const replica = (name: string, shards: number) => {
      const store = new Store({ shards, replication: { url: server.url, name } });
      stores.push(store);
      return store;
    };
    try {
      await plain.connect();
      await plain.query(
        "CREATE TABLE plain (namespace text, key text, value bytea, PRIMARY KEY (namespace, key))",
      );
      await plain.query("CREATE TABLE bare (id bigserial PRIMARY KEY, entry bytea)");
      const keys = quick ? 1_000 : 10_000;
      const options = { time: budget, iterations: quick ? 32 : 200 };
      const items = [1, 0].flatMap((version) => [...chunksOf(range(keys), version)].flat());
      const pairs = items.slice(0, keys).map(([ns, key]): [string, string] => [ns, key]);

      progress(`filling the plain table and two replicated stores with ${keys} keys`);
      const threaded = replica("bench-threaded", 2);
      const local = replica("bench-local", 0);
      for (const chunk of chunksOf(range(keys))) {
        await Promise.all([
          threaded.setMany(chunk),
          local.setMany(chunk),
          upsertMany(plain, chunk),
        ]);
      }

      const rounds = quick ? 1 : 5;
      progress(`awaited set and get, one at a time, ${rounds} alternating rounds`);
      const nextItem = cycle(items);
      const nextPair = cycle(pairs);
      const bareEntry = new Uint8Array(64);
      // The log's own append statement, alone: one entry, no follower, no shards.
      await prepareSchema(plain, "bench_bare");
      const log = new LogTable("bench_bare", "bare");
      await log.open(plain, randomUUID(), null);
      const origin = randomUUID();
      const epoch = await log.fence(plain, origin);
      let seq = 0;
      const each = { ...options, time: options.time / rounds };
      // Alternating rounds: a burst of outside load on this shared machine falls on both sides
      // of a comparison, not on whichever happened to be running.
      const timings: Record<string, Timing> = await alternate(rounds, {
        "set, shards 2": () => time("set", () => threaded.set(...nextItem()), each),
        "set, shards 0": () => time("set", () => local.set(...nextItem()), each),
        "plain upsert": () => time("upsert", () => upsert(plain, nextItem()), each),
        "get, shards 2": () => time("get", () => threaded.get(...nextPair()), each),
        "get, shards 0": () => time("get", () => local.get(...nextPair()), each),
        "plain SELECT": () => time("select", () => select(plain, nextPair()), each),
        "plain INSERT": () =>
          time(
            "insert",
            () =>
              plain.query({
                name: "bare",
                text: "INSERT INTO bare (entry) VALUES ($1)",
                values: [bareEntry],
              }),
            each,
          ),
        "bare append": () =>
          time(
            "append",
            () => log.append(plain, origin, epoch, [{ seq: ++seq, entry: bareEntry }]),
            each,
          ),
      });
      const calls = table(NAME, "replication-calls", "one awaited call, p50 and p99", "call", {
        swarmstate: ["p50", "p99"],
      });
      for (const [name, timing] of Object.entries(timings)) {
        addRow(calls, name, { p50: ms(timing.p50), p99: ms(timing.p99) });
        progress(`  ${name}: p50 ${format(ms(timing.p50))}, p99 ${format(ms(timing.p99))}`);
      }
      const p50 = (name: string) => (timings[name] as Timing).p50;

      progress("setMany of 1,000 against one multi-row upsert");
      const chunks = [...chunksOf(range(CHUNK), 2), ...chunksOf(range(CHUNK), 3)];
      const nextChunk = cycle(chunks);
      const setManyTiming = await time("setMany", () => threaded.setMany(nextChunk()), options);
      const upsertManyTiming = await time(
        "upsertMany",
        () => upsertMany(plain, nextChunk()),
        options,
      );

      progress(`${WRITERS} awaiting writers against one`);
      const window = quick ? 1_000 : 3_000;
      const one = await setsPerSecond(threaded, 1, window, nextItem);
      const many = await setsPerSecond(threaded, WRITERS, window, nextItem);

      progress("follower lag under the writers");
      const follower = replica("bench-threaded", 0);
      await follower.sync();
      const lags = await followerLag(threaded, follower, WRITERS, window, nextItem);

      progress("snapshot at 1k and 100k entries");
      const snapshots: Record<number, Timing> = {};
      for (const size of [1_000, quick ? 10_000 : 100_000]) {
        const store = replica(`bench-snapshot-${size}`, 2);
        for (const chunk of chunksOf(range(size))) await store.setMany(chunk);
        let taken: Awaited<ReturnType<Store["snapshot"]>> | undefined;
        snapshots[size] = await time(
          `snapshot ${size}`,
          async () => {
            taken = await store.snapshot();
          },
          { ...options, afterEach: () => taken?.release() },
        );
        progress(`  ${size} entries: p50 ${format(ms((snapshots[size] as Timing).p50))}`);
      }
      const [small, large] = Object.values(snapshots) as [Timing, Timing];

      const figures: Figure[] = [
        p50Ratio(
          NAME,
          "awaited set p50 / one plain upsert (shards 2)",
          ["set", p50("set, shards 2")],
          ["upsert", p50("plain upsert")],
          SET_TARGET,
        ),
        p50Ratio(
          NAME,
          "awaited get p50 / one plain SELECT (shards 2)",
          ["get", p50("get, shards 2")],
          ["SELECT", p50("plain SELECT")],
          GET_THREADED,
        ),
        p50Ratio(
          NAME,
          "awaited get p50 / one plain SELECT (shards 0)",
          ["get", p50("get, shards 0")],
          ["SELECT", p50("plain SELECT")],
          GET_LOCAL,
        ),
        figure(
          NAME,
          `sets/s of ${WRITERS} awaiting writers / one writer`,
          ratio(many / one),
          GROUP_COMMIT,
          {
            [`${WRITERS} writers`]: opsPerSecond(many),
            "1 writer": opsPerSecond(one),
          },
        ),
        figure(
          NAME,
          "setMany of 1,000: speed / one multi-row upsert",
          ratio(upsertManyTiming.p50 / setManyTiming.p50),
          SET_MANY,
          {
            setMany: ms(setManyTiming.p50),
            upsert: ms(upsertManyTiming.p50),
          },
        ),
        p50Ratio(
          NAME,
          "snapshot p50 at 100k / at 1k entries",
          ["100k", large.p50],
          ["1k", small.p50],
          FLAT,
        ),
        p50Ratio(
          NAME,
          "snapshot p50 at 100k / one bare append",
          ["snapshot", large.p50],
          ["append", p50("bare append")],
          SNAPSHOT_VS_APPEND,
        ),
        figure(NAME, `follower lag p99 under ${WRITERS} writers`, ms(lags.p99), LAG_P99_MS, {
          p50: ms(lags.p50),
          samples: count(lags.samples),
        }),
      ];
      return { figures, tables: [calls] };
    } finally {
      await Promise.all(stores.map((store) => store.close()));
      await plain.end().catch(() => {});
      await server.stop();
    }
  },
};

function upsert(client: pg.Client, [namespace, key, value]: Item) {
  return client.query({
    name: "upsert",
    text: `INSERT INTO plain VALUES ($1, $2, $3)
           ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`,
    values: [namespace, key, dumps(value)],
  });
}

function upsertMany(client: pg.Client, items: readonly Item[]) {
  return client.query({
    name: "upsert-many",
    text: `INSERT INTO plain SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[])
           ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value`,
    values: [
      items.map((item) => item[0]),
      items.map((item) => item[1]),
      items.map((item) => dumps(item[2])),
    ],
  });
}

function select(client: pg.Client, [namespace, key]: [string, string]) {
  return client.query({
    name: "select",
    text: "SELECT value FROM plain WHERE namespace = $1 AND key = $2",
    values: [namespace, key],
  });
}

/** Sets a second by `writers` callers, each awaiting its sets one after another, for `window` ms. */
async function setsPerSecond(store: Store, writers: number, window: number, next: () => Item) {
  let sets = 0;
  const end = performance.now() + window;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < end) {
        await store.set(...next());
        sets++;
      }
    }),
  );
  return (sets * 1000) / (performance.now() - start);
}

/**
 * While `writers` callers write to `leader`, a probe writes a counter there and times how long
 * after the write resolved `follower` (another replica of the store) shows it.
 */
async function followerLag(
  leader: Store,
  follower: Store,
  writers: number,
  window: number,
  next: () => Item,
) {
  const lags: number[] = [];
  const load = setsPerSecond(leader, writers, window, next);
  const end = performance.now() + window;
  for (let probe = 0; performance.now() < end; probe++) {
    await leader.set("lag", "probe", probe);
    const written = performance.now();
    while ((await follower.get("lag", "probe")) !== probe) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    lags.push(performance.now() - written);
  }
  await load;
  const sorted = lags.sort((a, b) => a - b);
  return {
    p50: median(sorted),
    p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0,
    samples: sorted.length,
  };
}
