/**
 * One connection to the log's database, as the appender and the follower each hold one: it
 * connects when first used and again after it breaks, runs `setup` on every new session (the
 * follower's `LISTEN`), and gives every statement a deadline.
 *
 * **Deadlines.** A client library waits for ever on a server that stopped answering (frozen,
 * or behind a partition where packets vanish). So each use, and each connection attempt, gets
 * a third of `timeout` (`patience`); past it the socket is destroyed, the use rejects with
 * `LogUnavailableError`, and the next use connects afresh. A third, so that a write whose
 * answer was lost once can be settled and retried within its own `timeout` (appender.ts). TCP
 * keepalive finds a dead peer while the connection is idle.
 *
 * **Ending.** The socket keeps the process alive only while a use is under way or a holder
 * (`hold`) is waiting for the database, so a program whose work is done ends with or without
 * `close()` (ARCHITECTURE.md, lifecycle).
 *
 * Messages name the server by `redactedUrl`: never the password.
 */
import { Socket } from "node:net";
import pg from "pg";
import { LogUnavailableError, SwarmStateError } from "../core/errors.js";
import { type Replication, redactedUrl } from "./replication-options.js";

/** SQLSTATEs that no retry mends: a wrong password or role, a missing database. */
const REFUSALS: Readonly<Record<string, string>> = {
  "28P01": "the password was refused",
  "28000": "the role may not log in",
  "3D000": "the database does not exist",
  "42501": "the role lacks a privilege it needs",
};

/** Waits between tries while the database is unreachable: from the first to the last. */
const RETRY_MS = [50, 100, 200, 500, 1000] as const;

/**
 * Waits before the next try after `failures` failed ones. The timer holds nothing open: a
 * caller waiting for the try holds the process with its own deadline.
 */
export function pause(failures: number): Promise<void> {
  const ms = RETRY_MS[Math.min(failures, RETRY_MS.length - 1)];
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * `work`, or the error `late()` gives if `work` has not settled within `ms` (then `late` runs
 * once, and may undo what waits: destroy a session, drop an entry). The timer is cleared as soon
 * as either settles.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

export class LogConnection {
  private client: pg.Client | null = null;
  private connecting: Promise<pg.Client> | null = null;
  /** Uses under way and holders waiting: while above 0 the socket keeps the process alive. */
  private holds = 0;
  private closed = false;
  /** Settles when the last use asked for has ended: the next one waits for it. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly replication: Replication,
    /** Runs on each new session before any use, e.g. `LISTEN`. */
    private readonly setup: (client: pg.Client) => Promise<void> = async () => {},
    /** A notification on this connection (the follower's wake-up). */
    private readonly onNotification: (payload: string) => void = () => {},
  ) {}

  /** How long one use or one connection attempt may take, in ms (see the module comment). */
  get patience(): number {
    return Math.max(1, Math.floor(this.replication.timeout / 3));
  }

  /** The server, for messages: the URL without its password. */
  get server(): string {
    return redactedUrl(this.replication.url);
  }

  /**
   * Runs `work` on the session, connecting first if needed, within `patience` ms. A failure of
   * the database is a `LogUnavailableError`, or a `SwarmStateError` for a refusal no retry
   * mends; the cause travels with it. An error of the statement itself rejects as it is.
   */
  async use<T>(what: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
    this.hold();
    // One use at a time: a session answers one statement at a time, and `pg` deprecates
    // queuing more on it. The deadline starts when this use's turn comes.
    const previous = this.turn;
    let finished: () => void = () => {};
    this.turn = new Promise<void>((resolve) => {
      finished = resolve;
    });
    await previous;
    try {
      return await withDeadline(this.session().then(work), this.patience, () => {
        this.reset();
        return new LogUnavailableError(
          `${what}: the log's database (${this.server}) did not answer within ${this.patience} ms`,
        );
      });
    } catch (error) {
      throw this.explain(what, error);
    } finally {
      finished();
      this.release();
    }
  }

  /** Keeps the process alive while the caller waits on the database (paired with `release`). */
  hold(): void {
    if (this.holds++ === 0) this.socket()?.ref();
  }

  release(): void {
    if (--this.holds === 0) this.socket()?.unref();
  }

  /** Ends the session; later uses reject. */
  async close(): Promise<void> {
    this.closed = true;
    // Awaited by `close()`: the socket holds the process until the server saw the goodbye.
    this.socket()?.ref();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private async session(): Promise<pg.Client> {
    if (this.closed) throw new SwarmStateError("the store's connection to its log is closed");
    if (this.client !== null) return this.client;
    this.connecting ??= this.connect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.replication.url,
      connectionTimeoutMillis: this.patience,
      keepAlive: true,
      keepAliveInitialDelayMillis: 5_000,
      application_name: "swarmstate",
    });
    // A broken session is dropped; the next use connects again.
    client.on("error", () => this.forget(client));
    client.on("end", () => this.forget(client));
    client.on("notification", ({ payload }) => this.onNotification(payload ?? ""));
    try {
      await client.connect();
      await this.setup(client);
    } catch (error) {
      client.connection.stream.destroy();
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new SwarmStateError("the store's connection to its log is closed");
    }
    this.client = client;
    if (this.holds === 0) this.socket()?.unref();
    return client;
  }

  private forget(client: pg.Client): void {
    if (this.client === client) this.client = null;
  }

  /**
   * Destroys the session at once (a statement past its deadline may never be answered); the
   * next use starts a new one.
   */
  reset(): void {
    const client = this.client;
    this.client = null;
    client?.connection.stream.destroy();
  }

  /** The session's socket (a TLS one is a `Socket` too). */
  private socket(): Socket | undefined {
    const stream = this.client?.connection.stream;
    return stream instanceof Socket ? stream : undefined;
  }

  private explain(what: string, error: unknown): Error {
    if (error instanceof SwarmStateError) return error;
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code in REFUSALS) {
      return new SwarmStateError(
        `${what}: the log's database (${this.server}) refused: ${REFUSALS[code]}`,
        { cause: error },
      );
    }
    if (isConnectionFailure(error)) {
      return new LogUnavailableError(
        `${what}: cannot reach the log's database (${this.server}): ${(error as Error).message}`,
        { cause: error },
      );
    }
    return error as Error;
  }
}

/** Whether `error` is the connection failing rather than a statement: no SQLSTATE of its own. */
function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  // SQLSTATE class 08 is "connection exception"; 57P0x are shutdowns.
  if (typeof code === "string" && /^(08|57P0)/.test(code)) return true;
  return !(typeof code === "string" && /^[0-9A-Z]{5}$/.test(code));
}
