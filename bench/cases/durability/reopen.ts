/**
 * Question: how long does a large durable store take to reopen? The first answer after
 * `new Store({ path })` on a store of 1M entries, against lmdb alone reading the same entries
 * (targets: under 3 s, at most 2x lmdb alone).
 */
import { open } from "lmdb";
import { Store } from "../../../dist/index.js";
import { figure, format, ms, ratio } from "../../harness/figures.js";
import { median, settle } from "../../harness/measure.js";
import type { Context, Outcome } from "../../harness/section.js";
import { NAME } from "./shared.js";

/** Reopens the store at `path` (of `entries` entries); lmdb alone reads `copyPath`. */
export async function measureReopen(
  { quick, progress }: Context,
  path: string,
  entries: number,
  copyPath: string,
): Promise<Outcome> {
  progress("reopening the store, and lmdb alone reading the copy");
  const reopen: number[] = [];
  const engine: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    await settle();
    engine.push(await readCopy(copyPath, entries));
    await settle();
    const started = performance.now();
    const reopened = new Store({ path });
    if ((await reopened.size()) !== entries) throw new Error("reopened store lost entries");
    reopen.push(performance.now() - started);
    await reopened.close();
  }
  const [opened, alone] = [median(reopen), median(engine)];
  progress(`  reopen ${format(ms(opened))}, lmdb alone ${format(ms(alone))}`);
  const figures = [
    figure(
      NAME,
      `reopen a store of ${entries.toLocaleString("en-US")} entries`,
      ms(opened),
      entries >= 1_000_000 ? { op: "<=", value: 3000, source: "#11" } : null,
    ),
    figure(
      NAME,
      "reopen / lmdb alone reading the same entries",
      ratio(opened / alone),
      { op: "<=", value: 2, source: "#11" },
      { reopen: ms(opened), "lmdb alone": ms(alone) },
    ),
  ];
  return { figures, tables: [] };
}

/** Milliseconds lmdb alone takes to read every entry of the copy. */
async function readCopy(path: string, entries: number): Promise<number> {
  const started = performance.now();
  const env = open({ path, encoding: "binary" });
  let count = 0;
  for (const _ of env.getRange({})) count++;
  const elapsed = performance.now() - started;
  await env.close();
  if (count !== entries) throw new Error(`the copy holds ${count} entries, not ${entries}`);
  return elapsed;
}
