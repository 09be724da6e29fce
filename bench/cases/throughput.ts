/**
 * Question: how many operations a second does each call sustain (`set` and `get` awaited one
 * after another, `setMany` and `getMany` of 1,000, bursts of 10,000 unawaited `set`s), with
 * 0, 1, 2 and 4 shards, against a `Map` that `structuredClone`s values in and out and a
 * single-thread `immutable` Map of msgpack bytes? Also the #2 write targets: do worker threads
 * cost `setMany` throughput, and does the store batch unawaited `set`s?
 *
 * Every store stays open and all are measured in alternating rounds (ratios close to 1 could
 * otherwise be decided by outside load on this shared machine). Items are generated before
 * timing starts, and writes alternate between two versions of each value, so every write
 * really replaces a value. Ops/s come from the median time of an iteration.
 */
import type { KeyValueStore } from "../harness/baselines.js";
import { CLONED_MAP, closeAll, openContenders, shardsName } from "../harness/contenders.js";
import { CHUNK, chunksOf, cycle, type Item, range } from "../harness/data.js";
import { type Figure, figure, format, opsPerSecond, ratio } from "../harness/figures.js";
import { alternate, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addRow, table, valueAt } from "../harness/table.js";

const NAME = "throughput";
/** Awaited calls per timed iteration of `set` and `get` (one call is too short to time alone). */
const SEQUENCE = 100;
const BURST = 10_000;
const OPS = ["set", "get", "setMany", "getMany", "unawaited set"] as const;
const NOT_SLOWER = { op: ">=", value: 1, source: "#2" } as const;
const HALF = { op: ">=", value: 0.5, source: "#2" } as const;

type Op = (typeof OPS)[number];
type Pair = readonly [string, string];

/** Calls per timed iteration. */
const PER_ITERATION: Record<Op, number> = {
  set: SEQUENCE,
  get: SEQUENCE,
  setMany: CHUNK,
  getMany: CHUNK,
  "unawaited set": BURST,
};

interface Workload {
  chunks: Item[][];
  bursts: Item[][];
  pairChunks: Pair[][];
}

/** One timed iteration of `op` on `store`; each call moves on to the next items. */
function iterationOf(store: KeyValueStore, op: Op, work: Workload): () => Promise<unknown> {
  switch (op) {
    case "set": {
      const next = cycle(work.chunks.flat());
      return async () => {
        for (let i = 0; i < SEQUENCE; i++) await store.set(...next());
      };
    }
    case "get": {
      const next = cycle(work.pairChunks.flat());
      return async () => {
        for (let i = 0; i < SEQUENCE; i++) await store.get(...next());
      };
    }
    case "setMany": {
      const next = cycle(work.chunks);
      return () => store.setMany(next());
    }
    case "getMany": {
      const next = cycle(work.pairChunks);
      return () => store.getMany(next());
    }
    case "unawaited set": {
      const next = cycle(work.bursts);
      return () => Promise.all(next().map((item) => store.set(...item)));
    }
  }
}

export const throughputSection: Section = {
  name: NAME,
  question: "ops/s of each call for shards 0, 1, 2, 4, against a cloning Map and immutable+msgpack",
  async run({ quick, budget, progress }) {
    const keys = quick ? BURST : 50_000;
    const rounds = quick ? 1 : 5;
    // Version 1 first: the stores hold version 0, so the very first writes change values too.
    const versions = [1, 0].map((version) => [...chunksOf(range(keys), version)]);
    const work: Workload = {
      chunks: versions.flat(),
      bursts: versions.map((chunks) => chunks.flat().slice(0, BURST)),
      pairChunks: (versions[0] ?? []).map((chunk) => chunk.map(([ns, key]): Pair => [ns, key])),
    };
    progress(`filling every store with ${keys.toLocaleString("en-US")} keys`);
    const contenders = await openContenders(keys);
    const options = { time: budget / rounds, iterations: quick ? 4 : 16, warmup: quick ? 2 : 4 };
    const measurements: Record<string, () => Promise<Timing>> = {};
    for (const { name, store } of contenders) {
      for (const op of OPS) {
        const iteration = iterationOf(store, op, work);
        measurements[`${name}: ${op}`] = () => time(`${name}: ${op}`, iteration, options);
      }
    }
    progress(`${rounds} alternating rounds of ${Object.keys(measurements).length} measurements`);
    const timings = await alternate(rounds, measurements);
    await closeAll(contenders);

    const names = contenders.map((c) => c.name);
    const swarmstate = contenders.filter((c) => !c.baseline).map((c) => c.name);
    const baselines = contenders.filter((c) => c.baseline).map((c) => c.name);
    const rates = table(NAME, "throughput", "ops/s (from the median iteration)", "call", {
      swarmstate,
      baselines,
    });
    const relative = table(NAME, "throughput-ratio", `ops/s relative to ${CLONED_MAP}`, "call", {
      swarmstate,
      baselines: baselines.filter((name) => name !== CLONED_MAP),
    });
    for (const op of OPS) {
      const rate = (name: string) =>
        (PER_ITERATION[op] / (timings[`${name}: ${op}`]?.p50 ?? Number.NaN)) * 1000;
      addRow(rates, op, Object.fromEntries(names.map((name) => [name, opsPerSecond(rate(name))])));
      const others = relative.columns.map((name) => [name, ratio(rate(name) / rate(CLONED_MAP))]);
      addRow(relative, op, Object.fromEntries(others));
      progress(
        `  ${op}: ${names.map((name) => `${name} ${format(opsPerSecond(rate(name)))}`).join(", ")}`,
      );
    }

    const at = (op: Op, shards: number) => valueAt(rates, op, shardsName(shards));
    const figures: Figure[] = [
      figure(
        NAME,
        `setMany (chunks of ${CHUNK}) throughput, shards 2 / shards 0`,
        ratio(at("setMany", 2) / at("setMany", 0)),
        NOT_SLOWER,
        { "shards 2": opsPerSecond(at("setMany", 2)), "shards 0": opsPerSecond(at("setMany", 0)) },
      ),
    ];
    for (const shards of [2, 0]) {
      figures.push(
        figure(
          NAME,
          `${BURST.toLocaleString("en-US")} unawaited set / setMany throughput, shards ${shards}`,
          ratio(at("unawaited set", shards) / at("setMany", shards)),
          shards === 2 ? HALF : null,
          {
            "unawaited set": opsPerSecond(at("unawaited set", shards)),
            setMany: opsPerSecond(at("setMany", shards)),
          },
        ),
      );
    }
    return { figures, tables: [rates, relative] };
  },
};
