/**
 * Question: do worker threads cost write throughput? `setMany` in chunks of 1,000 (each awaited,
 * as a loader writes) with 2 shards against `shards: 0`; and a burst of 10,000 unawaited `set`
 * calls against `setMany`, which the store must batch into one message per shard.
 *
 * Both stores stay open and are measured in alternating rounds (the ratio is close to 1, where
 * outside load on this shared machine could otherwise decide it). Items are generated before
 * timing starts, and iterations alternate between two versions of each value, so every write
 * really replaces a value.
 */
import type { Store } from "../../dist/index.js";
import { CHUNK, chunksOf, filledStore, type Item, range } from "../harness/data.js";
import { type Figure, figure, format, opsPerSecond, ratio } from "../harness/figures.js";
import { alternate, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";

const NAME = "writes";
const BURST = 10_000;
const NOT_SLOWER = { op: ">=", value: 1, source: "#2" } as const;
const HALF = { op: ">=", value: 0.5, source: "#2" } as const;

/** Cycles through items: chunks for `setMany`, bursts for unawaited `set`s. */
function cycle<T>(list: T[]): () => T {
  let next = 0;
  return () => list[next++ % list.length] as T;
}

function setManyChunks(store: Store, chunks: Item[][], budget: number) {
  const nextChunk = cycle(chunks);
  return () => time("setMany", () => store.setMany(nextChunk()), { time: budget });
}

function unawaitedSets(store: Store, bursts: Item[][], budget: number) {
  const nextBurst = cycle(bursts);
  return () =>
    time(
      "unawaited sets",
      () =>
        Promise.all(nextBurst().map(([namespace, key, value]) => store.set(namespace, key, value))),
      { time: budget, iterations: 16, warmup: 4 },
    );
}

export const writesSection: Section = {
  name: NAME,
  question: "write throughput with worker shards vs in-process, and of unawaited set bursts",
  async run({ quick, budget, progress }) {
    const keys = quick ? BURST : 50_000;
    const rounds = quick ? 2 : 5;
    const versions = [0, 1].map((version) => [...chunksOf(range(keys), version)]);
    const chunks = versions.flat();
    const bursts = versions.map((chunksOfVersion) => chunksOfVersion.flat().slice(0, BURST));
    progress(`filling stores with shards 0 and 2, ${keys.toLocaleString("en-US")} keys each`);
    const local = await filledStore(0, keys);
    const threaded = await filledStore(2, keys);
    const roundBudget = budget / rounds;
    progress(`${rounds} alternating rounds`);
    const timings = await alternate(rounds, {
      setMany0: setManyChunks(local, chunks, roundBudget),
      setMany2: setManyChunks(threaded, chunks, roundBudget),
      burst0: unawaitedSets(local, bursts, roundBudget),
      burst2: unawaitedSets(threaded, bursts, roundBudget),
    });
    await Promise.all([local.close(), threaded.close()]);
    const perSecond = (items: number, ms: number) => opsPerSecond((items / ms) * 1000);
    const setMany = {
      0: perSecond(CHUNK, timings.setMany0.p50),
      2: perSecond(CHUNK, timings.setMany2.p50),
    };
    const burst = {
      0: perSecond(BURST, timings.burst0.p50),
      2: perSecond(BURST, timings.burst2.p50),
    };
    for (const shards of [0, 2] as const) {
      progress(
        `  shards ${shards}: setMany ${format(setMany[shards])}, unawaited set ${format(burst[shards])}`,
      );
    }
    const figures: Figure[] = [
      figure(
        NAME,
        `setMany (chunks of ${CHUNK}) throughput, shards 2 / shards 0`,
        ratio(setMany[2].value / setMany[0].value),
        NOT_SLOWER,
        { "shards 2": setMany[2], "shards 0": setMany[0] },
      ),
    ];
    for (const shards of [2, 0] as const) {
      figures.push(
        figure(
          NAME,
          `${BURST.toLocaleString("en-US")} unawaited set / setMany throughput, shards ${shards}`,
          ratio(burst[shards].value / setMany[shards].value),
          shards === 2 ? HALF : null,
          { "unawaited set": burst[shards], setMany: setMany[shards] },
        ),
      );
    }
    return figures;
  },
};
