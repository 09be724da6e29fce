/**
 * Question: does the store scale with cores now that every client reaches the shards directly?
 *
 * - The floor: a bare round trip between two threads over a MessagePort (the transport the
 *   store's channels use) and over a SharedArrayBuffer with Atomics (plain, and spinning before
 *   it waits), against an awaited `get`/`set` through worker shards, one call at a time: what
 *   the store adds to the transport.
 * - `swarmstate load` (agent threads, each a client of its own, src/load) for agents x shards:
 *   on this machine 1x1 and 2x2, and with 8 or more cores the matrix up to 8x8. Each run is a
 *   process of its own, verified against its ledgers.
 *
 * The 500k-change diff across shards is the parallel-diff section.
 */
import { availableParallelism } from "node:os";
import { Store } from "../../dist/index.js";
import {
  type Figure,
  figure,
  format,
  ms,
  opsPerSecond,
  p50Ratio,
  ratio,
} from "../harness/figures.js";
import { type LoadRun, runLoad } from "../harness/load-run.js";
import { alternate, type Timing, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";
import { portRoundTrip, sharedMemoryRoundTrip } from "../harness/transport.js";

const NAME = "scaling";
const CALL_SHARDS = [1, 2, 4];
const SPIN = 2000;

export const scalingSection: Section = {
  name: NAME,
  question: "awaited calls against the bare thread round trip, and swarmstate load on more cores",
  async run({ quick, budget, progress }) {
    const cores = availableParallelism();
    const rounds = quick ? 1 : 5;
    const options = { time: budget / rounds, iterations: quick ? 32 : 256 };

    progress(`round trips: bare transports and awaited calls (shards ${CALL_SHARDS.join(", ")})`);
    const stores = CALL_SHARDS.map((shards) => new Store({ shards }));
    for (const store of stores) await store.set("n", "k", { step: 1, note: "a small value" });
    const measurements: Record<string, () => Promise<Timing>> = {
      MessagePort: () => portRoundTrip(options),
      "SharedArrayBuffer, wait": () => sharedMemoryRoundTrip(0, options),
      [`SharedArrayBuffer, spin ${SPIN} then wait`]: () => sharedMemoryRoundTrip(SPIN, options),
    };
    stores.forEach((store, i) => {
      const shards = CALL_SHARDS[i] as number;
      let step = 0;
      measurements[`get, shards ${shards}`] = () => time("get", () => store.get("n", "k"), options);
      measurements[`set, shards ${shards}`] = () =>
        time("set", () => store.set("n", "k", { step: step++, note: "a small value" }), options);
    });
    const timings = await alternate(rounds, measurements);
    await Promise.all(stores.map((store) => store.close()));

    const trips = table(NAME, "round-trips", "one round trip at a time", "what", {
      swarmstate: ["p50", "p99", "p50 / MessagePort p50"],
    });
    const port = timings.MessagePort as Timing;
    for (const [name, timing] of Object.entries(timings)) {
      addRow(trips, name, {
        p50: ms(timing.p50),
        p99: ms(timing.p99),
        "p50 / MessagePort p50": ratio(timing.p50 / port.p50),
      });
      progress(`  ${name}: p50 ${format(ms(timing.p50))}, p99 ${format(ms(timing.p99))}`);
    }
    const figures: Figure[] = ["get", "set"].map((op) => {
      const call = timings[`${op}, shards 2`] as Timing;
      return p50Ratio(
        NAME,
        `awaited ${op} p50 through 2 worker shards / bare MessagePort round trip`,
        [`${op} p50`, call.p50],
        ["MessagePort p50", port.p50],
        { op: "<=", value: 1.5, source: "#10" },
      );
    });

    const seconds = quick ? 3 : 10;
    const matrix: [number, number][] =
      cores >= 8 && !quick
        ? [
            [1, 1],
            [2, 2],
            [4, 4],
            [8, 8],
            [8, 1],
            [8, 2],
            [8, 4],
          ]
        : [
            [1, 1],
            [2, 2],
          ];
    const runs: LoadRun[] = [];
    for (const [agents, shards] of matrix) {
      progress(`swarmstate load --agents ${agents} --shards ${shards} --duration ${seconds}`);
      const result = await runLoad(agents, shards, seconds);
      if (!result.verified) throw new Error(`swarmstate load ${agents}x${shards} failed to verify`);
      progress(`  ${result.opsPerSecond.toLocaleString("en-US")} ops/s, verified`);
      runs.push(result);
    }
    const load = table(NAME, "load", `swarmstate load, ${seconds} s each`, "agents x shards", {
      swarmstate: ["ops/s", "vs 1 x 1"],
    });
    const find = (agents: number, shards: number) =>
      runs.find((r) => r.agents === agents && r.shards === shards);
    const single = find(1, 1) as LoadRun;
    for (const run of runs) {
      addRow(load, `${run.agents} x ${run.shards}`, {
        "ops/s": opsPerSecond(run.opsPerSecond),
        "vs 1 x 1": ratio(run.opsPerSecond / single.opsPerSecond),
      });
    }
    const versus = (agents: number, shards: number, target: number | null) => {
      const run = find(agents, shards);
      if (run === undefined) return;
      figures.push(
        figure(
          NAME,
          `swarmstate load ${agents}x${shards} / 1x1 ops/s (${cores} cores)`,
          ratio(run.opsPerSecond / single.opsPerSecond),
          target === null ? null : { op: ">=", value: target, source: "#10" },
          {
            [`${agents}x${shards}`]: opsPerSecond(run.opsPerSecond),
            "1x1": opsPerSecond(single.opsPerSecond),
          },
        ),
      );
    };
    versus(2, 2, cores <= 2 ? 1.6 : null);
    versus(8, 8, cores >= 8 ? 5 : null);
    // At equal agents, no shard count slower than a smaller one.
    const eight = [1, 2, 4, 8].map((shards) => find(8, shards)).filter((r) => r !== undefined);
    for (let i = 1; i < eight.length; i++) {
      const [smaller, larger] = [eight[i - 1] as LoadRun, eight[i] as LoadRun];
      figures.push(
        figure(
          NAME,
          `swarmstate load 8 agents: shards ${larger.shards} / shards ${smaller.shards} ops/s`,
          ratio(larger.opsPerSecond / smaller.opsPerSecond),
          { op: ">=", value: 1, source: "#10" },
          {
            [`shards ${larger.shards}`]: opsPerSecond(larger.opsPerSecond),
            [`shards ${smaller.shards}`]: opsPerSecond(smaller.opsPerSecond),
          },
        ),
      );
    }
    return { figures, tables: [trips, load] };
  },
};
