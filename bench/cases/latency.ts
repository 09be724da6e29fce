/**
 * Question: how long does one awaited `set` or `get` take (p50 and p99): the round trip to a
 * shard's thread with 1, 2 or 4 shards, against the same call with `shards: 0` and on the two
 * baselines (see harness/baselines.ts)? One call at a time, nothing else in flight.
 *
 * All stores stay open and are measured in alternating rounds; each figure is the median over
 * rounds of that round's percentile.
 */
import { closeAll, openContenders, shardsName } from "../harness/contenders.js";
import { chunksOf, cycle, range } from "../harness/data.js";
import { type Figure, figure, format, ms, ratio } from "../harness/figures.js";
import { alternate, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";

const NAME = "latency";
const OPS = ["set", "get"] as const;

export const latencySection: Section = {
  name: NAME,
  question: "p50/p99 of one awaited set and get, for shards 0, 1, 2, 4 and the baselines",
  async run({ quick, budget, progress }) {
    const keys = quick ? 1000 : 10_000;
    const rounds = quick ? 1 : 5;
    progress(`filling every store with ${keys.toLocaleString("en-US")} keys`);
    const contenders = await openContenders(keys);
    const options = { time: budget / rounds, iterations: quick ? 16 : 64 };
    const measurements: Record<string, () => Promise<Timing>> = {};
    // Every set replaces a value with a new one (versions alternate), every get finds one.
    const items = [1, 0].flatMap((version) => [...chunksOf(range(keys), version)].flat());
    const pairs = items.slice(0, keys).map(([ns, key]): [string, string] => [ns, key]);
    for (const { name, store } of contenders) {
      const [nextItem, nextPair] = [cycle(items), cycle(pairs)];
      const set = () => store.set(...nextItem());
      const get = () => store.get(...nextPair());
      measurements[`${name}: set`] = () => time(`${name}: set`, set, options);
      measurements[`${name}: get`] = () => time(`${name}: get`, get, options);
    }
    progress(`${rounds} alternating rounds of ${Object.keys(measurements).length} measurements`);
    const timings = await alternate(rounds, measurements);
    await closeAll(contenders);

    const columns = OPS.flatMap((op) => [`${op} p50`, `${op} p99`]);
    const latencies = table(NAME, "latency", "one awaited call, nothing else in flight", "store", {
      swarmstate: columns,
    });
    const of = (name: string, op: string) => timings[`${name}: ${op}`] as Timing;
    for (const { name } of contenders) {
      const cells = Object.fromEntries(
        OPS.flatMap((op) => [
          [`${op} p50`, ms(of(name, op).p50)],
          [`${op} p99`, ms(of(name, op).p99)],
        ]),
      );
      addRow(latencies, name, cells);
      progress(
        `  ${name}: ${Object.entries(cells)
          .map(([c, q]) => `${c} ${format(q)}`)
          .join(", ")}`,
      );
    }
    const figures: Figure[] = OPS.map((op) => {
      const [threaded, local] = [of(shardsName(2), op), of(shardsName(0), op)];
      return figure(
        NAME,
        `awaited ${op} p50, shards 2 / shards 0 (the thread hop)`,
        ratio(threaded.p50 / local.p50),
        null,
        {
          "shards 2 p50": ms(threaded.p50),
          "shards 2 p99": ms(threaded.p99),
          "shards 0 p50": ms(local.p50),
          "shards 0 p99": ms(local.p99),
        },
      );
    });
    return { figures, tables: [latencies] };
  },
};
