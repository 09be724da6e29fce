/**
 * Question: does `snapshot()` / `restore()` cost the same at 1k and 200k entries, and how much
 * cheaper is it than the copy a copy-on-snapshot store makes (`structuredClone` of the state)?
 *
 * Before each timed call every namespace gets one write, so every shard really takes (or
 * restores) a snapshot: a shard untouched since its last snapshot is skipped, and timing that
 * would flatter the store.
 */
import type { Snapshot } from "../../dist/index.js";
import { filledStore, plainState, touchEveryNamespace } from "../harness/data.js";
import { type Figure, figure, format, formatCount, ms, ratio } from "../harness/figures.js";
import { settle, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";

const NAME = "snapshot";
const SHARDS = [2, 0];
const FLAT = { op: "<=", value: 3, source: "#2" } as const;
const CHEAPER = { op: ">=", value: 1000, source: "#2" } as const;

type Op = "snapshot" | "restore";

async function timeStore(
  shards: number,
  entries: number,
  rounds: number,
): Promise<Record<Op, Timing>> {
  const store = await filledStore(shards, entries);
  let round = 0;
  let taken: Snapshot | undefined;
  const touch = () => touchEveryNamespace(store, round++);
  const snapshot = await time(
    "snapshot",
    async () => {
      taken = await store.snapshot();
    },
    { beforeEach: touch, afterEach: () => taken?.release(), iterations: rounds, time: 0 },
  );
  const saved = await store.snapshot();
  const restore = await time("restore", () => store.restore(saved), {
    beforeEach: touch,
    iterations: rounds,
    time: 0,
  });
  await store.close();
  return { snapshot, restore };
}

export const snapshotSection: Section = {
  name: NAME,
  question: "snapshot() and restore() cost vs store size, against structuredClone of the state",
  async run({ quick, rounds, progress }) {
    const small = 1000;
    const large = quick ? 20_000 : 200_000;
    progress(`structuredClone of ${formatCount(large)} entries (baseline)`);
    const state = plainState(large);
    const clone = await time("structuredClone", () => structuredClone(state), {
      iterations: quick ? 2 : 7,
      time: 0,
      warmup: 1,
    });
    progress(`  median ${format(ms(clone.p50))}`);
    await settle();

    const measureAt = async (shards: number, entries: number) => {
      progress(`shards ${shards}, ${formatCount(entries)} entries`);
      const timing = await timeStore(shards, entries, rounds);
      const { snapshot, restore } = timing;
      progress(`  snapshot ${format(ms(snapshot.p50))}, restore ${format(ms(restore.p50))}`);
      await settle();
      return timing;
    };

    const figures: Figure[] = [];
    const [s, l] = [formatCount(small), formatCount(large)];
    for (const shards of SHARDS) {
      const atSmall = await measureAt(shards, small);
      const atLarge = await measureAt(shards, large);
      for (const op of ["snapshot", "restore"] as const) {
        const [smallP50, largeP50] = [atSmall[op].p50, atLarge[op].p50];
        figures.push(
          figure(
            NAME,
            `${op}() median ${l} / ${s}, shards ${shards}`,
            ratio(largeP50 / smallP50),
            FLAT,
            {
              [s]: ms(smallP50),
              [l]: ms(largeP50),
            },
          ),
          figure(
            NAME,
            `structuredClone / ${op}() at ${l}, shards ${shards}`,
            ratio(clone.p50 / largeP50),
            CHEAPER,
            { clone: ms(clone.p50), [op]: ms(largeP50) },
          ),
        );
      }
    }
    return figures;
  },
};
