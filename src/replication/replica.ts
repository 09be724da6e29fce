/**
 * One process's replica of a replicated store: the log service its clients write through, made
 * of one appender (appender.ts) and one follower (follower.ts), each on a connection of its own
 * (connection.ts), over the store's rows (log-table.ts).
 *
 * A write (`write`): its steps become one entry, appended; it resolves to the steps' outcomes
 * once the entry is committed and the local follower has applied it, so every client reads its
 * own writes. It rejects with `LogUnavailableError` if that has not happened within `timeout`:
 * the entry is then in the log on every replica or on none, as the database decided.
 *
 * Opening: the schema's tables (schema.ts), the store's row (its id and maxHistory, the first
 * replica's), then the follower applies the log from its start (no images yet); the replica is
 * open once it has reached the head found at opening, and nothing reads the local shards
 * before. While the database is unreachable it keeps trying, and every call waiting for it
 * rejects with `LogUnavailableError` at its deadline (`opened`); a refusal no retry mends (a
 * wrong password, another maxHistory) fails the replica for good.
 */
import { randomUUID } from "node:crypto";
import type { StoreClient } from "../client/data-path.js";
import { LogUnavailableError } from "../core/errors.js";
import type { LogService, LogStep, LogStepOutcome } from "../core/protocol/log-step.js";
import { Appender, type Appending } from "./appender.js";
import { LogConnection, pause, withDeadline } from "./connection.js";
import { Follower } from "./follower.js";
import { encodeEntry } from "./log-entry.js";
import { LogTable, type StoreRow } from "./log-table.js";
import { type Replication, redactedUrl } from "./replication-options.js";
import { prepareSchema } from "./schema.js";

/** What the replica learned as it opened. */
export interface Opened {
  /** The store's id, the same on every replica. */
  storeId: string;
}

export class Replica implements LogService {
  /** Settles once the replica has opened and applied the log up to its head at opening. */
  private readonly ready: Promise<Opened>;
  private isOpen = false;
  private closed = false;
  private readonly origin = randomUUID();
  private readonly table: LogTable;
  private readonly appending: LogConnection;
  private readonly following: LogConnection;
  private readonly appender: Appender;
  private readonly follower: Follower;
  private failure: Error | null = null;

  constructor(
    private readonly replication: Replication,
    maxHistory: number | null,
    /** The follower's client of the local shards. */
    applier: StoreClient,
    /** Called if the replica cannot go on (it could not open, or found damage). */
    private readonly failed: (error: Error) => void,
  ) {
    const { name, schema } = replication;
    this.table = new LogTable(schema, name);
    this.appending = new LogConnection(replication, (client) => this.appender.startSession(client));
    this.following = new LogConnection(
      replication,
      async (client) => {
        await client.query(`LISTEN "${this.table.channel}"`);
      },
      (payload) => {
        // "<name> <head>": a store's new head. While an append of this replica is under way its
        // answer wakes the follower, with its entries in hand (and reads what came before
        // them): waking it now would put a read in that answer's way.
        const [store, head] = payload.split(" ");
        if (store === name && !this.appender.appending) this.follower.heard(Number(head));
      },
    );
    this.follower = new Follower(
      this.table,
      this.following,
      applier,
      this.origin,
      (error) => this.fail(error),
      `${redactedUrl(replication.url)} schema "${schema}" store "${name}"`,
    );
    this.appender = new Appender(this.table, this.appending, this.origin, (rows) =>
      this.follower.offer(rows),
    );
    this.ready = this.open(maxHistory);
    this.ready.catch(() => {}); // reaches callers through `opened`
  }

  /**
   * Resolves once the replica is open (see the module comment); rejects with
   * `LogUnavailableError` if it is not within `timeout`, or with what failed it.
   */
  opened(timeout = this.replication.timeout): Promise<Opened> {
    if (this.isOpen || this.failure !== null) return this.ready;
    return withDeadline(this.ready, timeout, () => this.unavailable("open"));
  }

  async write(steps: LogStep[]): Promise<LogStepOutcome[]> {
    const deadline = performance.now() + this.replication.timeout;
    await this.opened();
    if (this.failure !== null) throw this.failure;
    let forget = () => {};
    this.appending.hold();
    try {
      let appending: Appending | undefined;
      const applied = new Promise<LogStepOutcome[]>((resolve, reject) => {
        appending = this.appender.append(encodeEntry(steps), (error) => {
          if (error !== null) reject(error);
        });
        // Registered in the same turn as the append, which cannot commit before this returns.
        forget = this.follower.expect(appending.seq, (outcomes) => outcomes.then(resolve, reject));
      });
      return await withDeadline(applied, deadline - performance.now(), () => {
        appending?.abandon();
        return this.unavailable("write");
      });
    } finally {
      forget();
      this.appending.release();
    }
  }

  async sync(): Promise<void> {
    const deadline = performance.now() + this.replication.timeout;
    await this.opened(deadline - performance.now());
    const head = await this.following.use("sync", (client) => this.table.head(client));
    // Reaching it needs the database too (the follower reads): within the same `timeout`.
    this.following.hold();
    try {
      await withDeadline(this.follower.reach(head), deadline - performance.now(), () =>
        this.unavailable("sync"),
      );
    } finally {
      this.following.release();
    }
  }

  /** Stops following (and opening) and closes both connections. */
  async close(): Promise<void> {
    this.closed = true;
    this.follower.stop(new Error("the replica is closed"));
    await Promise.all([this.appending.close(), this.following.close()]);
  }

  private async open(maxHistory: number | null): Promise<Opened> {
    try {
      const row = await this.storeRow(maxHistory);
      if (row.maxHistory !== maxHistory) {
        throw new RangeError(
          `options.maxHistory: store "${this.replication.name}" keeps ${row.maxHistory ?? "every"} snapshot${row.maxHistory === 1 ? "" : "s"} (maxHistory: ${row.maxHistory}); every replica must say the same, not ${maxHistory}`,
        );
      }
      this.following.hold();
      try {
        await this.follower.reach(row.head);
      } finally {
        this.following.release();
      }
      this.isOpen = true;
      return { storeId: row.id };
    } catch (error) {
      this.fail(error as Error);
      throw error;
    }
  }

  /** The schema's tables and the store's row, tried again while the database is unreachable. */
  private async storeRow(maxHistory: number | null): Promise<StoreRow> {
    for (let failures = 0; ; failures++) {
      try {
        return await this.following.use("open", async (client) => {
          await prepareSchema(client, this.replication.schema);
          return this.table.open(client, randomUUID(), maxHistory);
        });
      } catch (error) {
        if (!(error instanceof LogUnavailableError) || this.closed) throw error;
        await pause(failures);
      }
    }
  }

  /** A call that waited its `timeout` for the database. */
  private unavailable(what: string): LogUnavailableError {
    return new LogUnavailableError(
      `${what}: the log's database (${redactedUrl(this.replication.url)}) did not answer within ${this.replication.timeout} ms`,
    );
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.follower.stop(error);
    this.failed(error);
  }
}
