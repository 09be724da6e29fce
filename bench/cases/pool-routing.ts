/**
 * Question (for the comment in src/store/worker-host.ts): is the round trip of a one-op batch to a
 * shard's thread faster with one single-thread piscina pool per shard, or with one pool whose
 * `loadBalancer` routes each task to its shard's worker?
 *
 * Uses piscina directly with a worker that does nothing (fixtures/echo-shard.ts), shaped like
 * the store's: one batch in flight per shard, its values buffer transferred. Two shards. Timed:
 * one batch to one shard, awaited (a lone `get`), and one batch to each shard at once (a
 * store-wide call such as `snapshot()` fans out like that).
 */
import { Piscina, queueOptionsSymbol } from "piscina";
import { type Figure, figure, format, ms, ratio } from "../harness/figures.js";
import { alternate, time } from "../harness/measure.js";
import type { Section } from "../harness/section.js";

const NAME = "pool-routing";
const SHARDS = 2;
const WORKER = new URL("../fixtures/echo-shard.js", import.meta.url).href;
const COMMON = {
  filename: WORKER,
  concurrentTasksPerWorker: 1,
  idleTimeout: Number.POSITIVE_INFINITY,
  recordTiming: false,
};

type Balancer = NonNullable<NonNullable<ConstructorParameters<typeof Piscina>[0]>["loadBalancer"]>;

/** Sends one-op batches to the shards' threads; each resolves when it has been answered. */
interface Routing {
  send(shard: number): Promise<unknown>;
  /** One batch to every shard at once, as a store-wide call fans out. */
  sendToAll(): Promise<unknown>;
  close(): Promise<void>;
}

/** A routing from a way of sending to one shard. */
function routing(send: (shard: number) => Promise<unknown>, close: () => Promise<void>): Routing {
  const shards = Array.from({ length: SHARDS }, (_, shard) => shard);
  return { send, sendToAll: () => Promise.all(shards.map(send)), close };
}

function batchFor(shard: number) {
  const values = new Uint8Array(16);
  return { task: { init: false, batch: { ops: [2, `ns-${shard}`, "key"], values } }, values };
}

function poolPerShard(): Routing {
  const pools = Array.from(
    { length: SHARDS },
    () => new Piscina({ ...COMMON, minThreads: 1, maxThreads: 1 }),
  );
  return routing(
    (shard) => {
      const { task, values } = batchFor(shard);
      return (pools[shard] as Piscina).run(task, { transferList: [values.buffer] });
    },
    async () => {
      await Promise.all(pools.map((pool) => pool.destroy()));
    },
  );
}

function oneBalancedPool(): Routing {
  // The first task for a shard claims a worker; from then on that worker gets all of the
  // shard's tasks (the store keeps one in flight per shard, so it is free when one arrives).
  const ownerOf = new Map<number, number>();
  const route: Balancer = (task, workers) => {
    const { shard } = (task as unknown as Record<symbol, { shard: number }>)[
      queueOptionsSymbol
    ] as { shard: number };
    const owner = ownerOf.get(shard);
    const claimed = new Set(ownerOf.values());
    const worker =
      owner === undefined
        ? workers.find((w) => !claimed.has(w.id))
        : workers.find((w) => w.id === owner);
    if (worker === undefined) return null;
    ownerOf.set(shard, worker.id);
    return worker;
  };
  const pool = new Piscina({
    ...COMMON,
    minThreads: SHARDS,
    maxThreads: SHARDS,
    loadBalancer: route,
  });
  return routing(
    (shard) => {
      const { task, values } = batchFor(shard);
      const routed = { ...task, [queueOptionsSymbol]: { shard } };
      return pool.run(routed, { transferList: [values.buffer] });
    },
    () => pool.destroy(),
  );
}

export const poolRoutingSection: Section = {
  name: NAME,
  question: "round trip of a one-op batch: a piscina pool per shard vs one pool + loadBalancer",
  async run({ quick, budget, progress }) {
    const rounds = quick ? 2 : 9;
    const perShard = poolPerShard();
    const balanced = oneBalancedPool();
    const options = { time: budget / rounds, iterations: 200 };
    progress(`${rounds} alternating rounds`);
    const timings = await alternate(rounds, {
      perShardOne: () => time("one shard", () => perShard.send(0), options),
      balancedOne: () => time("one shard", () => balanced.send(0), options),
      perShardBoth: () => time("both shards", () => perShard.sendToAll(), options),
      balancedBoth: () => time("both shards", () => balanced.sendToAll(), options),
    });
    await Promise.all([perShard.close(), balanced.close()]);
    const figures: Figure[] = [];
    for (const [what, ofPerShard, ofBalanced] of [
      ["one shard", timings.perShardOne, timings.balancedOne],
      ["both shards at once", timings.perShardBoth, timings.balancedBoth],
    ] as const) {
      progress(
        `  ${what}: pool per shard p50 ${format(ms(ofPerShard.p50))}, loadBalancer p50 ${format(ms(ofBalanced.p50))}`,
      );
      figures.push(
        figure(
          NAME,
          `round trip (${what}) p50, loadBalancer / pool per shard`,
          ratio(ofBalanced.p50 / ofPerShard.p50),
          null,
          {
            "per shard p50": ms(ofPerShard.p50),
            "per shard p99": ms(ofPerShard.p99),
            "balancer p50": ms(ofBalanced.p50),
            "balancer p99": ms(ofBalanced.p99),
          },
        ),
      );
    }
    return { figures, tables: [] };
  },
};
