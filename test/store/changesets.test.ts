// Snapshot history and changesets (the contract's additions) through real worker threads:
// `store.snapshots()`, `snapshot.changes(base)`, `store.apply(changeset)`.
import { unpack } from "msgpackr";
import {
  BadChangesetError,
  dumps,
  loads,
  Snapshot,
  SnapshotReleasedError,
  type Store,
  SwarmStateError,
  type Value,
} from "swarmstate";
import { describe, expect, it } from "vitest";
import { exact } from "../fixtures/msgpack.js";
import { storesClosedAfterEach } from "../fixtures/stores.js";

const { newStore } = storesClosedAfterEach();

/** Decodes keeping 64-bit integers as bigints: re-encoding gives the exact bytes back. */

interface Decoded {
  format: string;
  version: number;
  store: string;
  base: number;
  target: number;
  removed: [string, string][];
  put: [string, string, Value][];
}

/** Entries across namespaces that land on different shards, values of every kind. */
const ENTRIES: [string, string, Value][] = [
  ["agents", "a1", { step: 3, tools: ["search", { name: "fetch", ok: true }] }],
  ["agents", "a2", 2n ** 60n],
  ["memory", "fact", "the sky is blue"],
  ["memory", "small", 5n],
  ["zeta", "", -0],
  ["Beta", "bytes", new Uint8Array([0, 1, 255])],
  ["😀", "k", null],
];

/** What `history` writes after `base`: `null` deletes. */
const CHANGES: [string, string, Value | null][] = [
  ["memory", "fact", null],
  ["zeta", "", null],
  ["agents", "a1", { step: 4 }],
  ["agents", "a0", [1, 2.5, "x"]],
  ["new", "k", { deep: { er: [0] } }],
  ["memory", "small", 5n], // rewritten with the same bytes: no change
];

/** The value each pair holds in `history`'s target, as written (bigints as bigints). */
const TARGET = new Map<string, Value>(ENTRIES.map(([n, k, v]) => [`${n}/${k}`, v]));
for (const [namespace, key, value] of CHANGES) {
  if (value === null) TARGET.delete(`${namespace}/${key}`);
  else TARGET.set(`${namespace}/${key}`, value);
}

/** `empty` (s1), `base` (s2) holding ENTRIES, then `target` (s3) after CHANGES. */
async function history(
  store: Store,
): Promise<{ empty: Snapshot; base: Snapshot; target: Snapshot }> {
  const empty = await store.snapshot();
  await store.setMany(ENTRIES);
  const base = await store.snapshot();
  for (const [namespace, key, value] of CHANGES) {
    if (value === null) await store.delete(namespace, key);
    else await store.set(namespace, key, value);
  }
  const target = await store.snapshot();
  return { empty, base, target };
}

