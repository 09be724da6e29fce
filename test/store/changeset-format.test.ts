// The changeset format, pinned: test/fixtures/changeset-v1.msgpack is a version-1 changeset
// written by swarmstate 0.1 for the history below. Every later version must read it (and any
// msgpack library can), and as long as the format stays at version 1 the writer must produce
// exactly these bytes for the same history (the store's random id aside).
import { readFileSync } from "node:fs";
import { unpack } from "msgpackr";
import { dumps, loads, type Snapshot, type Store, type Value } from "swarmstate";
import { describe, expect, it } from "vitest";
import { exact } from "../fixtures/msgpack.js";
import { storesClosedAfterEach } from "../fixtures/stores.js";

const FIXTURE = new Uint8Array(
  readFileSync(new URL("../fixtures/changeset-v1.msgpack", import.meta.url)),
);
const FIXTURE_STORE = "80940099-6998-44bd-8660-4b31588af1ff";

/** What the source store held at `base` (snapshot 1). */
const BASE: [string, string, Value][] = [
  [
    "agents",
    "a1",
    { step: 3, 10: "ten", 2: "two", tools: ["search", { name: "fetch", ok: true }] },
  ],
  ["agents", "a2", 2n ** 60n],
  ["agents", "gone", "removed in the target"],
  ["memory", "fact", "the sky is blue"],
  ["memory", "small", 5n],
  ["😀 ns", "ключ", "unicode"],
];
/** Written between `base` and `target` (snapshot 2); `undefined` deletes. */
const CHANGES: [string, string, Value | undefined][] = [
  ["agents", "gone", undefined],
  ["😀 ns", "ключ", undefined],
  ["agents", "a1", { step: 4, 10: "ten", 2: "two", tools: [] }],
  ["agents", "a3", -0],
  ["agents", "a4", 2 ** 40],
  ["agents", "a5", 1.5],
  ["bytes", "b", new Uint8Array([0, 1, 2, 255])],
  ["long", "text", "x".repeat(40)],
  ["lists", "twenty", Array.from({ length: 20 }, (_, i) => i - 10)],
  [
    "maps",
    "seventeen",
    Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i % 2 === 0])),
  ],
  ["memory", "small", 5n], // the same bytes again: not in the changeset
  ["nil", "", null],
  ["big", "u64", 2n ** 64n - 1n],
  ["big", "i64", -(2n ** 63n)],
];

/** What the store held at `target`, as `[namespace, key, value]`, sorted. */
function targetEntries(): [string, string, Value][] {
  const entries = new Map(BASE.map(([n, k, v]) => [JSON.stringify([n, k]), v]));
  for (const [n, k, v] of CHANGES) {
    if (v === undefined) entries.delete(JSON.stringify([n, k]));
    else entries.set(JSON.stringify([n, k]), v);
  }
  return [...entries]
    .map(([pair, value]): [string, string, Value] => [
      ...(JSON.parse(pair) as [string, string]),
      value,
    ])
    .sort(([n1, k1], [n2, k2]) => (n1 === n2 ? (k1 < k2 ? -1 : 1) : n1 < n2 ? -1 : 1));
}

const { newStore } = storesClosedAfterEach();

async function replay(shards: number): Promise<{ store: Store; base: Snapshot; target: Snapshot }> {
  const store = newStore(shards);
  await store.setMany(BASE);
  const base = await store.snapshot();
  for (const [namespace, key, value] of CHANGES) {
    if (value === undefined) await store.delete(namespace, key);
    else await store.set(namespace, key, value);
  }
  return { store, base, target: await store.snapshot() };
}

describe("the version-1 changeset fixture", () => {
  it("is read by any msgpack library, values as themselves", () => {
    expect(unpack(FIXTURE)).toEqual({
      format: "swarmstate.changeset",
      version: 1,
      store: FIXTURE_STORE,
      base: 1,
      target: 2,
      removed: [
        ["agents", "gone"],
        ["😀 ns", "ключ"],
      ],
      put: [
        ["agents", "a1", { 2: "two", 10: "ten", step: 4, tools: [] }],
        ["agents", "a3", -0],
        ["agents", "a4", 2 ** 40],
        ["agents", "a5", 1.5],
        ["big", "i64", -(2n ** 63n)],
        ["big", "u64", 2n ** 64n - 1n],
        ["bytes", "b", new Uint8Array([0, 1, 2, 255])],
        ["lists", "twenty", Array.from({ length: 20 }, (_, i) => i - 10)],
        ["long", "text", "x".repeat(40)],
        [
          "maps",
          "seventeen",
          Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i % 2 === 0])),
        ],
        ["nil", "", null],
      ],
    });
    expect(loads(FIXTURE)).toEqual(unpack(FIXTURE));
  });

  it.each([0, 3])("applies to a store with shards: %i holding base's contents", async (shards) => {
    const store = newStore(shards);
    const empty = await store.snapshot();
    await store.setMany(BASE);
    await store.apply(FIXTURE);
    const everything = await (await store.snapshot()).changes(empty);
    const { put } = exact.unpack(everything) as { put: [string, string, Value][] };
    // Byte for byte what was written to the source store (5n stays an int64, -0 a float).
    expect(put.map(([n, k, v]) => [n, k, Buffer.from(dumps(v)).toString("hex")])).toEqual(
      targetEntries().map(([n, k, v]) => [n, k, Buffer.from(dumps(v)).toString("hex")]),
    );
  });

  it.each([0, 3])(
    "is what a store with shards: %i writes today for the same history",
    async (shards) => {
      const { target, base } = await replay(shards);
      const ours = Buffer.from(await target.changes(base));
      const store = (unpack(ours) as { store: string }).store;
      expect(store).toHaveLength(FIXTURE_STORE.length);
      const at = ours.indexOf(store);
      ours.write(FIXTURE_STORE, at, "latin1");
      expect(ours.toString("hex")).toBe(Buffer.from(FIXTURE).toString("hex"));
    },
  );
});
