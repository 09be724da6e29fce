/**
 * What every `swarmstate` subcommand's flags share: node:util's parser with its errors reworded
 * to name the flag as the user typed it, and checked numbers. A bad command line is a
 * `UsageError`; the CLI prints its message and exits with code 2.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

/** A bad command line: the message says which flag and why. Exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

type Options = NonNullable<ParseArgsConfig["options"]>;
type Values<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>["values"];

/**
 * Parses `args` against `options`, strictly: no positionals, no unknown flags.
 * @throws UsageError naming the flag for anything unknown, malformed or missing its value.
 */
export function parseFlags<T extends Options>(args: readonly string[], options: T): Values<T> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(describeParseError(error as Error));
  }
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
    return `unexpected argument '${word}': every setting is a flag, e.g. --seed 4 (see --help)`;
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

/** The whole number `text` given for `--flag`, or `fallback` when the flag is absent. */
export function integer(
  flag: string,
  text: string | undefined,
  fallback: number,
  range: readonly [number, number],
): number {
  return optionalInteger(flag, text, range) ?? fallback;
}

/**
 * The whole number `text` given for `--flag`, or `null` when the flag is absent.
 * @throws UsageError when it is not a whole number in `[min, max]`.
 */
export function optionalInteger(
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

/** The number of seconds `text` given for `--flag`, or `null` when the flag is absent. */
export function optionalNumber(
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

/** The directory `text` given for `--flag`, or `null` when the flag is absent. */
export function optionalPath(flag: string, text: string | undefined): string | null {
  if (text === undefined) return null;
  if (text.trim() === "") throw new UsageError(`--${flag} expects a directory, got '${text}'`);
  return text;
}

function checkRange(flag: string, value: number, min: number, max: number): void {
  if (value < min || value > max) {
    throw new UsageError(`--${flag} must be between ${min} and ${max}, got ${value}`);
  }
}
