import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BucketMap } from "../../../src/core/state/bucket-map.js";

function contents(map: BucketMap): [string, string][] {
  return [...map.keys()].sort().map((key) => [key, map.get(key) as string]);
}

function withSet(map: BucketMap, key: string, value: string): BucketMap {
  const draft = map.draft();
  draft.set(key, value);
  return draft.finish();
}

function without(map: BucketMap, key: string): BucketMap {
  const draft = map.draft();
  draft.remove(key);
  return draft.finish();
}

describe("BucketMap", () => {
  it("grows through many splits and finds every key", () => {
    let map = BucketMap.EMPTY;
    for (let i = 0; i < 20_000; i++) map = withSet(map, `key-${i}`, `v${i}`);
    expect(map.size).toBe(20_000);
    for (let i = 0; i < 20_000; i += 97) expect(map.get(`key-${i}`)).toBe(`v${i}`);
    expect(map.get("key-20000")).toBeUndefined();
    expect(new Set(map.keys()).size).toBe(20_000);
  });

  it("returns the same map from a draft whose writes changed nothing", () => {
    const map = withSet(BucketMap.EMPTY, "a", "1");
    expect(withSet(map, "a", "1")).toBe(map);
    expect(without(map, "b")).toBe(map);
  });

  it("behaves as a Map and never changes earlier versions (drafts included)", () => {
    const op = fc.oneof(
      fc.tuple(
        fc.constant("set" as const),
        fc.string({ maxLength: 3 }),
        fc.string({ maxLength: 2 }),
      ),
      fc.tuple(fc.constant("remove" as const), fc.string({ maxLength: 3 }), fc.constant("")),
      fc.tuple(
        fc.constant("draft" as const),
        fc.array(fc.tuple(fc.string({ maxLength: 3 }), fc.string({ maxLength: 2 })), {
          maxLength: 40,
        }),
        fc.constant(""),
      ),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), (ops) => {
        let map = BucketMap.EMPTY;
        let model = new Map<string, string>();
        const versions: [BucketMap, [string, string][]][] = [];
        for (const [kind, a, b] of ops) {
          if (kind === "set") {
            map = withSet(map, a, b);
            model.set(a, b);
          } else if (kind === "remove") {
            map = without(map, a);
            model.delete(a);
          } else {
            const draft = map.draft();
            for (const [key, value] of a) {
              expect(draft.set(key, value)).toBe(model.get(key));
              model.set(key, value);
              expect(draft.get(key)).toBe(value);
            }
            expect(draft.size).toBe(model.size);
            map = draft.finish();
          }
          model = new Map(model);
          expect(map.size).toBe(model.size);
          versions.push([map, [...model].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))]);
        }
        for (const [version, expected] of versions) expect(contents(version)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});
