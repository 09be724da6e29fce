/**
 * Question: what does a diff of 100 changed keys cost as the store grows from 1k to 1M entries,
 * next to a full-scan diff of two copies of the same data (compare every key)? swarmstate's
 * should follow what was written since the common snapshot, not the store's size.
 *
 * The #2 target compares 1k and 1M entries, which are always measured; the sweep adds the sizes
 * of `--sizes` from 1k up.
 */
import { copyState, encodedState, fullScanDiff, writeEncoded } from "../harness/baselines.js";
import { filledStore, spread, write } from "../harness/data.js";
import { type Figure, figure, formatCount, ms, type Quantity, ratio } from "../harness/figures.js";
import { settle, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table, valueAt } from "../harness/table.js";

const NAME = "diff";
const SHARDS = [2, 0] as const;
const CHANGES = 100;
const FLAT = { op: "<=", value: 3, source: "#2" } as const;
const SCAN = "full scan";
const column = (shards: number) => `diff() shards ${shards}`;

function checkFound(changed: number, others: number, expected: number): void {
  if (changed !== expected || others !== 0) {
    throw new Error(
      `diff found ${changed} changed keys and ${others} others, expected ${expected}`,
    );
  }
}

async function timeDiff(shards: number, entries: number, budget: number): Promise<Timing> {
  const store = await filledStore(shards, entries);
  const base = await store.snapshot();
  await write(store, spread(entries, CHANGES), 1);
  const target = await store.snapshot();
  const found = await target.diff(base);
  checkFound(found.changed.length, found.added.length + found.removed.length, CHANGES);
  const timing = await time("diff", () => target.diff(base), { time: budget });
  await store.close();
  return timing;
}

async function timeFullScan(entries: number, budget: number): Promise<Timing> {
  const base = encodedState(entries);
  const target = copyState(base);
  writeEncoded(target, spread(entries, CHANGES), 1);
  const found = fullScanDiff(base, target);
  checkFound(found.changed.length, found.added.length + found.removed.length, CHANGES);
  return time(SCAN, () => fullScanDiff(base, target), { iterations: 3, time: budget, warmup: 1 });
}

export const diffSection: Section = {
  name: NAME,
  question: `diff of ${CHANGES} changed keys vs store size, against a full-scan diff`,
  async run({ sizes, cap, budget, progress }) {
    const [small, large] = [cap(1000), cap(1_000_000)];
    const all = [...new Set([...sizes.filter((n) => n >= small), small, large])].sort(
      (a, b) => a - b,
    );
    const costs = table(
      NAME,
      "diff-vs-size",
      `median time of a diff of ${CHANGES} changed keys`,
      "entries",
      {
        swarmstate: SHARDS.map(column),
        baselines: [SCAN],
        ratios: [`${SCAN} / diff() shards 2`],
      },
    );
    for (const entries of all) {
      progress(`${formatCount(entries)} entries: full scan (baseline)`);
      const scan = (await timeFullScan(entries, budget)).p50;
      await settle();
      const cells: Record<string, Quantity> = { [SCAN]: ms(scan) };
      for (const shards of SHARDS) {
        progress(`${formatCount(entries)} entries, shards ${shards}`);
        cells[column(shards)] = ms((await timeDiff(shards, entries, budget)).p50);
        await settle();
      }
      cells[`${SCAN} / diff() shards 2`] = ratio(scan / (cells[column(2)]?.value ?? Number.NaN));
      addReportedRow(costs, entries, `${formatCount(entries)} entries`, cells, progress);
    }

    const at = (entries: number, name: string) => valueAt(costs, entries, name);
    const [s, l] = [formatCount(small), formatCount(large)];
    const figures: Figure[] = SHARDS.map((shards) =>
      figure(
        NAME,
        `diff(${CHANGES} changed) median ${l} / ${s}, shards ${shards}`,
        ratio(at(large, column(shards)) / at(small, column(shards))),
        FLAT,
        { [s]: ms(at(small, column(shards))), [l]: ms(at(large, column(shards))) },
      ),
    );
    const [first, last] = [all[0] as number, all.at(-1) as number];
    for (const name of [SCAN, ...SHARDS.map(column)]) {
      figures.push(
        figure(
          NAME,
          `${name} cost ${formatCount(last)} / ${formatCount(first)} entries`,
          ratio(at(last, name) / at(first, name)),
          null,
          { [formatCount(first)]: ms(at(first, name)), [formatCount(last)]: ms(at(last, name)) },
        ),
      );
    }
    figures.push(
      figure(
        NAME,
        `${SCAN} / diff(${CHANGES} changed) at ${formatCount(last)}, shards 2`,
        ratio(at(last, SCAN) / at(last, column(2))),
        null,
        { [SCAN]: ms(at(last, SCAN)), diff: ms(at(last, column(2))) },
      ),
    );
    return { figures, tables: [costs] };
  },
};
