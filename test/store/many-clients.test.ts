/**
 * Many clients at once, each in its own thread with its own channels to the shards, while the
 * store's thread writes too and places cuts (snapshot, restore, clear). Checked against the
 * contract's "Many clients" rule with a reference model:
 *
 * - For every client, each cut holds a prefix of its writes: replaying the writes up to some
 *   point, on top of what the last restore or clear left, gives exactly that client's keys in
 *   the snapshot. The points never go back, and they fall between whole bursts (a burst is one
 *   tick: one batch per shard, never split by a cut).
 * - For the store's thread, which asks for the cuts, the point is exact: every write it made
 *   before asking, awaited or not, and none after.
 * - At the end, every client's whole script on top of the last restore or clear.
 *
 * Clients write disjoint namespaces (spread over the shards), so each one can be checked on its
 * own; which prefixes are possible is found by search over the points the cuts could have had.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import fc from "fast-check";
import { exposeStore, type Snapshot, Store, type Value } from "swarmstate";
import { afterEach, describe, expect, it } from "vitest";
import { readEntries } from "../../src/load/store-contents.js";

type Write = [namespace: string, key: string, value: Value | null];
type Step = { burst: Write[] } | { pause: number };

type MainEvent =
  | { kind: "write"; burst: Write[] }
  | { kind: "snapshot"; after: Write[] }
  | { kind: "restore"; pick: number }
  | { kind: "clear" }
  | { kind: "pause"; ms: number };

interface Cut {
  kind: "snapshot" | "restore" | "clear";
  /** The snapshot taken, or restored to. */
  snapshot?: Snapshot;
  /** Writes the store's thread had made when it asked for the cut. */
  mainPosition: number;
}

/** Live contents, or a snapshot's: `namespace\0key` → JSON of the value. */
type Contents = Map<string, string>;

const clientScript = new URL("../fixtures/script-client.mjs", import.meta.url);
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Runs the clients' scripts and the store thread's events at once; checks the result. */
async function runScenario(shards: number, scripts: Step[][], events: MainEvent[]): Promise<void> {
  try {
    await playAndCheck(shards, scripts, events);
  } finally {
    for (const step of cleanup.splice(0).reverse()) await step();
  }
}

async function playAndCheck(shards: number, scripts: Step[][], events: MainEvent[]) {
  const store = new Store({ shards });
  cleanup.push(() => store.close());
  const threads = scripts.map((script) => {
    const port = exposeStore(store);
    const worker = new Worker(clientScript, {
      workerData: { store: port, script },
      transferList: [port],
    });
    cleanup.push(() => worker.terminate());
    const said = (word: string) =>
      new Promise<void>((resolve, reject) => {
        const listen = (message: unknown) => {
          if (message !== word) return;
          worker.off("message", listen);
          resolve();
        };
        worker.on("message", listen);
        worker.once("error", reject);
      });
    return { connected: said("connected"), done: said("done") };
  });
  await Promise.all(threads.map((thread) => thread.connected));

  const cuts: Cut[] = [];
  const mainWrites: Write[] = [];
  const writing: Promise<unknown>[] = [];
  const taken: Snapshot[] = [];
  const write = (burst: Write[]) => {
    for (const [namespace, key, value] of burst) {
      writing.push(
        value === null ? store.delete(namespace, key) : store.set(namespace, key, value),
      );
      mainWrites.push([namespace, key, value]);
    }
  };
  for (const event of events) {
    switch (event.kind) {
      case "write":
        write(event.burst); // not awaited: the next cut must hold them all the same
        break;
      case "snapshot": {
        const mainPosition = mainWrites.length;
        const asked = store.snapshot();
        write(event.after); // made after asking: the snapshot must not hold them
        const snapshot = await asked;
        taken.push(snapshot);
        cuts.push({ kind: "snapshot", snapshot, mainPosition });
        break;
      }
      case "restore": {
        const snapshot = taken[event.pick % Math.max(1, taken.length)];
        if (snapshot === undefined) break;
        const mainPosition = mainWrites.length;
        await store.restore(snapshot);
        cuts.push({ kind: "restore", snapshot, mainPosition });
        break;
      }
      case "clear": {
        const mainPosition = mainWrites.length;
        await store.clear();
        cuts.push({ kind: "clear", mainPosition });
        break;
      }
      case "pause":
        await sleep(event.ms);
        break;
    }
  }
  await Promise.all(writing);
  await Promise.all(threads.map((thread) => thread.done));

  const contents = new Map<Snapshot, Contents>();
  for (const snapshot of taken) contents.set(snapshot, await snapshotContents(snapshot));
  const final: Contents = await readEntries(store, JSON.stringify);
  scripts.forEach((script, c) => {
    const bursts = script.flatMap((step) => ("burst" in step ? [step.burst] : []));
    checkClient(`client ${c}`, `c${c}-`, bursts, null, cuts, contents, final);
  });
  checkClient("the store's thread", "main-", [mainWrites], cuts, cuts, contents, final);
}

async function snapshotContents(snapshot: Snapshot): Promise<Contents> {
  const contents: Contents = new Map();
  const pairs = await snapshot.keys();
  const values = await Promise.all(pairs.map(([ns, key]) => snapshot.get(ns, key)));
  pairs.forEach(([ns, key], i) => {
    contents.set(`${ns}\0${key}`, JSON.stringify(values[i]));
  });
  return contents;
}

