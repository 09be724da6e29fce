/**
 * Question: in a store of fixed size (1M entries), how does a diff's cost grow with the number
 * of changed keys (10 to 500k), next to a full-scan diff of two copies of the same data?
 *
 * One base snapshot; the changed keys are written in growing prefixes of one spread-out list of
 * entries, with a snapshot after each, so the diff of snapshot k against the base reports exactly
 * the first `counts[k]` entries as changed (and crosses every journal written since the base).
 */
import type { Snapshot } from "../../dist/index.js";
import { copyState, encodedState, fullScanDiff, writeEncoded } from "../harness/baselines.js";
import { filledStore, sampleOf, write } from "../harness/data.js";
import { type Figure, figure, formatCount, ms, ratio } from "../harness/figures.js";
import { settle, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table, valueAt } from "../harness/table.js";

const NAME = "diff-changes";
const SHARDS = [2, 0] as const;
const COUNTS = [10, 100, 1000, 10_000, 100_000, 500_000];
const SCAN = "full scan";
const column = (shards: number) => `diff() shards ${shards}`;

function check(changed: number, expected: number): void {
  if (changed !== expected) throw new Error(`diff found ${changed} changes, expected ${expected}`);
}

/** The change counts, and the entries changed: the first `count` of them for each count. */
interface Plan {
  counts: number[];
  changed: number[];
}

/** Each count's p50 for `measure(count)`, after `advance(from, to)` wrote the changes. */
async function sweep(
  { counts }: Plan,
  advance: (from: number, to: number) => Promise<void>,
  measure: (count: number) => Promise<Timing>,
): Promise<number[]> {
  const medians: number[] = [];
  let written = 0;
  for (const count of counts) {
    await advance(written, count);
    written = count;
    medians.push((await measure(count)).p50);
  }
  return medians;
}

async function timeStore(shards: number, entries: number, plan: Plan, budget: number) {
  const store = await filledStore(shards, entries);
  const base = await store.snapshot();
  let target: Snapshot = base;
  const medians = await sweep(
    plan,
    async (from, to) => {
      await write(store, plan.changed.slice(from, to), 1);
      target = await store.snapshot();
    },
    async (count) => {
      check((await target.diff(base)).changed.length, count);
      return time("diff", () => target.diff(base), { iterations: 3, time: budget, warmup: 1 });
    },
  );
  await store.close();
  return medians;
}

async function timeFullScan(entries: number, plan: Plan, budget: number) {
  const base = encodedState(entries);
  const target = copyState(base);
  return sweep(
    plan,
    async (from, to) => writeEncoded(target, plan.changed.slice(from, to), 1),
    async (count) => {
      check(fullScanDiff(base, target).changed.length, count);
      return time(SCAN, () => fullScanDiff(base, target), {
        iterations: 3,
        time: budget,
        warmup: 1,
      });
    },
  );
}

export const diffChangesSection: Section = {
  name: NAME,
  question: "diff cost in a 1M-entry store vs number of changed keys, against a full-scan diff",
  async run({ cap, budget, progress }) {
    const entries = cap(1_000_000);
    const counts = COUNTS.filter((count) => count <= entries / 2);
    const plan = { counts, changed: sampleOf(entries, counts.at(-1) ?? 0) };
    const costs = table(
      NAME,
      "diff-vs-changes",
      `median time of a diff in a ${formatCount(entries)}-entry store vs changed keys`,
      "changed",
      { swarmstate: SHARDS.map(column), baselines: [SCAN], ratios: [`${SCAN} / diff() shards 2`] },
    );
    const columns = new Map<string, number[]>();
    progress(
      `${formatCount(entries)} entries: full scan (baseline), ${counts.length} change counts`,
    );
    columns.set(SCAN, await timeFullScan(entries, plan, budget));
    await settle();
    for (const shards of SHARDS) {
      progress(`${formatCount(entries)} entries, shards ${shards}`);
      columns.set(column(shards), await timeStore(shards, entries, plan, budget));
      await settle();
    }
    counts.forEach((count, k) => {
      const cell = (name: string) => columns.get(name)?.[k] ?? Number.NaN;
      const cells = Object.fromEntries([...columns.keys()].map((name) => [name, ms(cell(name))]));
      cells[`${SCAN} / diff() shards 2`] = ratio(cell(SCAN) / cell(column(2)));
      addReportedRow(costs, count, `${formatCount(count)} changed`, cells, progress);
    });

    const at = (count: number, name: string) => valueAt(costs, count, name);
    const figures: Figure[] = [];
    for (const count of [counts[0], counts.at(-1)] as number[]) {
      figures.push(
        figure(
          NAME,
          `${SCAN} / diff(${formatCount(count)} changed) in ${formatCount(entries)}, shards 2`,
          ratio(at(count, SCAN) / at(count, column(2))),
          null,
          { [SCAN]: ms(at(count, SCAN)), diff: ms(at(count, column(2))) },
        ),
      );
    }
    return { figures, tables: [costs] };
  },
};
