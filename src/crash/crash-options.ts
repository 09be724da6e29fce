/**
 * The flags of `swarmstate crash-test`: parsing, defaults, validation and the help text. A bad
 * command line is a `UsageError` naming the flag (exit code 2), caught before anything starts.
 */
import { integer, optionalInteger, optionalPath, parseFlags, UsageError } from "../load/flags.js";

/** A crash test's settings. */
export interface CrashTestOptions {
  /** The test directory: the store (`store/`) and the ledger (`ledger.jsonl`). */
  path: string;
  /** Writer processes to kill. */
  kills: number;
  /** Shards of a new store; `null`: 3, or the count of the store being continued. */
  shards: number | null;
  /** How the writer opens the store; `null`: `"sync"`, or what the store being continued used. */
  durability: "sync" | "async" | null;
  /** Seed of the writers' streams and of the kill moments. */
  seed: number;
  /** Print the report as JSON on stdout (progress then goes to stderr). */
  json: boolean;
  /** Delete one acknowledged key behind the ledger's back after the first kill: must fail. */
  sabotage: boolean;
}

export type CrashTestCommand = { kind: "help" } | { kind: "run"; options: CrashTestOptions };

/** Defaults: about 30 seconds on a 2-core machine. */
export const CRASH_DEFAULTS = { kills: 20, shards: 3, durability: "sync", seed: 1 } as const;

/** `swarmstate crash-test --help`. */
export const CRASH_HELP = `Usage: swarmstate crash-test --path DIR [flags]

Checks that a durable store keeps what it acknowledged across crashes. A writer process opens
the store at DIR/store and writes in a loop (setMany batches spread over every shard, bursts of
unawaited sets and deletes, snapshots, restores, releases), appending to DIR/ledger.jsonl each
unit of work before it starts and each acknowledgement as it comes. The test kills the writer
with SIGKILL at a random moment, reopens the store itself and checks it against the ledger:
every acknowledged write there with its value, every batch all or nothing, nothing kept after
something dropped, every acknowledged snapshot there with exactly its contents, the diffs
between consecutive snapshots exact. Then it starts the next writer on the same store.

Flags:
  --path <dir>              the test directory: empty or missing (a new test), or one a
                            crash test wrote before (continued where it stopped); required
  --kills <n>               writers to kill (default ${CRASH_DEFAULTS.kills})
  --shards <n>              shards of a new store (default ${CRASH_DEFAULTS.shards}); a continued one keeps its own
  --durability sync|async   how the writer opens the store (default ${CRASH_DEFAULTS.durability}); with async,
                            acknowledged writes may be lost within the store's flush window,
                            so only all-or-nothing, the prefix rule and acknowledged
                            snapshots and restores are checked
  --seed <n>                seed of the writers and the kill moments, 0 to 2^32-1 (default ${CRASH_DEFAULTS.seed})
  --json                    print the report as JSON on stdout; progress goes to stderr
  --sabotage                test the checker: delete one acknowledged key behind the ledger's
                            back after the first kill; the check must then fail (exit code 1)
  -h, --help                show this help

Exit codes: 0 nothing acknowledged was lost and nothing was kept in part, 1 something was (or
the run failed), 2 bad flags or a DIR that is not a crash-test directory.
`;

const FLAGS = {
  path: { type: "string" },
  kills: { type: "string" },
  shards: { type: "string" },
  durability: { type: "string" },
  seed: { type: "string" },
  json: { type: "boolean" },
  sabotage: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses the arguments that follow `crash-test`.
 * @throws UsageError naming the flag for anything unknown, malformed or out of range.
 * @example parseCrashTestArgs(["--path", "/tmp/ct", "--kills", "50"]).options.kills // 50
 */
export function parseCrashTestArgs(args: readonly string[]): CrashTestCommand {
  const values = parseFlags(args, FLAGS);
  if (values.help) return { kind: "help" };
  const path = optionalPath("path", values.path);
  if (path === null) {
    throw new UsageError("--path is required: the directory of the test (see --help)");
  }
  const { durability } = values;
  if (durability !== undefined && durability !== "sync" && durability !== "async") {
    throw new UsageError(`--durability must be sync or async, got '${durability}'`);
  }
  return {
    kind: "run",
    options: {
      path,
      kills: integer("kills", values.kills, CRASH_DEFAULTS.kills, [1, 100_000]),
      // On disk a store has at least one shard; `0` would be one, in the writer's thread.
      shards: optionalInteger("shards", values.shards, [1, 64]),
      durability: durability ?? null,
      seed: integer("seed", values.seed, CRASH_DEFAULTS.seed, [0, 2 ** 32 - 1]),
      json: values.json ?? false,
      sabotage: values.sabotage ?? false,
    },
  };
}
