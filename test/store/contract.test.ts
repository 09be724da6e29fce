import { Snapshot } from "swarmstate";
import { describe, expect, it } from "vitest";
import { postgresForThisFile } from "../fixtures/postgres.js";
import { storesClosedAfterEach } from "../fixtures/stores.js";

const postgres = postgresForThisFile();

// The same contract for a store of one process and a replicated one (its writes through a log
// in Postgres: test/replication holds what only replicas do).
// A replica runs the contract with shards in its own thread and in workers (its log is what
// differs), a store of one process with every kind of shard count.
describe.each([
  ["in one process", undefined, [0, 1, 3]],
  ["replicated", () => postgres().url, [0, 3]],
] as const)("%s", (_, replicatedAt, shardCounts) => {
  const { newStore } = storesClosedAfterEach(replicatedAt);

  describe.each(shardCounts)("the contract with shards: %i", (shards) => {
    it("runs the design's own example", async () => {
      const store = newStore(shards);
      await store.set("workflow", "onboarding", { step: 3 });
      const snap = await store.snapshot();
      await store.set("workflow", "onboarding", { step: 4 });
      expect(await store.get("workflow", "onboarding")).toEqual({ step: 4 });
      await store.restore(snap);
      expect(await store.get("workflow", "onboarding")).toEqual({ step: 3 });

      await store.set("n", "removed_key", 0);
      await store.set("n", "changed_key", 0);
      const base = await store.snapshot();
      await store.set("n", "added_key", 1);
      await store.delete("n", "removed_key");
      await store.set("n", "changed_key", 1);
      const later = await store.snapshot();
      expect(await later.diff(base)).toEqual({
        added: [["n", "added_key"]],
        removed: [["n", "removed_key"]],
        changed: [["n", "changed_key"]],
      });
    });

    it("exposes its options and codec", () => {
      const store = newStore(shards, 5);
      expect(store.shards).toBe(shards);
      expect(store.maxHistory).toBe(5);
      expect(store.codec).toBe("msgpack");
    });

    it("answers reads, sorted listings and counts across shards", async () => {
      const store = newStore(shards);
      await store.setMany([
        ["zeta", "b", 1],
        ["alpha", "b", 2],
        ["alpha", "a", 3],
        ["", "", "empty names are names"],
        ["Beta", "x", null],
      ]);
      expect(await store.namespaces()).toEqual(["", "Beta", "alpha", "zeta"]);
      expect(await store.keys("alpha")).toEqual(["a", "b"]);
      expect(await store.keys("nope")).toEqual([]);
      expect(await store.size()).toBe(5);
      expect(await store.get("", "")).toBe("empty names are names");
      expect(await store.get("Beta", "x")).toBeNull();
      expect(await store.has("Beta", "x")).toBe(true);
      expect(await store.get("missing", "k")).toBeUndefined();
      expect(await store.get("missing", "k", "fallback")).toBe("fallback");
      expect(
        await store.getMany([
          ["zeta", "b"],
          ["no", "pe"],
          ["alpha", "a"],
        ]),
      ).toEqual([1, undefined, 3]);
      expect(await store.delete("zeta", "b")).toBe(true);
      expect(await store.delete("zeta", "b")).toBe(false);
      expect(await store.namespaces()).toEqual(["", "Beta", "alpha"]);
      await store.clear();
      expect(await store.size()).toBe(0);
      expect(await store.namespaces()).toEqual([]);
    });

    it("keeps its own copy of values and returns a fresh one each time", async () => {
      const store = newStore(shards);
      const value = { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) };
      await store.set("n", "k", value);
      value.list.push(3);
      value.bytes[0] = 9;
      const first = (await store.get("n", "k")) as typeof value;
      expect(first.list).toEqual([1, 2]);
      expect(first.bytes).toBeInstanceOf(Uint8Array);
      expect([...first.bytes]).toEqual([1, 2, 3]);
      first.list.push(4);
      first.bytes[1] = 9;
      const second = (await store.get("n", "k")) as typeof value;
      expect(second.list).toEqual([1, 2]);
      expect([...second.bytes]).toEqual([1, 2, 3]);
      await store.set("n", "big", 2n ** 60n);
      await store.set("n", "small", 5n);
      expect(
        await store.getMany([
          ["n", "big"],
          ["n", "small"],
        ]),
      ).toEqual([2n ** 60n, 5]);
    });

    it("applies unawaited calls in call order, and snapshots hold exactly the calls before them", async () => {
      const store = newStore(shards);
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 2000; i++) calls.push(store.set(`ns${i % 13}`, "k", i));
      const mid = store.snapshot();
      calls.push(store.delete("ns0", "k"), store.set("ns1", "k", "after"));
      const sizeNow = store.size();
      const end = store.snapshot();
      await Promise.all(calls);
      expect(await sizeNow).toBe(12);
      const [a, b] = await Promise.all([mid, end]);
      expect(await a.get("ns0", "k")).toBe(1989);
      expect(await a.get("ns1", "k")).toBe(1990);
      expect(await b.get("ns1", "k")).toBe("after");
      expect(await b.diff(a)).toEqual({
        added: [],
        removed: [["ns0", "k"]],
        changed: [["ns1", "k"]],
      });
    });

    it("describes snapshots: ids, parents, timestamps, sizes and keys", async () => {
      const store = newStore(shards);
      const before = Date.now() / 1000;
      const first = await store.snapshot();
      await store.set("n", "a", "xyz"); // 4 encoded bytes
      await store.set("m", "b", 1); // 1 encoded byte
      const second = await store.snapshot();
      expect(first).toBeInstanceOf(Snapshot);
      expect([first.id, first.parent, second.id, second.parent]).toEqual([1, null, 2, 1]);
      // In seconds since the epoch, taken while the call ran.
      expect(first.timestamp).toBeGreaterThanOrEqual(before - 1);
      expect(second.timestamp).toBeGreaterThanOrEqual(first.timestamp);
      expect(second.timestamp).toBeLessThanOrEqual(Date.now() / 1000 + 1);
      expect([first.sizeBytes, second.sizeBytes]).toEqual([0, 5]);
      expect(await second.keys()).toEqual([
        ["m", "b"],
        ["n", "a"],
      ]);
      expect(await first.keys()).toEqual([]);
      expect(await second.get("n", "a")).toBe("xyz");
      expect(await first.get("n", "a", "none")).toBe("none");
    });

    it("never lets later writes, restores or clears change a snapshot", async () => {
      const store = newStore(shards);
      await store.set("n", "k", 1);
      const snap = await store.snapshot();
      await store.set("n", "k", 2);
      await store.clear();
      const empty = await store.snapshot();
      await store.restore(empty);
      expect(await snap.get("n", "k")).toBe(1);
      expect(await snap.keys()).toEqual([["n", "k"]]);
      expect(await store.size()).toBe(0);
      expect(await snap.diff(empty)).toEqual({ added: [["n", "k"]], removed: [], changed: [] });
    });

    it("diffs exactly across restores (branches)", async () => {
      const store = newStore(shards);
      await store.setMany([
        ["a", "1", 1],
        ["b", "1", 1],
      ]);
      const root = await store.snapshot();
      await store.set("a", "left", true);
      const left = await store.snapshot();
      await store.restore(root);
      await store.set("b", "1", 2);
      await store.set("c", "right", true);
      const right = await store.snapshot();
      expect(await right.diff(left)).toEqual({
        added: [["c", "right"]],
        removed: [["a", "left"]],
        changed: [["b", "1"]],
      });
      expect(await left.diff(left)).toEqual({ added: [], removed: [], changed: [] });
    });

    it("releases snapshots on request and beyond maxHistory", async () => {
      const store = newStore(shards, 2);
      const s1 = await store.snapshot();
      await store.set("n", "k", 1);
      const s2 = await store.snapshot();
      await store.set("n", "k", 2);
      const s3 = await store.snapshot();
      await expect(s1.get("n", "k")).rejects.toThrow("snapshot 1 was released");
      await expect(store.restore(s1)).rejects.toMatchObject({ name: "SnapshotReleasedError" });
      await s2.release();
      await s2.release(); // releasing twice is harmless
      await expect(s2.diff(s3)).rejects.toMatchObject({ name: "SnapshotReleasedError" });
      await expect(s3.diff(s2)).rejects.toMatchObject({ name: "SnapshotReleasedError" });
      expect(await s3.get("n", "k")).toBe(2);
    });

    it("lists a snapshot in a snapshots() asked for before its release, and not after", async () => {
      const store = newStore(shards);
      const s1 = await store.snapshot();
      const before = [store.snapshots(), store.snapshots()];
      const released = s1.release();
      const after = store.snapshots();
      await released;
      for (const listed of await Promise.all(before)) {
        expect(listed.map((snapshot) => snapshot.id)).toEqual([1]);
      }
      expect(await after).toEqual([]);
    });
  });
});