describe.each([0, 1, 4])("snapshot history and changesets with shards: %i", (shards) => {
  it("lists the live snapshots, oldest first, bound to the calling handle", async () => {
    const store = newStore(shards, 3);
    expect(await store.snapshots()).toEqual([]);
    const taken: Snapshot[] = [];
    for (let i = 0; i < 4; i++) {
      await store.set("n", "k", i);
      taken.push(await store.snapshot());
    }
    const listed = await store.snapshots();
    expect(listed.map((s) => s.id)).toEqual([2, 3, 4]); // maxHistory released s1
    for (const snapshot of listed) {
      expect(snapshot).toBeInstanceOf(Snapshot);
      const original = taken[snapshot.id - 1] as Snapshot;
      const { id, parent, timestamp, sizeBytes } = original;
      expect(snapshot).toMatchObject({ id, parent, timestamp, sizeBytes });
      expect(await snapshot.get("n", "k")).toBe(snapshot.id - 1);
    }
    await taken[2]?.release();
    expect((await store.snapshots()).map((s) => s.id)).toEqual([2, 4]);
    // In order with this handle's calls, awaited or not.
    const next = store.snapshot();
    const released = listed[0]?.release();
    const after = store.snapshots();
    await Promise.all([next, released]);
    expect((await after).map((s) => s.id)).toEqual([4, 5]);
  });

  it("writes a changeset any msgpack library reads: sorted like a diff, values as themselves", async () => {
    const store = newStore(shards);
    const { empty, base, target } = await history(store);
    const changeset = await target.changes(base);
    expect(changeset).toBeInstanceOf(Uint8Array);

    const plain = unpack(changeset) as Decoded;
    expect(Object.keys(plain)).toEqual([
      "format",
      "version",
      "store",
      "base",
      "target",
      "removed",
      "put",
    ]);
    expect(plain).toMatchObject({ format: "swarmstate.changeset", version: 1, base: 2, target: 3 });
    expect(typeof plain.store).toBe("string");
    expect(plain.removed).toEqual([
      ["memory", "fact"],
      ["zeta", ""],
    ]);
    expect(plain.put).toEqual([
      ["agents", "a0", [1, 2.5, "x"]],
      ["agents", "a1", { step: 4 }],
      ["new", "k", { deep: { er: [0] } }],
    ]);
    expect(loads(changeset)).toEqual(plain);

    // The lists are the diff's, and each value is exactly its stored encoding.
    const diff = await target.diff(base);
    expect(plain.removed).toEqual(diff.removed);
    const puts = [...diff.added, ...diff.changed].sort(([n1, k1], [n2, k2]) =>
      n1 === n2 ? (k1 < k2 ? -1 : 1) : n1 < n2 ? -1 : 1,
    );
    expect(plain.put.map(([namespace, key]) => [namespace, key])).toEqual(puts);
    const decoded = exact.unpack(await target.changes(empty)) as Decoded;
    expect(decoded.removed).toEqual([]);
    expect(decoded.put.map(([namespace, key]) => [namespace, key])).toEqual(await target.keys());
    expect(decoded.put).toHaveLength(TARGET.size);
    for (const [namespace, key, value] of decoded.put) {
      const written = TARGET.get(`${namespace}/${key}`) as Value;
      expect(dumps(value), `${namespace}/${key}`).toEqual(dumps(written));
    }
    expect(decoded.put.find(([, key]) => key === "small")?.[2]).toBe(5n); // int64, as stored
  });

  it("names the store it comes from, and is empty between equal snapshots", async () => {
    const store = newStore(shards);
    const { base, target } = await history(store);
    const other = newStore(shards);
    const elsewhere = await other.snapshot();
    const ids = [
      (unpack(await target.changes(base)) as Decoded).store,
      (unpack(await base.changes(target)) as Decoded).store,
      (unpack(await elsewhere.changes(elsewhere)) as Decoded).store,
    ];
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(unpack(await target.changes(target))).toMatchObject({ removed: [], put: [] });
  });

  it("applies to a store of any shard count, which then holds the target's contents", async () => {
    const source = newStore(shards);
    const { empty, base, target } = await history(source);
    for (const replicaShards of [0, 4]) {
      const replica = newStore(replicaShards);
      await replica.apply(await base.changes(empty));
      await replica.apply(await target.changes(base));
      await expectSameEntries(replica, target);
      // Backwards too: from target to base.
      await replica.apply(await base.changes(target));
      await expectSameEntries(replica, base);
    }
  });

  it("applies at one point in the caller's order, all at once, overwriting and ignoring absent keys", async () => {
    const source = newStore(shards);
    const { base, target } = await history(source);
    const changeset = await target.changes(base);
    const replica = newStore(shards === 0 ? 4 : 0);
    const calls = [
      replica.set("agents", "a1", "overwritten by the apply"),
      replica.set("zeta", "", "removed by the apply"),
      replica.set("elsewhere", "k", "untouched"),
    ];
    const before = replica.snapshot();
    const applied = replica.apply(changeset);
    const after = replica.snapshot();
    calls.push(replica.set("agents", "a0", "written after the apply"));
    await Promise.all([...calls, applied]);
    expect(await (await after).diff(await before)).toEqual({
      added: [
        ["agents", "a0"],
        ["new", "k"],
      ],
      removed: [["zeta", ""]],
      changed: [["agents", "a1"]],
    });
    expect(await replica.get("agents", "a0")).toBe("written after the apply");
    expect(await replica.get("agents", "a1")).toEqual({ step: 4 });
    expect(await replica.has("zeta", "")).toBe(false);
    expect(await replica.get("elsewhere", "k")).toBe("untouched");
    // memory/fact was never there: removing it was a no-op.
    expect(await replica.keys("memory")).toEqual([]);
  });

  it("refuses bytes that are not a changeset, applying nothing", async () => {
    const source = newStore(shards);
    const { base, target } = await history(source);
    const good = await target.changes(base);
    const store = newStore(shards);
    await store.setMany(ENTRIES);
    const sizeBefore = await store.size();
    // The last value of `put`, { deep: { er: [0] } }, ends with [0] (0x91 0x00): make that a
    // msgpack timestamp (an extension type).
    expect([...good.subarray(-2)]).toEqual([0x91, 0x00]);
    const timestamp = Buffer.concat([good.subarray(0, -2), Buffer.from([0xd6, 0xff, 0, 0, 0, 1])]);
    await expect(store.apply(timestamp)).rejects.toThrow(BadChangesetError);
    await expect(store.apply(timestamp)).rejects.toThrow(
      "apply: changeset.put[2][2].deep.er: an extension type (marker 0xd6) is not a value",
    );
    await expect(store.apply(good.subarray(0, good.length - 1))).rejects.toMatchObject({
      name: "BadChangesetError",
      code: "ERR_SWARMSTATE_BAD_CHANGESET",
    });
    await expect(
      store.apply(dumps({ format: "swarmstate.changeset", version: 2 })),
    ).rejects.toThrow("apply: changeset.version: 2 is not supported");
    await expect(store.apply([1, 2] as never)).rejects.toThrow(
      "apply: changeset must be a Uint8Array, got an array",
    );
    expect(await store.size()).toBe(sizeBefore);
    expect(await store.get("agents", "a1")).toEqual(ENTRIES[0]?.[2]);
    expect(await store.has("new", "k")).toBe(false);
  });

  it("refuses released snapshots and snapshots of another store, as diff does", async () => {
    const store = newStore(shards);
    const { base, target } = await history(store);
    const other = await newStore(shards).snapshot();
    await expect(target.changes(other)).rejects.toThrow(SwarmStateError);
    await expect(target.changes(other)).rejects.toThrow(
      "snapshot.changes: snapshot 1 belongs to another store",
    );
    await expect(target.changes("base" as never)).rejects.toThrow(TypeError);
    await base.release();
    await expect(target.changes(base)).rejects.toThrow(SnapshotReleasedError);
    await expect(base.changes(target)).rejects.toThrow(SnapshotReleasedError);
  });
});

/** The replica holds exactly the entries of `snapshot` (same keys, same encoded values). */
async function expectSameEntries(replica: Store, snapshot: Snapshot): Promise<void> {
  const pairs = await snapshot.keys();
  expect(await (await replica.snapshot()).keys()).toEqual(pairs);
  const values = await replica.getMany(pairs);
  const expected = await Promise.all(pairs.map(([namespace, key]) => snapshot.get(namespace, key)));
  expect(values.map((value) => dumps(value as Value))).toEqual(
    expected.map((value) => dumps(value as Value)),
  );
  expect((await replica.snapshot()).sizeBytes).toBe(snapshot.sizeBytes);
}
