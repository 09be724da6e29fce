/**
 * The flags of `swarmstate load`: parsing, defaults, validation and the help text.
 *
 * Everything a user can get wrong is caught here, before a thread starts, and reported as a
 * `UsageError` naming the flag; the CLI prints its message and exits with code 2.
 */
import { DEFAULT_SHARDS } from "../index.js";
import {
  integer,
  optionalInteger,
  optionalNumber,
  optionalPath,
  parseFlags,
  UsageError,
} from "./flags.js";

/** A run's settings, all resolved (defaults filled in). */
export interface LoadOptions {
  /** Agent worker threads. */
  agents: number;
  /** Steps each agent runs (rolled-back steps included), or `null` for a timed run. */
  steps: number | null;
  /** Length of a timed run in seconds, or `null` when counted in steps. */
  durationSeconds: number | null;
  /** Shard worker threads of the store (`0`: all in the main thread). */
  shards: number;
  /** A directory to run on a durable store there (new or empty), or `null`: in memory. */
  path: string | null;
  /** Bytes of text in each tool result. */
  valueSize: number;
  /** Seed of the simulated work and of the failure points. */
  seed: number;
  /** Checkpoints (barriers) over the run; the last one ends it. */
  checkpoints: number;
  /** Checkpoints at which a failure is simulated and the store rolled back. */
  failures: number;
  /** Print the report as JSON on stdout (progress then goes to stderr). */
  json: boolean;
  /** Write one value behind the agents' backs before the final check, which must then fail. */
  sabotage: boolean;
  /** Keep a second store (same shard count) in step by changesets, and compare it at the end. */
  replica: boolean;
  /** With `replica`: write one value into the replica before it is compared, which must fail. */
  sabotageReplica: boolean;
}

/** What the command line asks for. */
export type LoadCommand = { kind: "help" } | { kind: "run"; options: LoadOptions };

/** Defaults: about 15 seconds in all on a 2-core machine. */
export const DEFAULTS = {
  agents: 4,
  durationSeconds: 13,
  shards: DEFAULT_SHARDS,
  valueSize: 2048,
  seed: 1,
  checkpoints: 12,
  failures: 3,
} as const;

const LIMITS = {
  agents: [1, 64],
  steps: [1, 100_000_000],
  duration: [0.1, 86_400],
  // The store's own limit on shards.
  shards: [0, 64],
  valueSize: [16, 1_048_576],
  seed: [0, 2 ** 32 - 1],
  checkpoints: [1, 10_000],
} as const;

/** `swarmstate load --help`. */
export const HELP = `Usage: swarmstate load [flags]

Runs a simulated agent swarm against one sharded store and checks it. Agent worker threads
each loop: read their state and their workflow task, do a step of work, write their state, a
tool result (a few KB of text), a memory fact and the shared workflow record. The main thread
pauses them at checkpoints, snapshots the store, audits the diff since the last checkpoint
against the agents' ledgers, and on a simulated failure restores an earlier checkpoint, after
which the agents resume from the restored state. At the end (and after every rollback) every
key and value in the store must be exactly what the ledgers say survived; any difference is
printed and the exit code is 1.

Flags:
  --agents <n>        agent worker threads (default ${DEFAULTS.agents})
  --steps <n>         steps each agent runs, rolled-back steps included; the run is then
                      reproducible: same flags, same final store
  --duration <sec>    run for this many seconds instead (default ${DEFAULTS.durationSeconds}; not with --steps)
  --shards <n>        shard worker threads of the store, 0 = none (default ${DEFAULTS.shards}, one per CPU, at most 4)
  --path <dir>        run on a durable store in this directory, which must be new or empty
                      (default: a store in memory); the store is left there after the run
  --value-size <n>    bytes of text in each tool result (default ${DEFAULTS.valueSize})
  --seed <n>          seed of the simulated work and failure points, 0 to 2^32-1 (default ${DEFAULTS.seed})
  --checkpoints <n>   checkpoints over the run, the last one ending it (default ${DEFAULTS.checkpoints})
  --failures <n>      checkpoints at which a failure is simulated and the store rolled back to
                      an earlier checkpoint; fewer than --checkpoints, as the last one never
                      fails (default ${DEFAULTS.failures})
  --json              print the report as JSON on stdout; progress goes to stderr
  --sabotage          test the checker: change one value behind the agents' backs before the
                      final check, which must then fail with exit code 1
  --replica           keep a second store (as many shards) in step by changesets alone: at
                      every checkpoint it applies the changes since the checkpoint it mirrors
                      (across rollbacks); at the end its entries must equal the store's exactly
  --sabotage-replica  test that check: change one value in the replica before the comparison,
                      which must then fail with exit code 1 (needs --replica)
  -h, --help          show this help

Exit codes: 0 the store matched the ledgers, 1 it did not (or the run failed), 2 bad flags.
`;

