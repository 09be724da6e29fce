/**
 * Question: what does it cost to take a changeset of 10k changed keys in a 1M-entry store and
 * apply it, next to the diff alone? The changeset follows the diff (the shards walk the same
 * journals), so `changes` + `apply` should stay within a small factor of it (#11: at most 3x).
 *
 * One store: a base snapshot, 10k entries rewritten, a target snapshot. Each timed round takes
 * the changeset one way and applies it to the same store, flipping its 10k entries between
 * the two versions, so every apply really changes them (an apply that rewrites identical bytes
 * changes nothing and would cost less).
 */
import type { Snapshot, Store } from "../../dist/index.js";
import { filledStore, sampleOf, write } from "../harness/data.js";
import { type Figure, figure, formatCount, kb, ms, ratio } from "../harness/figures.js";
import { settle, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table } from "../harness/table.js";

const NAME = "changesets";
const SHARDS = [2, 0] as const;
const CHANGES = 10_000;
const TARGET = { op: "<=", value: 3, source: "#11" } as const;
const COLUMNS = ["diff()", "changes()", "apply()", "changes() + apply()", "changeset size"];

/** Flips between the two snapshots' contents: returns the changeset for the next apply. */
function flipper(base: Snapshot, target: Snapshot) {
  let towardsBase = true; // the store holds target's contents after the writes
  return () => {
    const changes = towardsBase ? base.changes(target) : target.changes(base);
    towardsBase = !towardsBase;
    return changes;
  };
}

async function measure(shards: number, entries: number, budget: number) {
  const store: Store = await filledStore(shards, entries);
  const base = await store.snapshot();
  await write(store, sampleOf(entries, CHANGES), 1);
  const target = await store.snapshot();
  const diff = await target.diff(base);
  if (diff.changed.length !== CHANGES) throw new Error(`diff found ${diff.changed.length} changes`);
  const size = (await target.changes(base)).byteLength;
  const options = { iterations: 10, time: budget, warmup: 2 };

  const diffTime = await time("diff", () => target.diff(base), options);
  await settle();
  const changesTime = await time("changes", () => target.changes(base), options);
  await settle();
  const next = flipper(base, target);
  const both = await time("changes + apply", async () => store.apply(await next()), options);
  await settle();
  // apply alone: the changesets taken beforehand, outside the timed window.
  const prepared = [await next(), await next()];
  let round = 0;
  const applyTime = await time(
    "apply",
    () => store.apply(prepared[round++ % 2] as Uint8Array),
    options,
  );
  await store.close();
  return {
    diff: diffTime.p50,
    changes: changesTime.p50,
    apply: applyTime.p50,
    both: both.p50,
    size,
  };
}

export const changesetsSection: Section = {
  name: NAME,
  question: `changes + apply of ${formatCount(CHANGES)} changes in a 1M-entry store, against the diff alone`,
  async run({ cap, budget, progress }) {
    const entries = cap(1_000_000);
    const costs = table(
      NAME,
      "changesets",
      `median times for ${formatCount(CHANGES)} changed keys in a ${formatCount(entries)}-entry store`,
      "shards",
      { swarmstate: COLUMNS },
    );
    const figures: Figure[] = [];
    for (const shards of SHARDS) {
      progress(`${formatCount(entries)} entries, shards ${shards}`);
      const found = await measure(shards, entries, budget);
      await settle();
      addReportedRow(
        costs,
        shards,
        `shards ${shards}`,
        {
          "diff()": ms(found.diff),
          "changes()": ms(found.changes),
          "apply()": ms(found.apply),
          "changes() + apply()": ms(found.both),
          "changeset size": kb(found.size),
        },
        progress,
      );
      figures.push(
        figure(
          NAME,
          `changes + apply / diff (${formatCount(CHANGES)} changed in ${formatCount(entries)}), shards ${shards}`,
          ratio(found.both / found.diff),
          shards === 2 ? TARGET : null,
          {
            diff: ms(found.diff),
            changes: ms(found.changes),
            apply: ms(found.apply),
            size: kb(found.size),
          },
        ),
      );
    }
    return { figures, tables: [costs] };
  },
};
