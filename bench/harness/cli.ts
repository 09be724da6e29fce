/**
 * Command-line flags of `npm run bench -- [flags]`.
 *
 * @example npm run bench -- --quick --only snapshot,diff --json
 */
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Small sizes, under a minute: checks that every case runs, not how fast. */
  quick: boolean;
  /** Print the results as JSON on stdout (progress and table go to stderr). */
  json: boolean;
  /** Sections to run, by name; `null` runs them all. */
  only: string[] | null;
}

export function readOptions(argv: string[], known: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      only: { type: "string" },
    },
  });
  const only = values.only === undefined ? null : values.only.split(",").filter(Boolean);
  for (const name of only ?? []) {
    if (!known.includes(name)) {
      throw new Error(`--only: unknown section "${name}" (known: ${known.join(", ")})`);
    }
  }
  return { quick: values.quick ?? false, json: values.json ?? false, only };
}
