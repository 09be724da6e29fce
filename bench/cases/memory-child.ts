/**
 * The child process of the memory case (memory.ts): run as a script, it fills one kind of store,
 * takes the snapshots, and answers with what the process took at each step (see memory.ts for
 * what is measured and why).
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
import { answer, collect, liveBytes, peakRss, settledRss } from "../harness/child.js";
import { IMMUTABLE_BYTES } from "../harness/contenders.js";
import { range, sampleOf, valueFor, write } from "../harness/data.js";

export const SHARDS = 2;
export const WRITES = 100;
export const SNAPSHOTS = 1000;

/** What each child holds, and how many snapshots it takes. */
export const KINDS = {
  threaded: { label: `swarmstate, shards ${SHARDS}`, snapshots: SNAPSHOTS, heapIsAll: false },
  local: { label: "swarmstate, shards 0", snapshots: SNAPSHOTS, heapIsAll: true },
  immutable: { label: IMMUTABLE_BYTES, snapshots: SNAPSHOTS, heapIsAll: true },
  copy: { label: "Map of msgpack, copied per snapshot", snapshots: 10, heapIsAll: true },
} as const;
export type Kind = keyof typeof KINDS;

export interface Usage {
  entries: number;
  meanValueBytes: number;
  rssBefore: number;
  rssEmptyStore: number;
  rss: number;
  snapshots: number;
  rssWithSnapshots: number;
  /** Live heap (V8 heap and ArrayBuffers) of the main thread: empty, filled, with snapshots. */
  liveEmptyStore: number;
  live: number;
  liveWithSnapshots: number;
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
  if (kind === "threaded" || kind === "local") {
    const store = new Store({ shards: kind === "local" ? 0 : SHARDS });
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
  const liveEmptyStore = liveBytes();
  await subject.write(range(entries), 0);
  const rss = await settledRss(samples);
  const live = liveBytes();
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
  const liveWithSnapshots = liveBytes();
  const usage: Usage = {
    entries,
    meanValueBytes: meanValueBytes(entries),
    rssBefore,
    rssEmptyStore,
    rss,
    snapshots: kept.length,
    rssWithSnapshots,
    liveEmptyStore,
    live,
    liveWithSnapshots,
    rssPeak: peakRss(),
    mainHeapUsed: process.memoryUsage().heapUsed,
  };
  await subject.close();
  return usage;
}

// Run as a script (by the memory case's runChild): measure here and answer.
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
