/**
 * Command-line flags of `npm run bench -- [flags]`.
 *
 * @example npm run bench -- --quick --only snapshot,diff --json
 * @example npm run bench -- --only snapshot,diff --sizes 1k,100k --max-entries 200k
 */
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Small sizes, under a minute: checks that every case runs, not how fast. */
  quick: boolean;
  /** Print the results as JSON on stdout (progress and tables go to stderr). */
  json: boolean;
  /** Sections to run, by name; `null` runs them all. */
  only: string[] | null;
  /** Store sizes of the size sweeps (snapshot, diff); `null`: the defaults. */
  sizes: number[] | null;
  /** Cap on every store size and change count; `null`: none (quick runs have one). */
  maxEntries: number | null;
  /** Measure nothing: write the summary and charts again from this results file. */
  from: string | null;
  /** Another build's `dist/`, for the sections that compare builds (cross-shard). */
  baseline: string | null;
  /** Print {@link HELP} and run nothing. */
  help: boolean;
}

export const HELP = `npm run bench -- [flags]
  --quick              every case at small sizes (under a minute): checks that it runs
  --only a,b           run only these sections
  --sizes 100,1k,1M    store sizes of the size sweeps (snapshot, diff)
  --max-entries 200k   cap every store size and change count
  --json               print the results as JSON on stdout (tables go to stderr)
  --from FILE.json     measure nothing: rewrite the summary and charts of that run
  --baseline DIR       another build's dist/ (say the commit before a change): the
                       cross-shard section runs it beside this one, in the same rounds
Only a full run with none of --quick, --only, --sizes, --max-entries replaces
bench/results/latest.* and the charts in docs/.`;

/** `250`, `10k`, `1M` (also `1_000`, `1,000` is not: commas separate sizes). */
export function parseCount(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(text.replaceAll("_", "").trim());
  const n = match
    ? Number(match[1]) * ({ k: 1e3, m: 1e6 }[match[2]?.toLowerCase() ?? ""] ?? 1)
    : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new Error(`${flag}: expected a positive count such as 500, 10k or 1M, got "${text}"`);
  }
  return n;
}

export function readOptions(argv: string[], known: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
      only: { type: "string" },
      sizes: { type: "string" },
      "max-entries": { type: "string" },
      from: { type: "string" },
      baseline: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  const only = values.only === undefined ? null : values.only.split(",").filter(Boolean);
  for (const name of only ?? []) {
    if (!known.includes(name)) {
      throw new Error(`--only: unknown section "${name}" (known: ${known.join(", ")})`);
    }
  }
  const sizes =
    values.sizes === undefined
      ? null
      : values.sizes
          .split(",")
          .filter(Boolean)
          .map((size) => parseCount(size, "--sizes"));
  const maxEntries =
    values["max-entries"] === undefined ? null : parseCount(values["max-entries"], "--max-entries");
  const { quick = false, json = false, help = false } = values;
  return {
    quick,
    json,
    only,
    sizes,
    maxEntries,
    from: values.from ?? null,
    baseline: values.baseline ?? null,
    help,
  };
}