/**
 * Checks one writer's part of every cut (see the module comment). `bursts` are its writes,
 * grouped in the units a cut may not split. With `exact`, each cut must hold exactly the
 * writes made before it was asked for (the requester's rule).
 */
function checkClient(
  who: string,
  prefix: string,
  bursts: Write[][],
  exact: Cut[] | null,
  cuts: Cut[],
  contents: Map<Snapshot, Contents>,
  final: Contents,
): void {
  const writes = bursts.flat();
  // Where a cut may fall: between bursts.
  const points = [0];
  for (const burst of bursts) points.push((points.at(-1) as number) + burst.length);
  const mine = (all: Contents): Contents =>
    new Map([...all].filter(([id]) => id.startsWith(prefix)));
  const replay = (base: Contents, from: number, to: number): Contents => {
    const result = new Map(base);
    for (const [namespace, key, value] of writes.slice(from, to)) {
      if (value === null) result.delete(`${namespace}\0${key}`);
      else result.set(`${namespace}\0${key}`, JSON.stringify(value));
    }
    return result;
  };
  const same = (a: Contents, b: Contents) =>
    a.size === b.size && [...a].every(([id, value]) => b.get(id) === value);

  // A state: [where the last restore or clear fell, where the last cut fell].
  let base: Contents = new Map();
  let states: [number, number][] = [[0, 0]];
  cuts.forEach((cut, k) => {
    const next = new Map<string, [number, number]>();
    for (const [from, at] of states) {
      const allowed = exact ? [(exact[k] as Cut).mainPosition] : points.filter((p) => p >= at);
      for (const point of allowed) {
        if (point < at) continue;
        if (cut.kind === "snapshot") {
          const seen = mine(contents.get(cut.snapshot as Snapshot) as Contents);
          if (same(replay(base, from, point), seen)) next.set(`${from}:${point}`, [from, point]);
        } else {
          next.set(`${point}:${point}`, [point, point]);
        }
      }
    }
    if (cut.kind === "restore") base = mine(contents.get(cut.snapshot as Snapshot) as Contents);
    if (cut.kind === "clear") base = new Map();
    states = [...next.values()];
    if (states.length === 0) {
      throw new Error(`${who}: cut ${k} (${cut.kind}) holds no prefix of its writes`);
    }
  });
  const ends = states.some(([from]) => same(replay(base, from, writes.length), mine(final)));
  expect(ends, `${who}: the store does not end with all of its writes`).toBe(true);
}

// ---------------------------------------------------------------------------------------------
// Generated scenarios

const write = (owner: string): fc.Arbitrary<Write> =>
  fc.tuple(
    fc.nat(3).map((j) => `${owner}-${j}`),
    fc.nat(4).map((k) => `k${k}`),
    fc.oneof({ arbitrary: fc.nat(1000), weight: 4 }, { arbitrary: fc.constant(null), weight: 1 }),
  );

const step = (owner: string): fc.Arbitrary<Step> =>
  fc.oneof(
    {
      arbitrary: fc.record({ burst: fc.array(write(owner), { minLength: 1, maxLength: 4 }) }),
      weight: 4,
    },
    { arbitrary: fc.record({ pause: fc.nat(2) }), weight: 1 },
  );

const mainEvent: fc.Arbitrary<MainEvent> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      burst: fc.array(write("main"), { minLength: 1, maxLength: 3 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("snapshot" as const),
      after: fc.array(write("main"), { maxLength: 2 }),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant("restore" as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.constant({ kind: "clear" as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("pause" as const), ms: fc.nat(2) }), weight: 2 },
);

/** The scripts with client c writing only its own namespaces, `c<c>-…`. */
function owned(scripts: Step[][]): Step[][] {
  return scripts.map((script, c) =>
    script.map((s) =>
      "burst" in s
        ? {
            burst: s.burst.map(
              ([ns, key, value]): Write => [ns.replace(/^x/, `c${c}`), key, value],
            ),
          }
        : s,
    ),
  );
}

describe("many clients in their own threads", () => {
  for (const [shards, runs] of [
    [0, 8],
    [1, 8],
    [3, 10],
  ] as const) {
    it(`place every cut at a prefix of each client's calls (shards: ${shards})`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(step("x"), { maxLength: 14 }), { minLength: 2, maxLength: 3 }),
          fc.array(mainEvent, { minLength: 2, maxLength: 12 }),
          async (scripts, events) => {
            await runScenario(shards, owned(scripts), events);
          },
        ),
        { numRuns: runs },
      );
    }, 120_000); // room to shrink a failure: each run starts threads
  }

  it("hold per-client prefixes in every snapshot while 8 clients write at once", async () => {
    const random = fc.sample(
      fc.array(fc.array(step("x"), { minLength: 60, maxLength: 60 }), {
        minLength: 8,
        maxLength: 8,
      }),
      { seed: 42, numRuns: 1 },
    )[0] as Step[][];
    const scripts = owned(random);
    const events = fc.sample(fc.array(mainEvent, { minLength: 40, maxLength: 40 }), {
      seed: 7,
      numRuns: 1,
    })[0] as MainEvent[];
    await runScenario(4, scripts, events);
  });
});
