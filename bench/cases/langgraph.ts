/**
 * Question: as a LangGraph.js checkpointer, what does `SwarmStateSaver` store and how fast does
 * it answer, against LangGraph's `MemorySaver` (everything in memory) and `SqliteSaver` (a file)?
 *
 * The workload is a real `StateGraph`: 20 threads, each run for 200 steps, whose state holds a
 * static channel (50 documents, about 50 KB, written once at the start) and two small channels
 * that change at every step. Every saver gets the same runs, one thread after the other:
 * - bytes stored: the payload each saver holds at the end. swarmstate: the store's `sizeBytes`
 *   (every encoded value: records, blobs, writes, indexes; keys not counted); SqliteSaver: the
 *   summed lengths of its checkpoint, metadata and write blobs (keys and indexes not counted;
 *   its file size is shown beside it); MemorySaver: the summed lengths of its serialized bytes.
 * - put p50: every `put` LangGraph made during the runs, timed where it is called.
 * - getTuple p50: the latest checkpoint of a thread, as LangGraph loads it at each invoke.
 * - list one thread: reading a whole thread's history (201 checkpoints) through `list`.
 * Reads are measured in alternating rounds, so outside load falls on every saver alike.
 *
 * SwarmStateSaver runs on a store with `shards: 0`, on one with 2 worker shards, and on durable
 * stores (`path`, 2 shards by default on this machine) with `"sync"` and with `"async"`.
 * SqliteSaver's guarantee lies between the two: better-sqlite3 builds SQLite so that a WAL commit
 * is not flushed (measured here: 14 fsyncs for 2,000 commits), so a put survives the process
 * dying but not the machine; `"sync"` survives both (each put waits for its log record's sync),
 * and `"async"` neither within its few milliseconds' window. SqliteSaver needs `bench/sqlite/`
 * installed (see harness/sqlite-saver.ts): a full run installs it; a quick run uses it only if
 * it is there.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { type BaseCheckpointSaver, MemorySaver } from "@langchain/langgraph-checkpoint";
import { Store, type StoreApi } from "../../dist/index.js";
import { SwarmStateSaver } from "../../dist/langgraph/index.js";
import { scratchDirectory } from "../harness/disk.js";
import { type Figure, figure, kb, ms, type Quantity, ratio } from "../harness/figures.js";
import { alternate, median, settle, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { installSqlite, openSqlite, sqliteInstalled } from "../harness/sqlite-saver.js";
import { addReportedRow, table } from "../harness/table.js";

const NAME = "langgraph";
const SQLITE = "SqliteSaver (file)";
const MEMORY = "MemorySaver";
const TARGETS = {
  bytes: { op: "<=", value: 0.1, source: "#12" },
  put: { op: "<=", value: 1, source: "#12" },
  getTuple: { op: "<=", value: 2, source: "#12" },
} as const;

const State = Annotation.Root({
  docs: Annotation<string[]>(),
  step: Annotation<number>(),
  note: Annotation<string>(),
});

/** A graph that loops `steps` times, changing `step` and `note` and never `docs`. */
function loopGraph(checkpointer: BaseCheckpointSaver, steps: number) {
  return new StateGraph(State)
    .addNode("work", (s) => ({ step: s.step + 1, note: `step ${s.step + 1} of ${s.docs.length}` }))
    .addEdge(START, "work")
    .addConditionalEdges("work", (s) => (s.step < steps ? "work" : END))
    .compile({ checkpointer });
}

/** 50 documents of about 1 KB: the large channel no step changes. */
const DOCS = Array.from(
  { length: 50 },
  (_, i) => `document ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(23)}`,
);

interface Contestant {
  name: string;
  saver: BaseCheckpointSaver;
  /** Payload bytes held at the end, and (for a file) the file's size. */
  bytes(): Promise<{ payload: number; file?: number }>;
  close(): Promise<void>;
}

async function swarmstate(name: string, store: StoreApi): Promise<Contestant> {
  return {
    name,
    saver: new SwarmStateSaver({ store }),
    bytes: async () => ({ payload: (await store.snapshot()).sizeBytes }),
    close: () => store.close(),
  };
}

function memorySaver(): Contestant {
  const saver = new MemorySaver();
  const total = (value: unknown): number =>
    value instanceof Uint8Array
      ? value.length
      : typeof value === "object" && value !== null
        ? Object.values(value).reduce((sum: number, v) => sum + total(v), 0)
        : 0;
  return {
    name: MEMORY,
    saver,
    bytes: async () => ({ payload: total(saver.storage) + total(saver.writes) }),
    close: async () => {},
  };
}

function sqliteSaver(dir: string): Contestant {
  const file = join(dir, "checkpoints.sqlite");
  const sqlite = openSqlite(file);
  return {
    name: SQLITE,
    saver: sqlite.saver,
    bytes: async () => ({ payload: sqlite.payloadBytes(), file: statSync(file).size }),
    close: async () => sqlite.close(),
  };
}

