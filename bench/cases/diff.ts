/**
 * Question: does a diff of 100 changed keys cost the same in a 1k-entry and a 1M-entry store?
 * It should follow what was written since the common snapshot, not the store's size.
 */
import { filledStore, spread, write } from "../harness/data.js";
import { type Figure, figure, format, formatCount, ms, ratio } from "../harness/figures.js";
import { settle, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";

const NAME = "diff";
const SHARDS = [2, 0];
const CHANGES = 100;
const FLAT = { op: "<=", value: 3, source: "#2" } as const;

async function timeDiff(shards: number, entries: number, budget: number): Promise<Timing> {
  const store = await filledStore(shards, entries);
  const base = await store.snapshot();
  await write(store, spread(entries, CHANGES), 1);
  const target = await store.snapshot();
  const found = await target.diff(base);
  if (found.changed.length !== CHANGES || found.added.length + found.removed.length !== 0) {
    throw new Error(`diff found ${found.changed.length} changed keys, expected ${CHANGES}`);
  }
  const timing = await time("diff", () => target.diff(base), { time: budget });
  await store.close();
  return timing;
}

export const diffSection: Section = {
  name: NAME,
  question: `diff of ${CHANGES} changed keys vs store size`,
  async run({ quick, budget, progress }) {
    const small = 1000;
    const large = quick ? 20_000 : 1_000_000;
    const medianAt = async (shards: number, entries: number) => {
      progress(`shards ${shards}, ${formatCount(entries)} entries`);
      const { p50 } = await timeDiff(shards, entries, budget);
      progress(`  median ${format(ms(p50))}`);
      await settle();
      return p50;
    };

    const figures: Figure[] = [];
    const [s, l] = [formatCount(small), formatCount(large)];
    for (const shards of SHARDS) {
      const atSmall = await medianAt(shards, small);
      const atLarge = await medianAt(shards, large);
      figures.push(
        figure(
          NAME,
          `diff(${CHANGES} changed) median ${l} / ${s}, shards ${shards}`,
          ratio(atLarge / atSmall),
          FLAT,
          {
            [s]: ms(atSmall),
            [l]: ms(atLarge),
          },
        ),
      );
    }
    return figures;
  },
};
