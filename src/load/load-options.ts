/**
 * The flags of `swarmstate load`: parsing, defaults, validation and the help text.
 *
 * Everything a user can get wrong is caught here, before a thread starts, and reported as a
 * `UsageError` naming the flag; the CLI prints its message and exits with code 2.
 */
import { parseArgs } from "node:util";
import { DEFAULT_SHARDS } from "../index.js";

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

/** A bad command line: the message says which flag and why. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

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
  let values: ReturnType<typeof parse>["values"];
  try {
    ({ values } = parse(args));
  } catch (error) {
    throw new UsageError(describeParseError(error as Error));
  }
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

function parse(args: readonly string[]) {
  return parseArgs({ args: [...args], options: FLAGS, strict: true, allowPositionals: false });
}

/** node:util's messages, reworded to name the flag the way a user typed it. */
function describeParseError(error: Error): string {
  const code = (error as { code?: string }).code;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(error.message)?.[1] ?? "";
    return `unknown flag ${flag} (see --help)`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    const word = /'([^']+)'/.exec(error.message)?.[1] ?? "";
    return `unexpected argument '${word}': every setting is a flag, e.g. --agents 4 (see --help)`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /--[\w-]+/.exec(error.message)?.[0] ?? "a flag";
    if (error.message.includes("does not take an argument")) {
      return `${flag} takes no value (see --help)`;
    }
    // "argument missing", or "ambiguous": the next word starts with "-" (another flag, or a
    // negative number, which no setting accepts).
    return `${flag} needs a value, which cannot start with '-' (see --help)`;
  }
  return `${error.message} (see --help)`;
}

function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  range: [number, number],
): number {
  return optionalInteger(flag, text, range) ?? fallback;
}

function optionalInteger(
  flag: string,
  text: string | undefined,
  [min, max]: readonly [number, number],
): number | null {
  if (text === undefined) return null;
  const value = /^\s*-?\d+\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(`--${flag} expects a whole number, got '${text}'`);
  }
  checkRange(flag, value, min, max);
  return value;
}

function optionalNumber(
  flag: string,
  text: string | undefined,
  [min, max]: readonly [number, number],
): number | null {
  if (text === undefined) return null;
  const value = /^\s*\d+(\.\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value)) {
    throw new UsageError(`--${flag} expects a number of seconds, e.g. 2.5, got '${text}'`);
  }
  checkRange(flag, value, min, max);
  return value;
}

function checkRange(flag: string, value: number, min: number, max: number): void {
  if (value < min || value > max) {
    throw new UsageError(`--${flag} must be between ${min} and ${max}, got ${value}`);
  }
}
