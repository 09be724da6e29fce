/**
 * Question: how does the cost of `snapshot()` and `restore()` grow with the store's size, next
 * to the copy a copy-on-snapshot store makes on each of them: `structuredClone` of the state as
 * plain objects, and a copy of a `Map` of encoded values (the cheapest such copy: the bytes are
 * shared, only the maps are copied)? Flat against linear.
 *
 * The #2 targets are checked at 1k and 200k entries, which are always measured; the sweep adds
 * the sizes of `--sizes`.
 *
 * Before each timed call every namespace gets one write, so every shard really takes (or
 * restores) a snapshot: a shard untouched since its last snapshot is skipped, and timing that
 * would flatter the store.
 */
import type { Snapshot } from "../../dist/index.js";
import { copyState, encodedState } from "../harness/baselines.js";
import { filledStore, plainState, touchEveryNamespace } from "../harness/data.js";
import { type Figure, figure, formatCount, ms, ratio } from "../harness/figures.js";
import { settle, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table, valueAt } from "../harness/table.js";

const NAME = "snapshot";
const SHARDS = [2, 0] as const;
const OPS = ["snapshot", "restore"] as const;
const FLAT = { op: "<=", value: 3, source: "#2" } as const;
const CHEAPER = { op: ">=", value: 1000, source: "#2" } as const;
const CLONE = "structuredClone";
const COPY = "Map copy";

type Op = (typeof OPS)[number];
const column = (op: Op, shards: number) => `${op}() shards ${shards}`;

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

/** What one snapshot (or restore) costs a copy-on-snapshot store holding `entries`. */
async function timeCopies(entries: number, budget: number): Promise<Record<string, Timing>> {
  const slow = { iterations: 3, time: budget, warmup: 1 };
  let plain: unknown = plainState(entries);
  const clone = await time(CLONE, () => structuredClone(plain), slow);
  plain = null;
  await settle();
  const encoded = encodedState(entries);
  const copy = await time(COPY, () => copyState(encoded), slow);
  return { [CLONE]: clone, [COPY]: copy };
}

export const snapshotSection: Section = {
  name: NAME,
  question: "snapshot() and restore() cost vs store size, against copying the state",
  async run({ sizes, cap, budget, rounds, progress }) {
    const [small, large] = [cap(1000), cap(200_000)];
    const all = [...new Set([...sizes, small, large])].sort((a, b) => a - b);
    const costs = table(NAME, "snapshot-vs-size", "median time vs store size", "entries", {
      swarmstate: SHARDS.flatMap((shards) => OPS.map((op) => column(op, shards))),
      baselines: [CLONE, COPY],
      ratios: [`${COPY} / snapshot() shards 2`],
    });
    for (const entries of all) {
      progress(`${formatCount(entries)} entries: structuredClone and Map copy (baselines)`);
      const copies = await timeCopies(entries, budget);
      await settle();
      const cells = Object.fromEntries(Object.entries(copies).map(([k, t]) => [k, ms(t.p50)]));
      for (const shards of SHARDS) {
        progress(`${formatCount(entries)} entries, shards ${shards}`);
        const timing = await timeStore(shards, entries, rounds);
        for (const op of OPS) cells[column(op, shards)] = ms(timing[op].p50);
        await settle();
      }
      cells[`${COPY} / snapshot() shards 2`] = ratio(
        (copies[COPY]?.p50 ?? Number.NaN) / (cells[column("snapshot", 2)]?.value ?? Number.NaN),
      );
      addReportedRow(costs, entries, `${formatCount(entries)} entries`, cells, progress);
    }

    const at = (entries: number, name: string) => valueAt(costs, entries, name);
    const [s, l] = [formatCount(small), formatCount(large)];
    const figures: Figure[] = [];
    for (const shards of SHARDS) {
      for (const op of OPS) {
        const [atSmall, atLarge] = [at(small, column(op, shards)), at(large, column(op, shards))];
        figures.push(
          figure(
            NAME,
            `${op}() median ${l} / ${s}, shards ${shards}`,
            ratio(atLarge / atSmall),
            FLAT,
            {
              [s]: ms(atSmall),
              [l]: ms(atLarge),
            },
          ),
          figure(
            NAME,
            `structuredClone / ${op}() at ${l}, shards ${shards}`,
            ratio(at(large, CLONE) / atLarge),
            CHEAPER,
            { clone: ms(at(large, CLONE)), [op]: ms(atLarge) },
          ),
        );
      }
    }
    // The headline: how each cost grows over the sweep (flat: about 1x; linear: the size ratio).
    const [first, last] = [all[0] as number, all.at(-1) as number];
    const growth = `${formatCount(last)} / ${formatCount(first)} entries`;
    for (const name of costs.columns.filter((c) => !c.includes(" / "))) {
      figures.push(
        figure(NAME, `${name} cost ${growth}`, ratio(at(last, name) / at(first, name)), null, {
          [formatCount(first)]: ms(at(first, name)),
          [formatCount(last)]: ms(at(last, name)),
        }),
      );
    }
    for (const op of OPS) {
      const mine = at(last, column(op, 2));
      figures.push(
        figure(
          NAME,
          `${COPY} / ${op}() at ${formatCount(last)}, shards 2`,
          ratio(at(last, COPY) / mine),
          null,
          {
            [COPY]: ms(at(last, COPY)),
            [op]: ms(mine),
          },
        ),
      );
    }
    return { figures, tables: [costs] };
  },
};
