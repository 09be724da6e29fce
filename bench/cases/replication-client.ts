/**
 * Question: which Postgres client should a replicated store use, `pg` (node-postgres) or
 * `postgres` (postgres.js)? Measured on what the store does with it: one small insert awaited
 * (an append), 1,000 small inserts issued at once on one connection (where pipelining would
 * tell), and how soon a `LISTEN`ing connection hears a `NOTIFY` (the follower's wake-up).
 * Same embedded Postgres, same table, alternating rounds.
 */
import pg from "pg";
import postgres from "postgres";
import { type Figure, ms, p50Ratio } from "../harness/figures.js";
import { alternate, time } from "../harness/measure.js";
import { startPostgres } from "../harness/postgres.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";

const NAME = "replication-client";
const BURST = 1_000;
const CHANNEL = "bench_wake";

/** What each client library is asked to do. */
interface Client {
  insert(entry: Uint8Array): Promise<unknown>;
  /** `count` inserts issued at once, as the library best sends them on one connection. */
  burst(entry: Uint8Array, count: number): Promise<unknown>;
  /** Resolves once the notification sent on the other connection has arrived here. */
  wake(): Promise<void>;
  end(): Promise<void>;
}

async function pgClient(url: string): Promise<Client> {
  const [writer, listener] = [new pg.Client(url), new pg.Client(url)];
  await Promise.all([writer.connect(), listener.connect()]);
  await listener.query(`LISTEN ${CHANNEL}`);
  let heard: (() => void) | null = null;
  listener.on("notification", () => heard?.());
  const insert = (entry: Uint8Array) =>
    writer.query({
      name: "insert",
      text: "INSERT INTO entries (entry) VALUES ($1)",
      values: [entry],
    });
  return {
    insert,
    // pg sends one statement at a time on a connection (it queues the rest, a use it deprecates):
    // the best it does is the next one as soon as the last is answered.
    async burst(entry, count) {
      for (let i = 0; i < count; i++) await insert(entry);
    },
    async wake() {
      const arrived = new Promise<void>((resolve) => {
        heard = resolve;
      });
      await writer.query(`NOTIFY ${CHANNEL}`);
      await arrived;
    },
    end: async () => {
      await Promise.all([writer.end(), listener.end()]);
    },
  };
}

async function postgresClient(url: string): Promise<Client> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const listening = postgres(url, { max: 1, onnotice: () => {} });
  let heard: (() => void) | null = null;
  await listening.listen(CHANNEL, () => heard?.());
  const insert = (entry: Uint8Array) =>
    sql`INSERT INTO entries (entry) VALUES (${entry})`.execute();
  return {
    insert,
    // postgres pipelines: every statement is sent before the first answer comes back.
    burst: (entry, count) => Promise.all(Array.from({ length: count }, () => insert(entry))),
    async wake() {
      const arrived = new Promise<void>((resolve) => {
        heard = resolve;
      });
      await sql`SELECT pg_notify(${CHANNEL}, '')`;
      await arrived;
    },
    end: async () => {
      await Promise.all([sql.end(), listening.end()]);
    },
  };
}

export const replicationClientSection: Section = {
  name: NAME,
  question: "pg or postgres for the log: an awaited insert, 1,000 at once, a LISTEN wake-up",
  async run({ quick, budget, progress }) {
    progress("starting an embedded Postgres");
    const server = await startPostgres();
    const clients: [string, Client][] = [];
    try {
      const admin = new pg.Client(server.url);
      await admin.connect();
      await admin.query("CREATE TABLE entries (id bigserial PRIMARY KEY, entry bytea)");
      await admin.end();
      clients.push(
        ["pg", await pgClient(server.url)],
        ["postgres", await postgresClient(server.url)],
      );
      const entry = new Uint8Array(64);
      const options = { time: budget / 3, iterations: quick ? 16 : 100 };
      const measurements: Record<string, () => ReturnType<typeof time>> = {};
      for (const [name, client] of clients) {
        measurements[`${name}: insert`] = () =>
          time(`${name} insert`, () => client.insert(entry), options);
        measurements[`${name}: ${BURST} at once`] = () =>
          time(`${name} burst`, () => client.burst(entry, BURST), {
            ...options,
            iterations: quick ? 4 : 20,
          });
        measurements[`${name}: wake-up`] = () => time(`${name} wake`, () => client.wake(), options);
      }
      progress(`${quick ? 1 : 3} alternating rounds`);
      const timings = await alternate(quick ? 1 : 3, measurements);
      const results = table(
        NAME,
        "replication-client",
        "p50 of each, per client library",
        "client",
        {
          swarmstate: ["insert", `${BURST} inserts at once`, "wake-up"],
        },
      );
      const p50 = (name: string) => timings[name]?.p50 ?? Number.NaN;
      for (const [name] of clients) {
        addRow(results, name, {
          insert: ms(p50(`${name}: insert`)),
          [`${BURST} inserts at once`]: ms(p50(`${name}: ${BURST} at once`)),
          "wake-up": ms(p50(`${name}: wake-up`)),
        });
      }
      const versus = (name: string, measured: string) =>
        p50Ratio(
          NAME,
          name,
          ["postgres", p50(`postgres: ${measured}`)],
          ["pg", p50(`pg: ${measured}`)],
          null,
        );
      const figures: Figure[] = [
        versus("awaited insert p50, postgres / pg", "insert"),
        versus(`${BURST} inserts at once, postgres / pg`, `${BURST} at once`),
        versus("LISTEN wake-up p50, postgres / pg", "wake-up"),
      ];
      return { figures, tables: [results] };
    } finally {
      await Promise.all(clients.map(([, client]) => client.end()));
      await server.stop();
    }
  },
};
