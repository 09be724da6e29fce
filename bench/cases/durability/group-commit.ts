/**
 * Question: do concurrent `"sync"` writers share a flush? 8 writers each awaiting one `set` at
 * a time against 1 writer (target >= 4x).
 */
import { Store } from "../../../dist/index.js";
import { valueFor } from "../../harness/data.js";
import { scratchDirectory } from "../../harness/disk.js";
import { figure, format, opsPerSecond, ratio } from "../../harness/figures.js";
import { median } from "../../harness/measure.js";
import type { Context, Outcome } from "../../harness/section.js";
import { NAME, SHARDS } from "./shared.js";

export async function measureGroupCommit({ quick, progress }: Context): Promise<Outcome> {
  progress('group commit: 1 and 8 writers awaiting each "sync" set');
  const seconds = quick ? 1 : 4;
  const single: number[] = [];
  const eight: number[] = [];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    single.push(await awaitedWriters(1, seconds));
    eight.push(await awaitedWriters(8, seconds));
  }
  const [one, many] = [median(single), median(eight)];
  progress(`  1 writer ${format(opsPerSecond(one))}, 8 writers ${format(opsPerSecond(many))}`);
  const ratioFigure = figure(
    NAME,
    'awaited "sync" sets: 8 writers / 1 writer',
    ratio(many / one),
    { op: ">=", value: 4, source: "#11" },
    { "8 writers": opsPerSecond(many), "1 writer": opsPerSecond(one) },
  );
  return { figures: [ratioFigure], tables: [] };
}

/** Sets per second of `writers` loops each awaiting one "sync" set at a time. */
async function awaitedWriters(writers: number, seconds: number): Promise<number> {
  const scratch = scratchDirectory();
  const store = new Store({ shards: SHARDS, path: scratch.path });
  try {
    await store.set("warm", "up", 1);
    let done = 0;
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; performance.now() < end; i++) {
          await store.set(`writer-${w}`, `key-${i}`, valueFor(i));
          done++;
        }
      }),
    );
    return done / seconds;
  } finally {
    await store.close();
    scratch.remove();
  }
}
