/**
 * A replica kept in step by changesets: after each checkpoint of the source, the replica applies
 * `checkpoint.changes(mirrored)`, where `mirrored` is the source snapshot it last caught up with,
 * across restores (branches) and clears, between stores of different shard counts. After every
 * apply the replica holds exactly that checkpoint's entries: the same pairs, the same encoded
 * bytes (read back through `changes` from an empty snapshot of each store, decoded keeping
 * 64-bit integers as bigints, so that `5n` and `5` stay apart).
 */
import fc from "fast-check";
import type { Snapshot, Value } from "swarmstate";
import { describe, expect, it } from "vitest";
import { exact } from "../fixtures/msgpack.js";
import { storesClosedAfterEach } from "../fixtures/stores.js";

/** Every entry a snapshot holds, exactly, read as a changeset from an empty snapshot. */
async function entriesOf(snapshot: Snapshot, empty: Snapshot): Promise<unknown[]> {
  return (exact.unpack(await snapshot.changes(empty)) as { put: unknown[] }).put;
}

type Step =
  | { kind: "write"; items: [string, string, Value | null][] }
  | { kind: "clear" }
  | { kind: "checkpoint" }
  | { kind: "restore"; back: number }
  | { kind: "release"; back: number };

const NAMESPACES = ["a", "b", "c", "d", "e", "f", "😀"];
const valueArb: fc.Arbitrary<Value | null> = fc.oneof(
  fc.constant(null), // a delete
  fc.constantFrom<Value>(
    5n,
    5,
    2n ** 60n,
    -0,
    0,
    1.5,
    "x",
    { step: 1 },
    [1, [2]],
    new Uint8Array([7]),
  ),
  fc.integer(),
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(
        fc.tuple(fc.constantFrom(...NAMESPACES), fc.constantFrom("k1", "k2", "k3", ""), valueArb),
        {
          minLength: 1,
          maxLength: 12,
        },
      )
      .map((items) => ({ kind: "write" as const, items })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "clear" as const }) },
  { weight: 4, arbitrary: fc.constant({ kind: "checkpoint" as const }) },
  { weight: 2, arbitrary: fc.nat({ max: 4 }).map((back) => ({ kind: "restore" as const, back })) },
  { weight: 1, arbitrary: fc.nat({ max: 4 }).map((back) => ({ kind: "release" as const, back })) },
);

const { newStore, closeAll } = storesClosedAfterEach();

/** Runs `steps` on a new source, keeping a new replica in step; checks it after every apply. */
async function keepInStep(sourceShards: number, replicaShards: number, steps: Step[]) {
  const source = newStore(sourceShards);
  const replica = newStore(replicaShards);
  const sourceEmpty = await source.snapshot();
  const replicaEmpty = await replica.snapshot();
  let mirrored = sourceEmpty;
  /** Checkpoints still held, oldest first (never the mirrored one: it is released when left). */
  const held: Snapshot[] = [];
  const checkpoint = async () => {
    const taken = await source.snapshot();
    await replica.apply(await taken.changes(mirrored));
    const copy = await replica.snapshot();
    expect(await entriesOf(copy, replicaEmpty)).toEqual(await entriesOf(taken, sourceEmpty));
    await copy.release();
    if (mirrored !== sourceEmpty && !held.includes(mirrored)) await mirrored.release();
    mirrored = taken;
    held.push(taken);
  };
  for (const step of steps) {
    switch (step.kind) {
      case "write":
        await Promise.all(
          step.items.map(([namespace, key, value]) =>
            value === null ? source.delete(namespace, key) : source.set(namespace, key, value),
          ),
        );
        break;
      case "clear":
        await source.clear();
        break;
      case "checkpoint":
        await checkpoint();
        break;
      case "restore": {
        const target = held[held.length - 1 - (step.back % Math.max(1, held.length))];
        if (target !== undefined) await source.restore(target);
        break;
      }
      case "release": {
        const index = held.length - 1 - (step.back % Math.max(1, held.length));
        const [released] = index >= 0 ? held.splice(index, 1) : [];
        if (released !== undefined && released !== mirrored) await released.release();
        break;
      }
    }
  }
  await checkpoint();
  expect(await replica.size()).toBe(await source.size());
}

describe("a replica kept in step by changesets", () => {
  it.each([
    [4, 0],
    [0, 4],
    [1, 3],
  ])("from shards: %i to shards: %i, across restores and clears", async (from, to) => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 5, maxLength: 40 }), async (steps) => {
        try {
          await keepInStep(from, to, steps);
        } finally {
          await closeAll();
        }
      }),
      { seed: 42 + from * 10 + to, numRuns: 4 },
    );
  });

  it("ends with exactly the source's entries after a long history", async () => {
    const steps = fc.sample(fc.array(stepArb, { minLength: 200, maxLength: 200 }), {
      seed: 7,
      numRuns: 1,
    })[0] as Step[];
    await keepInStep(2, 0, steps);
  });
});
