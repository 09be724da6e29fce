/**
 * Question: what does it cost to take a changeset of 10k changed keys in a 1M-entry store and
 * apply it, next to the diff alone? The changeset follows the diff (the shards walk the same
 * journals), so `changes` + `apply` should stay within a small factor of it (#11: at most 3x).
 *
 * One store: a base snapshot, 10k entries rewritten, a target snapshot. Each round times a
 * diff, then takes the changeset one way and applies it to the same store, flipping its 10k
 * entries between the two versions, so every apply really changes them (an apply that
 * rewrites identical bytes changes nothing and would cost less). The three are interleaved
 * round by round, so that a busy moment on a shared machine weighs on both sides of the ratio.
 */
import { filledStore, sampleOf, write } from "../harness/data.js";
import { type Figure, figure, formatCount, kb, ms, ratio } from "../harness/figures.js";
import { median, settle } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table } from "../harness/table.js";

const NAME = "changesets";
const SHARDS = [2, 0] as const;
const CHANGES = 10_000;
const TARGET = { op: "<=", value: 3, source: "#11" } as const;
const COLUMNS = ["diff()", "changes()", "apply()", "changes() + apply()", "changeset size"];

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function measure(shards: number, entries: number, rounds: number) {
  const store = await filledStore(shards, entries);
  const base = await store.snapshot();
  await write(store, sampleOf(entries, CHANGES), 1);
  const target = await store.snapshot();
  const diff = await target.diff(base);
  if (diff.changed.length !== CHANGES) throw new Error(`diff found ${diff.changed.length} changes`);
  const size = (await target.changes(base)).byteLength;
  const times = { diff: [] as number[], changes: [] as number[], apply: [] as number[] };
  const both: number[] = [];
  // The store holds target's contents: the first changeset leads back to base's.
  for (let round = -2; round < rounds; round++) {
    const [from, to] = round % 2 === 0 ? [target, base] : [base, target];
    const diffTime = await timed(() => target.diff(base));
    let changeset: Uint8Array = new Uint8Array();
    const changesTime = await timed(async () => {
      changeset = await to.changes(from);
    });
    const applyTime = await timed(() => store.apply(changeset));
    if (round < 0) continue; // warm-up
    times.diff.push(diffTime);
    times.changes.push(changesTime);
    times.apply.push(applyTime);
    both.push(changesTime + applyTime);
  }
  await store.close();
  return {
    diff: median(times.diff),
    changes: median(times.changes),
    apply: median(times.apply),
    both: median(both),
    size,
  };
}

export const changesetsSection: Section = {
  name: NAME,
  question: `changes + apply of ${formatCount(CHANGES)} changes in a 1M-entry store, against the diff alone`,
  async run({ cap, rounds, progress }) {
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
      const found = await measure(shards, entries, Math.max(4, Math.round(rounds / 3)));
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
