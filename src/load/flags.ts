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
 *
 * node:util's own strict errors name the flag only inside their message text, which is not
 * stable across Node versions (only their codes are), so the command line is first read
 * leniently, as tokens, and each token checked here, naming the flag as the user typed it.
 * What passes is then parsed strictly, which cannot fail for it.
 * @throws UsageError naming the flag for anything unknown, malformed or missing its value.
 */
export function parseFlags<T extends Options>(args: readonly string[], options: T): Values<T> {
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind === "positional") {
      throw new UsageError(
        `unexpected argument '${token.value}': every setting is a flag, e.g. --seed 4 (see --help)`,
      );
    }
    if (token.kind !== "option") continue; // "--", followed only by positionals
    const type = options[token.name]?.type;
    if (type === undefined) throw new UsageError(`unknown flag ${token.rawName} (see --help)`);
    if (type === "boolean" && token.value !== undefined) {
      throw new UsageError(`${token.rawName} takes no value (see --help)`);
    }
    if (type === "string" && (token.value === undefined || isFlagLike(token))) {
      // Missing, or the next word starts with "-" (another flag, or a negative number, which
      // no setting accepts; strict parsing refuses it as ambiguous).
      throw new UsageError(
        `${token.rawName} needs a value, which cannot start with '-' (see --help)`,
      );
    }
  }
  return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
}

/** Whether an option's value is the next word and starts with "-", which looks like a flag. */
function isFlagLike(token: { value?: string | undefined; inlineValue?: boolean | undefined }) {
  return token.inlineValue === false && token.value?.startsWith("-") === true;
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
