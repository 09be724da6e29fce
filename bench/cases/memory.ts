/**
 * Question: how much memory does the whole process take holding 1M entries of about 100 encoded
 * bytes with 2 shards? RSS counts the worker threads too: they live in the same process.
 *
 * Measured in a child process of its own (this file, run as a script), so nothing else the bench
 * allocated is counted. The child fills the store with `setMany` in chunks of 1,000,
 * collects the main thread's garbage (worker heaps collect on their own schedule) and then
 * samples RSS for a few seconds; the figure is the last sample, the peak is shown beside it.
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dumps, Store } from "../../dist/index.js";
import { answer, runChild } from "../harness/child.js";
import { range, sampleOf, valueFor, write } from "../harness/data.js";
import { bytes, count, type Figure, figure, format, formatCount, mb } from "../harness/figures.js";
import type { Section } from "../harness/section.js";

const NAME = "memory";
const SHARDS = 2;
const LIMIT = { op: "<=", value: 500, source: "#2" } as const;

interface Usage {
  entries: number;
  meanValueBytes: number;
  rssBefore: number;
  rssEmptyStore: number;
  rss: number;
  rssPeak: number;
  mainHeapUsed: number;
}

/** Highest RSS the process has had (Linux), or `NaN` elsewhere. */
function peakRss(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Mean encoded size of the values, over a sample spread across every entry index. */
function meanValueBytes(entries: number): number {
  const sample = sampleOf(entries, 1000);
  return sample.reduce((sum, i) => sum + dumps(valueFor(i)).byteLength, 0) / sample.length;
}

async function collect(): Promise<number> {
  globalThis.gc?.();
  await sleep(500);
  globalThis.gc?.();
  return process.memoryUsage.rss();
}

async function measureInThisProcess(entries: number, shards: number): Promise<Usage> {
  const rssBefore = await collect();
  const store = new Store({ shards });
  await store.size(); // the workers are up
  const rssEmptyStore = await collect();
  await write(store, range(entries));
  if ((await store.size()) !== entries) throw new Error("the store lost entries");
  let rss = await collect();
  for (let sample = 0; sample < 6; sample++) {
    await sleep(500);
    rss = process.memoryUsage.rss();
  }
  const usage: Usage = {
    entries,
    meanValueBytes: meanValueBytes(entries),
    rssBefore,
    rssEmptyStore,
    rss,
    rssPeak: peakRss(),
    mainHeapUsed: process.memoryUsage().heapUsed,
  };
  await store.close();
  return usage;
}

export const memorySection: Section = {
  name: NAME,
  question: `process RSS holding 1M entries of ~100 encoded bytes, shards ${SHARDS}`,
  async run({ quick, progress }) {
    const entries = quick ? 50_000 : 1_000_000;
    progress(`child process: ${formatCount(entries)} entries, shards ${SHARDS}`);
    const usage = await runChild<Usage>(new URL(import.meta.url), [
      `--entries=${entries}`,
      `--shards=${SHARDS}`,
    ]);
    progress(`  RSS ${format(mb(usage.rss))} (peak ${format(mb(usage.rssPeak))})`);
    const figures: Figure[] = [
      figure(
        NAME,
        `process RSS, ${formatCount(entries)} entries, shards ${SHARDS}`,
        mb(usage.rss),
        LIMIT,
        {
          peak: mb(usage.rssPeak),
          "before the store": mb(usage.rssBefore),
          "empty store": mb(usage.rssEmptyStore),
          "per entry": bytes((usage.rss - usage.rssEmptyStore) / entries),
          "mean value": bytes(usage.meanValueBytes),
          "main heap": mb(usage.mainHeapUsed),
          entries: count(entries),
        },
      ),
    ];
    return figures;
  },
};

// Run as a script (by runChild above): measure here and answer.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      entries: { type: "string" },
      shards: { type: "string" },
    },
  });
  answer(await measureInThisProcess(Number(values.entries), Number(values.shards)));
}
