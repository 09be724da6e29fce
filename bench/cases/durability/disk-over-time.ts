/**
 * Question: does disk use stay bounded under a steady load with `maxHistory: 10`? Sampled every
 * second (bounded: the second half never grows past 1.5x the first half's peak).
 */
import { Store } from "../../../dist/index.js";
import { itemFor } from "../../harness/data.js";
import { directorySize, scratchDirectory } from "../../harness/disk.js";
import { figure, format, mb, ratio } from "../../harness/figures.js";
import type { Context, Outcome } from "../../harness/section.js";
import { table } from "../../harness/table.js";
import { NAME, SHARDS } from "./shared.js";

export async function measureDiskOverTime({ quick, progress }: Context): Promise<Outcome> {
  progress("disk use under a steady load, maxHistory 10");
  const sizes = await diskOverTime(quick ? 4 : 30, progress);
  const disk = table(
    NAME,
    "durability-disk",
    "disk use under a steady load, maxHistory 10",
    "seconds",
    { swarmstate: ["on disk"] },
  );
  for (const [second, size] of sizes) {
    disk.rows.push({ key: second, cells: { "on disk": mb(size) } });
  }
  const half = Math.floor(sizes.length / 2);
  const firstPeak = Math.max(...sizes.slice(0, half).map(([, size]) => size));
  const secondPeak = Math.max(...sizes.slice(half).map(([, size]) => size));
  const bounded = figure(
    NAME,
    "disk use, second half's peak / first half's peak",
    ratio(secondPeak / firstPeak),
    { op: "<=", value: 1.5, source: "#11" },
    { "first half": mb(firstPeak), "second half": mb(secondPeak) },
  );
  return { figures: [bounded], tables: [disk] };
}

/**
 * Runs a steady load for `seconds`: rewrites, new keys and deletions in every batch, a snapshot
 * every 50 ms, `maxHistory: 10`; samples the directory's size every second.
 */
async function diskOverTime(
  seconds: number,
  progress: (message: string) => void,
): Promise<[number, number][]> {
  const scratch = scratchDirectory();
  const store = new Store({
    shards: SHARDS,
    path: scratch.path,
    maxHistory: 10,
    durability: "async",
  });
  const sizes: [number, number][] = [];
  try {
    const started = performance.now();
    let next = 1;
    let round = 0;
    while (performance.now() - started < seconds * 1000) {
      const items = Array.from({ length: 500 }, (_, k) =>
        itemFor((round * 500 + k) % 50_000, round),
      );
      await store.setMany(items);
      for (let k = 0; k < 50; k++)
        await store.delete(items[k]?.[0] as string, items[k]?.[1] as string);
      if (round % 5 === 0) await store.snapshot();
      round++;
      const elapsed = (performance.now() - started) / 1000;
      if (elapsed >= next) {
        const size = directorySize(scratch.path);
        sizes.push([next, size]);
        if (next % 5 === 0) progress(`  ${next} s: ${format(mb(size))} on disk`);
        next++;
      }
    }
    return sizes;
  } finally {
    await store.close();
    scratch.remove();
  }
}
