/**
 * Question: how much memory does the whole process take holding 1M entries of about 100 encoded
 * bytes with 2 shards (bytes per entry), and how much more do 1,000 snapshots take, each 100
 * writes after the last? Against the same entries in a single-thread `immutable` Map of msgpack
 * bytes (persistent too), and in a `Map` of msgpack bytes copied whole on each snapshot (10
 * snapshots there, not 1,000: each copy costs tens of MB; its per-snapshot cost is scaled up).
 *
 * RSS counts the worker threads too: they live in the same process. Each store is measured in a
 * child process of its own (this file, run as a script), so nothing else the bench allocated is
 * counted. The child fills the store with `setMany` in chunks of 1,000, collects the main
 * thread's garbage (worker heaps collect on their own schedule) and samples RSS for a few
 * seconds; the figure is the last sample. Then the snapshots, and the same again.
 */
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { dumps, Store } from "../../dist/index.js";
import {
  copyState,
  type EncodedState,
  ImmutableBytes,
  writeEncoded,
} from "../harness/baselines.js";
import { answer, collect, peakRss, runChild, settledRss } from "../harness/child.js";
import { IMMUTABLE_BYTES } from "../harness/contenders.js";
import { range, sampleOf, valueFor, write } from "../harness/data.js";
import {
  bytes,
  count,
  type Figure,
  figure,
  format,
  formatCount,
  kb,
  mb,
  ratio,
} from "../harness/figures.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";

const NAME = "memory";
const SHARDS = 2;
const LIMIT = { op: "<=", value: 500, source: "#2" } as const;
const WRITES = 100;
const SNAPSHOTS = 1000;

/** What each child holds, and how many snapshots it takes. */
const KINDS = {
  swarmstate: { label: `swarmstate, shards ${SHARDS}`, snapshots: SNAPSHOTS },
  immutable: { label: IMMUTABLE_BYTES, snapshots: SNAPSHOTS },
  copy: { label: "Map of msgpack, copied per snapshot", snapshots: 10 },
} as const;
type Kind = keyof typeof KINDS;

interface Usage {
  entries: number;
  meanValueBytes: number;
  rssBefore: number;
  rssEmptyStore: number;
  rss: number;
  snapshots: number;
  rssWithSnapshots: number;
  rssPeak: number;
  mainHeapUsed: number;
}

/** The store a child measures: written in chunks, snapshotted, closed. */
interface Subject {
  write(indices: Iterable<number>, version: number): Promise<void>;
  snapshot(): Promise<unknown>;
  close(): Promise<void>;
}

async function open(kind: Kind): Promise<Subject> {
  if (kind === "swarmstate") {
    const store = new Store({ shards: SHARDS });
    await store.size(); // the workers are up
    return {
      write: (indices, version) => write(store, indices, version),
      snapshot: () => store.snapshot(),
      close: () => store.close(),
    };
  }
  if (kind === "immutable") {
    const store = new ImmutableBytes();
    return {
      write: (indices, version) => write(store, indices, version),
      snapshot: async () => store.snapshot(),
      close: () => store.close(),
    };
  }
  const state: EncodedState = new Map();
  return {
    write: async (indices, version) => writeEncoded(state, indices, version),
    snapshot: async () => copyState(state),
    close: async () => {},
  };
}

/** Mean encoded size of the values, over a sample spread across every entry index. */
function meanValueBytes(entries: number): number {
  const sample = sampleOf(entries, 1000);
  return sample.reduce((sum, i) => sum + dumps(valueFor(i)).byteLength, 0) / sample.length;
}

async function measureInThisProcess(kind: Kind, entries: number, samples: number): Promise<Usage> {
  const rssBefore = await collect();
  const subject = await open(kind);
  const rssEmptyStore = await collect();
  await subject.write(range(entries), 0);
  const rss = await settledRss(samples);
  // Each round rewrites WRITES entries spread over the store (new values), then snapshots.
  const spread = sampleOf(entries, SNAPSHOTS * WRITES);
  const kept: unknown[] = [];
  const { snapshots } = KINDS[kind];
  for (let round = 0; round < snapshots; round++) {
    const indices = Array.from(
      { length: WRITES },
      (_, k) => spread[(round * WRITES + k) % spread.length] as number,
    );
    await subject.write(indices, round + 1);
    kept.push(await subject.snapshot());
  }
  const rssWithSnapshots = await settledRss(samples);
  const usage: Usage = {
    entries,
    meanValueBytes: meanValueBytes(entries),
    rssBefore,
    rssEmptyStore,
    rss,
    snapshots: kept.length,
    rssWithSnapshots,
    rssPeak: peakRss(),
    mainHeapUsed: process.memoryUsage().heapUsed,
  };
  await subject.close();
  return usage;
}

