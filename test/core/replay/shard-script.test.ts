import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Op } from "../../../src/core/protocol/batch-format.js";
import { unpackPairs } from "../../../src/core/protocol/pairs.js";
import { applyMutations, Mut, mutationsOfBatch } from "../../../src/core/replay/mutations.js";
import { scriptOf } from "../../../src/core/replay/shard-script.js";
import { Shard } from "../../../src/core/state/shard.js";

// A shard rebuilt from its script must be the same shard: contents, snapshots, every diff, and
// it must go on behaving the same under the same later operations.

type Step =
  | { op: "set"; ns: string; key: string; value: string }
  | { op: "delete"; ns: string; key: string }
  | { op: "clear" }
  | { op: "snapshot" }
  | { op: "restore"; pick: number }
  | { op: "release"; pick: number };

const name = fc.constantFrom("", "a", "b", "c");
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("set" as const),
      ns: name,
      key: name,
      value: fc.constantFrom("1", "2", "33", "\u00ff\u0000"),
    }),
    weight: 8,
  },
  { arbitrary: fc.record({ op: fc.constant("delete" as const), ns: name, key: name }), weight: 2 },
  { arbitrary: fc.constant({ op: "clear" as const }), weight: 1 },
  { arbitrary: fc.constant({ op: "snapshot" as const }), weight: 4 },
  { arbitrary: fc.record({ op: fc.constant("restore" as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }), weight: 3 },
);

/** Runs steps on every shard given, alike; `ids` is the next snapshot id, shared. */
function run(shards: Shard[], steps: Step[], ids: { next: number }): void {
  for (const s of steps) {
    const held = (shards[0] as Shard).heldSizes().map(([id]) => id);
    for (const shard of shards) {
      switch (s.op) {
        case "set":
          shard.set(s.ns, s.key, s.value);
          break;
        case "delete":
          shard.delete(s.ns, s.key);
          break;
        case "clear":
          shard.clear();
          break;
        case "snapshot":
          shard.snapshot(ids.next);
          break;
        case "restore":
          if (held.length > 0) shard.restore(held[s.pick % held.length] as number);
          break;
        case "release":
          if (held.length > 0) shard.release(held[s.pick % held.length] as number);
          break;
      }
    }
    if (s.op === "snapshot") ids.next++;
  }
}

/** Everything observable of a shard. */
function observe(shard: Shard) {
  const current = shard
    .namespaces()
    .map((ns) => [ns, shard.keys(ns).map((k) => [k, shard.get(ns, k)])]);
  const held = shard.heldSizes().sort((a, b) => a[0] - b[0]);
  const snapshots = held.map(([id]) =>
    unpackPairs(shard.snapshotKeys(id)).map(([ns, key]) => [
      ns,
      key,
      shard.snapshotGet(id, ns, key),
    ]),
  );
  const diffs = held.flatMap(([a]) =>
    held.map(([b]) => {
      const { added, removed, changed } = shard.diff(a, b);
      return [unpackPairs(added), unpackPairs(removed), unpackPairs(changed)];
    }),
  );
  return { size: shard.size(), bytes: shard.sizeBytes(), current, held, snapshots, diffs };
}

function rebuild(shard: Shard): Shard {
  const rebuilt = new Shard();
  for (const chunk of scriptOf(shard.capture())) applyMutations(rebuilt, chunk);
  return rebuilt;
}

describe("a shard's script", () => {
  it("rebuilds the same shard, which then behaves the same", () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 80 }),
        fc.array(step, { maxLength: 30 }),
        (before, after) => {
          const ids = { next: 1 };
          const shard = new Shard();
          run([shard], before, ids);
          const rebuilt = rebuild(shard);
          expect(observe(rebuilt)).toEqual(observe(shard));
          run([shard, rebuilt], after, ids);
          expect(observe(rebuilt)).toEqual(observe(shard));
          // And a script of the rebuilt shard rebuilds it again.
          expect(observe(rebuild(rebuilt))).toEqual(observe(shard));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("writes the first snapshot in full and later ones as what changed", () => {
    const shard = new Shard();
    for (let i = 0; i < 100; i++) shard.set("n", `k${i}`, "v");
    shard.snapshot(1);
    shard.set("n", "k1", "w");
    shard.snapshot(2);
    shard.set("n", "k2", "x");
    const mutations = [...scriptOf(shard.capture())].flat();
    const arity: Record<number, number> = { 1: 3, 2: 2, 3: 1, 4: 1, 5: 1, 6: 0 };
    const codes: number[] = [];
    for (let i = 0; i < mutations.length; i += 1 + (arity[mutations[i] as number] as number)) {
      codes.push(mutations[i] as number);
    }
    expect(codes.filter((code) => code === Mut.set)).toHaveLength(100 + 1 + 1);
    expect(codes.filter((code) => code === Mut.snapshot)).toHaveLength(2);
  });

  it("keeps a client's writes (sets, deletes, releases) from a batch, not its reads", () => {
    const ops = [Op.get, "n", "k", Op.set, "n", "k", "v", Op.has, "n", "k", Op.delete, "n", "j"];
    expect(mutationsOfBatch({ ops: [...ops, Op.release, 3, Op.size] })).toEqual([
      Mut.set,
      "n",
      "k",
      "v",
      Mut.delete,
      "n",
      "j",
      Mut.release,
      3,
    ]);
  });
});
