/**
 * Question: how fast is `setMany` (chunks of 1,000) on 2 shards with `"async"` and `"sync"`
 * durability, against memory only? Alternating rounds (targets: async >= 0.5x, sync >= 0.25x
 * of memory).
 */
import { Store } from "../../../dist/index.js";
import { chunksOf, range } from "../../harness/data.js";
import { scratchDirectory } from "../../harness/disk.js";
import { figure, opsPerSecond, ratio } from "../../harness/figures.js";
import { median } from "../../harness/measure.js";
import type { Context, Outcome } from "../../harness/section.js";
import { addReportedRow, table } from "../../harness/table.js";
import { NAME, SHARDS } from "./shared.js";

const MODES = {
  memory: {},
  async: { durability: "async" },
  sync: { durability: "sync" },
} as const;
type Mode = keyof typeof MODES;

export async function measureThroughput({ quick, progress }: Context): Promise<Outcome> {
  progress("setMany throughput: memory, async, sync (alternating rounds)");
  const chunks = quick ? 10 : 100;
  const rates: Record<Mode, number[]> = { memory: [], async: [], sync: [] };
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    for (const mode of Object.keys(MODES) as Mode[]) {
      rates[mode].push(await setManyRate(MODES[mode], chunks));
    }
  }
  const throughput = table(NAME, "durability-throughput", "setMany, chunks of 1,000", "mode", {
    swarmstate: ["items/s", "vs memory"],
  });
  const memory = median(rates.memory);
  for (const mode of Object.keys(MODES) as Mode[]) {
    const rate = median(rates[mode]);
    addReportedRow(
      throughput,
      mode,
      mode,
      { "items/s": opsPerSecond(rate), "vs memory": ratio(rate / memory) },
      progress,
    );
  }
  const figures = (
    [
      ["async", 0.5],
      ["sync", 0.25],
    ] as const
  ).map(([mode, target]) => {
    const rate = median(rates[mode]);
    return figure(
      NAME,
      `setMany "${mode}" / memory-only items/s`,
      ratio(rate / memory),
      { op: ">=", value: target, source: "#11" },
      { [mode]: opsPerSecond(rate), memory: opsPerSecond(memory) },
    );
  });
  return { figures, tables: [throughput] };
}

/** Items per second of `setMany` (chunks of 1,000) on a fresh store. */
async function setManyRate(
  options: { durability?: "sync" | "async" },
  chunks: number,
): Promise<number> {
  const scratch = scratchDirectory();
  const store = new Store({
    shards: SHARDS,
    ...(options.durability ? { path: scratch.path, durability: options.durability } : {}),
  });
  try {
    await store.set("warm", "up", 1);
    const started = performance.now();
    let i = 0;
    for (const chunk of chunksOf(range(chunks * 1000))) {
      await store.setMany(chunk);
      i += chunk.length;
    }
    return (i * 1000) / (performance.now() - started);
  } finally {
    await store.close();
    scratch.remove();
  }
}
