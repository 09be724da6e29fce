/**
 * How long a program takes to end after its last acknowledgement, with and without `close()`
 * (#25): a child process per measurement (ending-child.ts) makes 1,000 sets on a 2-shard store,
 * then ends by `close()`, by having no more work, or by `process.exit()`; the time runs from
 * the last acknowledgement, as the child saw it, to its exit, as this process sees it. A store
 * in memory ending the same way is the baseline: process teardown and its threads' exit. A
 * durable store's exit path flushes what it acknowledged; it must not add more than one flush
 * of that work to the baseline. That flush is what "sync" adds to the sets' acknowledgement:
 * the median time of the 1,000 sets in "sync" children less that in children in memory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runChildTimed } from "../harness/child.js";
import { type Figure, figure, ms, type Quantity, ratio } from "../harness/figures.js";
import { median } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addReportedRow, table } from "../harness/table.js";
import {
  type Acknowledged,
  ENDINGS,
  type Ending,
  SETS,
  SHARDS,
  STORES,
  type StoreKind,
} from "./ending-child.js";

const NAME = "ending";
const CHILD = new URL("ending-child.js", import.meta.url);
const AT_MOST_ONE_FLUSH = { op: "<=", value: 1, source: "#25" } as const;

interface Ended {
  /** From the last acknowledgement to the process's exit, in ms. */
  endMs: number;
  /** How long the sets took to be acknowledged, in ms. */
  batchMs: number;
}

/** Runs one child; resolves to its ending's duration. */
async function endingOf(kind: StoreKind, ending: Ending): Promise<Ended> {
  const dir = mkdtempSync(join(tmpdir(), "swarmstate-bench-ending-"));
  try {
    const args = [`--store=${kind}`, `--ending=${ending}`, `--path=${join(dir, "store")}`];
    const { answer, exitedAt } = await runChildTimed<Acknowledged>(CHILD, args);
    return { endMs: exitedAt - answer.at, batchMs: answer.batchMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const endingSection: Section = {
  name: NAME,
  question: `Time from the last acknowledgement to the process's end, with and without close() (${SETS} sets, ${SHARDS} shards)`,
  async run({ quick, progress }) {
    const repeats = quick ? 2 : 15;
    const times = table(
      NAME,
      "ending-time",
      "From the last acknowledgement to the process's end (median)",
      "store",
      { swarmstate: [...ENDINGS], baselines: ["flush of the sets"] },
    );
    // Every (store, ending) once per round, taking turns, so that a slower stretch of a shared
    // machine falls on all of them alike.
    const runs = new Map<string, Ended[]>();
    for (let round = 0; round < repeats; round++) {
      for (const kind of STORES) {
        for (const ending of ENDINGS) {
          const key = `${kind} ${ending}`;
          const ended = await endingOf(kind, ending);
          runs.set(key, [...(runs.get(key) ?? []), ended]);
        }
      }
    }
    const medians = new Map<string, number>();
    for (const [key, ended] of runs) medians.set(key, median(ended.map((run) => run.endMs)));
    const batchOf = (kind: StoreKind) =>
      median(
        ENDINGS.flatMap((ending) => runs.get(`${kind} ${ending}`) ?? []).map((r) => r.batchMs),
      );
    const flushMs = batchOf("sync") - batchOf("memory");
    for (const kind of STORES) {
      const cells: Record<string, Quantity> = {};
      for (const ending of ENDINGS) cells[ending] = ms(medians.get(`${kind} ${ending}`) as number);
      if (kind === "sync") cells["flush of the sets"] = ms(flushMs);
      addReportedRow(times, kind, kind, cells, progress);
    }
    const baseline = medians.get("memory its work done") as number;
    const figures: Figure[] = [];
    for (const kind of ["sync", "async"] as const) {
      for (const ending of ["its work done", "process.exit()"] as const) {
        const end = medians.get(`${kind} ${ending}`) as number;
        const memory = medians.get(`memory ${ending}`) as number;
        figures.push(
          figure(
            NAME,
            `"${kind}", no close(), ending by ${ending}: time added to a memory store's, in flushes of the sets`,
            ratio((end - memory) / flushMs),
            AT_MOST_ONE_FLUSH,
            { ended: ms(end), memory: ms(memory), flush: ms(flushMs) },
          ),
        );
      }
      const closed = medians.get(`${kind} close()`) as number;
      figures.push(
        figure(
          NAME,
          `"${kind}", close() then end, against a memory store's natural end`,
          ratio(closed / baseline),
          null,
          {
            ended: ms(closed),
            memory: ms(baseline),
          },
        ),
      );
    }
    return { figures, tables: [times] };
  },
};