const FLAGS = {
  agents: { type: "string" },
  steps: { type: "string" },
  duration: { type: "string" },
  shards: { type: "string" },
  path: { type: "string" },
  "value-size": { type: "string" },
  seed: { type: "string" },
  checkpoints: { type: "string" },
  failures: { type: "string" },
  json: { type: "boolean" },
  sabotage: { type: "boolean" },
  replica: { type: "boolean" },
  "sabotage-replica": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/**
 * Parses the arguments that follow `load`.
 *
 * @throws UsageError naming the flag for anything unknown, repeated, malformed or out of range.
 * @example parseLoadArgs(["--agents", "2", "--steps", "500"]).options.steps // 500
 */
export function parseLoadArgs(args: readonly string[]): LoadCommand {
  const values = parseFlags(args, FLAGS);
  if (values.help) return { kind: "help" };

  const steps = optionalInteger("steps", values.steps, LIMITS.steps);
  if (steps !== null && values.duration !== undefined) {
    throw new UsageError("--steps and --duration cannot be used together: pick one");
  }
  const duration = optionalNumber("duration", values.duration, LIMITS.duration);
  const checkpoints = integer("checkpoints", values.checkpoints, DEFAULTS.checkpoints, [
    ...LIMITS.checkpoints,
  ]);
  // The last checkpoint never fails (the run ends on work that survives).
  const failures = integer(
    "failures",
    values.failures,
    Math.min(DEFAULTS.failures, checkpoints - 1),
    [0, LIMITS.checkpoints[1]],
  );
  if (failures >= checkpoints) {
    throw new UsageError(
      `--failures must be fewer than --checkpoints (${checkpoints}): the last checkpoint ` +
        `never fails; got ${failures}`,
    );
  }
  if (values["sabotage-replica"] && !values.replica) {
    throw new UsageError("--sabotage-replica needs --replica: there is no replica to sabotage");
  }
  if (steps !== null && steps < checkpoints) {
    throw new UsageError(`--steps must be at least --checkpoints (${checkpoints}), got ${steps}`);
  }
  return {
    kind: "run",
    options: {
      agents: integer("agents", values.agents, DEFAULTS.agents, [...LIMITS.agents]),
      steps,
      durationSeconds: steps === null ? (duration ?? DEFAULTS.durationSeconds) : null,
      shards: integer("shards", values.shards, DEFAULTS.shards, [...LIMITS.shards]),
      path: optionalPath("path", values.path),
      valueSize: integer("value-size", values["value-size"], DEFAULTS.valueSize, [
        ...LIMITS.valueSize,
      ]),
      seed: integer("seed", values.seed, DEFAULTS.seed, [...LIMITS.seed]),
      checkpoints,
      failures,
      json: values.json ?? false,
      sabotage: values.sabotage ?? false,
      replica: values.replica ?? false,
      sabotageReplica: values["sabotage-replica"] ?? false,
    },
  };
}