/** Wraps `put` to time every call LangGraph makes. */
function timePuts(saver: BaseCheckpointSaver, samples: number[]): void {
  const put = saver.put.bind(saver);
  saver.put = async (...args) => {
    const start = performance.now();
    try {
      return await put(...args);
    } finally {
      samples.push(performance.now() - start);
    }
  };
}

const thread = (i: number) => ({
  configurable: { thread_id: `thread-${i}` },
  recursionLimit: 10_000,
});

export const langgraphSection: Section = {
  name: NAME,
  question:
    "bytes stored, put, getTuple and list of a checkpointer, against MemorySaver and SqliteSaver",
  async run({ quick, budget, progress }) {
    const [threads, steps] = quick ? [4, 30] : [20, 200];
    const scratch = scratchDirectory();
    const dir = scratch.path;
    if (!quick) installSqlite(progress);
    const contestants: Contestant[] = [
      await swarmstate("SwarmStateSaver, shards 0", new Store({ shards: 0 })),
      await swarmstate("SwarmStateSaver, shards 2", new Store({ shards: 2 })),
    ];
    for (const durability of ["sync", "async"] as const) {
      const store = new Store({ path: join(dir, `store-${durability}`), durability });
      contestants.push(await swarmstate(`SwarmStateSaver, durable ${durability}`, store));
    }
    contestants.push(memorySaver());
    if (sqliteInstalled()) contestants.push(sqliteSaver(dir));
    else progress("no SqliteSaver row: bench/sqlite is not installed (a full run installs it)");

    const puts = new Map<string, number[]>();
    for (const contestant of contestants) {
      const samples: number[] = [];
      timePuts(contestant.saver, samples);
      puts.set(contestant.name, samples);
      const graph = loopGraph(contestant.saver, steps);
      const start = performance.now();
      for (let i = 0; i < threads; i++) await graph.invoke({ docs: DOCS, step: 0 }, thread(i));
      progress(
        `  ${contestant.name}: ${threads} threads x ${steps} steps in ${((performance.now() - start) / 1000).toFixed(1)} s`,
      );
      await settle();
    }

    let next = 0;
    const measurements: Record<string, () => Promise<Timing>> = {};
    for (const { name, saver } of contestants) {
      const getTuple = () => saver.getTuple(thread(next++ % threads));
      const list = async () => {
        for await (const _ of saver.list(thread(next++ % threads))) {
          // reads every tuple of the thread
        }
      };
      measurements[`${name}: getTuple`] = () =>
        time(`${name}: getTuple`, getTuple, { time: budget / 4, iterations: 32 });
      measurements[`${name}: list`] = () =>
        time(`${name}: list`, list, { time: 0, iterations: quick ? 3 : 10, warmup: 2 });
    }
    const rounds = quick ? 1 : 4;
    progress(`${rounds} alternating rounds of getTuple and list on every saver`);
    const timings = await alternate(rounds, measurements);

    const results = table(
      NAME,
      "langgraph",
      `${threads} threads x ${steps} steps, 50 KB static channel`,
      "saver",
      {
        swarmstate: ["stored", "file", "put p50", "getTuple p50", "list one thread"],
      },
    );
    const found = new Map<string, Found>();
    for (const contestant of contestants) {
      const { payload, file } = await contestant.bytes();
      const put = median(puts.get(contestant.name) ?? []);
      const getTuple = (timings[`${contestant.name}: getTuple`] as Timing).p50;
      const list = (timings[`${contestant.name}: list`] as Timing).p50;
      found.set(contestant.name, { bytes: payload, put, getTuple });
      addReportedRow(
        results,
        contestant.name,
        contestant.name,
        {
          stored: kb(payload),
          ...(file === undefined ? {} : { file: kb(file) }),
          "put p50": ms(put),
          "getTuple p50": ms(getTuple),
          "list one thread": ms(list),
        },
        progress,
      );
    }
    await Promise.all(contestants.map((c) => c.close()));
    scratch.remove();
    return { figures: figuresOf(found), tables: [results] };
  },
};

type Found = { bytes: number; put: number; getTuple: number };

/** Each SwarmStateSaver row held to the targets, against the baselines measured here. */
function figuresOf(found: Map<string, Found>): Figure[] {
  const against = (
    name: string,
    measure: keyof Found,
    baseline: string,
    target: (typeof TARGETS)[keyof Found],
    unit: (value: number) => Quantity,
  ): Figure[] => {
    const [ours, base] = [found.get(name)?.[measure], found.get(baseline)?.[measure]];
    if (ours === undefined || base === undefined) return [];
    const label = measure === "bytes" ? "bytes stored" : `${measure} p50`;
    return [
      figure(NAME, `${label}, ${name} / ${baseline}`, ratio(ours / base), target, {
        ours: unit(ours),
        [baseline]: unit(base),
      }),
    ];
  };
  return [...found.keys()]
    .filter((name) => name.startsWith("SwarmStateSaver"))
    .flatMap((name) => [
      ...against(name, "bytes", SQLITE, TARGETS.bytes, kb),
      ...against(name, "put", SQLITE, TARGETS.put, ms),
      ...against(name, "getTuple", MEMORY, TARGETS.getTuple, ms),
    ]);
}