export const memorySection: Section = {
  name: NAME,
  question: `RSS and bytes per entry at 1M entries, and the memory of 1,000 snapshots`,
  async run({ quick, cap, progress }) {
    const entries = cap(1_000_000);
    const usages = new Map<Kind, Usage>();
    for (const kind of Object.keys(KINDS) as Kind[]) {
      progress(`child process: ${KINDS[kind].label}, ${formatCount(entries)} entries`);
      const usage = await runChild<Usage>(new URL(import.meta.url), [
        `--kind=${kind}`,
        `--entries=${entries}`,
        `--samples=${quick ? 0 : 6}`,
      ]);
      usages.set(kind, usage);
      progress(
        `  RSS ${format(mb(usage.rss))}, with ${usage.snapshots} snapshots ${format(mb(usage.rssWithSnapshots))}`,
      );
    }
    const per = (usage: Usage) => ({
      entry: (usage.rss - usage.rssEmptyStore) / usage.entries,
      snapshot: (usage.rssWithSnapshots - usage.rss) / usage.snapshots,
    });
    const memory = table(
      NAME,
      "memory",
      `${formatCount(entries)} entries, then snapshots each ${WRITES} writes apart`,
      "store",
      {
        swarmstate: [
          "RSS",
          "per entry",
          "snapshots taken",
          "extra per snapshot",
          `extra for ${formatCount(SNAPSHOTS)} snapshots`,
        ],
      },
    );
    for (const [kind, usage] of usages) {
      addRow(memory, KINDS[kind].label, {
        RSS: mb(usage.rss),
        "per entry": bytes(per(usage).entry),
        "snapshots taken": count(usage.snapshots),
        "extra per snapshot": kb(per(usage).snapshot),
        [`extra for ${formatCount(SNAPSHOTS)} snapshots`]: mb(per(usage).snapshot * SNAPSHOTS),
      });
    }

    const mine = usages.get("swarmstate") as Usage;
    const [copies, persistent] = [usages.get("copy") as Usage, usages.get("immutable") as Usage];
    const label = `${formatCount(entries)} entries, shards ${SHARDS}`;
    const figures: Figure[] = [
      figure(NAME, `process RSS, ${label}`, mb(mine.rss), LIMIT, {
        peak: mb(mine.rssPeak),
        "before the store": mb(mine.rssBefore),
        "empty store": mb(mine.rssEmptyStore),
        "per entry": bytes(per(mine).entry),
        "mean value": bytes(mine.meanValueBytes),
        "main heap": mb(mine.mainHeapUsed),
        entries: count(entries),
      }),
      figure(NAME, `RSS per entry, ${label}`, bytes(per(mine).entry), null, {
        "mean value": bytes(mine.meanValueBytes),
        [IMMUTABLE_BYTES]: bytes(per(persistent).entry),
        "Map of msgpack": bytes(per(copies).entry),
      }),
      figure(
        NAME,
        `extra RSS of ${formatCount(mine.snapshots)} snapshots each ${WRITES} writes apart, shards ${SHARDS}`,
        mb(mine.rssWithSnapshots - mine.rss),
        null,
        { "per snapshot": kb(per(mine).snapshot), [IMMUTABLE_BYTES]: kb(per(persistent).snapshot) },
      ),
      figure(
        NAME,
        "memory per snapshot, Map copy / swarmstate",
        ratio(per(copies).snapshot / per(mine).snapshot),
        null,
        {
          "Map copy": kb(per(copies).snapshot),
          swarmstate: kb(per(mine).snapshot),
        },
      ),
    ];
    return { figures, tables: [memory] };
  },
};

// Run as a script (by runChild above): measure here and answer.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      kind: { type: "string" },
      entries: { type: "string" },
      samples: { type: "string" },
    },
  });
  const kind = values.kind as Kind;
  if (!(kind in KINDS)) throw new Error(`--kind: expected one of ${Object.keys(KINDS).join(", ")}`);
  answer(await measureInThisProcess(kind, Number(values.entries), Number(values.samples)));
}
