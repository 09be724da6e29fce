import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { unpackPairs } from "../../../src/core/protocol/pairs.js";
import { Shard } from "../../../src/core/state/shard.js";

// A shard against the simplest possible model: a plain Map copied whole at every snapshot.
type Contents = Map<string, string>; // "namespace\u0000key" -> value

type Step =
  | { op: "set"; ns: string; key: string; value: string }
  | { op: "setMany"; writes: [string, string, string][] }
  | { op: "delete"; ns: string; key: string }
  | { op: "clear" }
  | { op: "snapshot" }
  | { op: "restore"; pick: number }
  | { op: "release"; pick: number }
  | { op: "diff"; a: number; b: number };

const name = fc.constantFrom("", "a", "b", "c");
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("set" as const),
      ns: name,
      key: name,
      value: fc.constantFrom("1", "2", "33"),
    }),
    weight: 6,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("setMany" as const),
      writes: fc.array(fc.tuple(name, name, fc.constantFrom("1", "2", "33")), { maxLength: 6 }),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant("delete" as const), ns: name, key: name }), weight: 2 },
  { arbitrary: fc.constant({ op: "clear" as const }), weight: 1 },
  { arbitrary: fc.constant({ op: "snapshot" as const }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant("restore" as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("release" as const), pick: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({ op: fc.constant("diff" as const), a: fc.nat(), b: fc.nat() }),
    weight: 3,
  },
);

function modelDiff(base: Contents, target: Contents) {
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const all = [...new Set([...base.keys(), ...target.keys()])].sort(byPair);
  for (const id of all) {
    const [ns, key] = id.split("\u0000") as [string, string];
    const before = base.get(id);
    const after = target.get(id);
    if (before === after) continue;
    const list = before === undefined ? added : after === undefined ? removed : changed;
    list.push(ns, key);
  }
  return { added, removed, changed };
}

function byPair(x: string, y: string): number {
  const [xn, xk] = x.split("\u0000") as [string, string];
  const [yn, yk] = y.split("\u0000") as [string, string];
  if (xn !== yn) return xn < yn ? -1 : 1;
  return xk < yk ? -1 : xk > yk ? 1 : 0;
}

describe("Shard against a copying model", () => {
  it("agrees on contents, snapshots and diffs for any sequence of operations", () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const shard = new Shard();
        let current: Contents = new Map();
        const held = new Map<number, Contents>();
        let nextId = 1;
        const ids = () => [...held.keys()];
        for (const s of steps) {
          switch (s.op) {
            case "set":
              shard.set(s.ns, s.key, s.value);
              current.set(`${s.ns}\u0000${s.key}`, s.value);
              break;
            case "setMany":
              for (const [ns, key, value] of s.writes) shard.set(ns, key, value);
              for (const [ns, key, value] of s.writes) current.set(`${ns}\u0000${key}`, value);
              break;
            case "delete":
              expect(shard.delete(s.ns, s.key)).toBe(current.delete(`${s.ns}\u0000${s.key}`));
              break;
            case "clear":
              shard.clear();
              current = new Map();
              break;
            case "snapshot":
              shard.snapshot(nextId);
              held.set(nextId++, new Map(current));
              break;
            case "restore": {
              if (held.size === 0) break;
              const id = ids()[s.pick % held.size] as number;
              shard.restore(id);
              current = new Map(held.get(id));
              break;
            }
            case "release": {
              if (held.size === 0) break;
              const id = ids()[s.pick % held.size] as number;
              shard.release(id);
              held.delete(id);
              break;
            }
            case "diff": {
              if (held.size === 0) break;
              const a = ids()[s.a % held.size] as number;
              const b = ids()[s.b % held.size] as number;
              const { added, removed, changed } = shard.diff(a, b);
              const flat = {
                added: unpackPairs(added),
                removed: unpackPairs(removed),
                changed: unpackPairs(changed),
              };
              expect({
                added: flat.added.flat(),
                removed: flat.removed.flat(),
                changed: flat.changed.flat(),
              }).toEqual(modelDiff(held.get(b) as Contents, held.get(a) as Contents));
              break;
            }
          }
          expect(shard.size()).toBe(current.size);
          const namespaces = new Set([...current.keys()].map((k) => k.split("\u0000")[0]));
          expect(shard.namespaces()).toEqual([...namespaces].sort());
          // Released snapshots are gone from the shard, not merely hidden; snapshots taken with
          // nothing written between them share one history node.
          expect(shard.heldSnapshots).toBe(held.size);
          expect(shard.heldNodes).toBeLessThanOrEqual(held.size);
          if (held.size === 0) expect(shard.heldNodes).toBe(0);
        }
        for (const [id, contents] of held) {
          const pairs = [...contents.keys()].sort(byPair).flatMap((k) => k.split("\u0000"));
          expect(unpackPairs(shard.snapshotKeys(id)).flat()).toEqual(pairs);
          for (const [pair, value] of contents) {
            const [ns, key] = pair.split("\u0000") as [string, string];
            expect(shard.snapshotGet(id, ns, key)).toBe(value);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
