import { afterEach, describe, expect, it } from "vitest";
import { CutRefused, RefusingStore } from "../fixtures/refusing-store.js";

const open: RefusingStore[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

function refusingStore(shards: number, maxHistory: number | null = null): RefusingStore {
  const store = new RefusingStore(shards, maxHistory);
  open.push(store);
  return store;
}

const described = (snapshots: { id: number; parent: number | null }[]) =>
  snapshots.map(({ id, parent }) => ({ id, parent }));

describe.each([0, 2])("a cut a shard refuses, with shards: %i", (shards) => {
  it("leaves ids, parents, snapshots() and maxHistory's releases as they were", async () => {
    const store = refusingStore(shards, 2);
    const s1 = await store.snapshot();
    await store.set("a", "k", 1);
    const s2 = await store.snapshot();
    await store.set("b", "k", 2);
    store.refuseNextCut(1);
    await expect(store.snapshot()).rejects.toThrow(CutRefused);
    // Nothing was released for the snapshot that was not taken, and no id was used up.
    expect(described(await store.snapshots())).toEqual([
      { id: 1, parent: null },
      { id: 2, parent: 1 },
    ]);
    expect(await s1.keys()).toEqual([]);
    expect(await s2.diff(s1)).toEqual({ added: [["a", "k"]], removed: [], changed: [] });
    const s3 = await store.snapshot();
    expect({ id: s3.id, parent: s3.parent }).toEqual({ id: 3, parent: 2 });
    expect(described(await store.snapshots())).toEqual([
      { id: 2, parent: 1 },
      { id: 3, parent: 2 },
    ]);
    await expect(s1.keys()).rejects.toMatchObject({ name: "SnapshotReleasedError" });
    expect(await s3.keys()).toEqual([
      ["a", "k"],
      ["b", "k"],
    ]);
  });

  it("leaves the store as it was for restore, clear and apply, and goes on", async () => {
    const store = refusingStore(shards);
    await store.setMany([
      ["a", "k", 1],
      ["b", "k", 2],
    ]);
    const base = await store.snapshot();
    await store.set("c", "k", 3);
    const target = await store.snapshot();
    await store.delete("a", "k");
    const changeset = await target.changes(base);
    for (const [index, refused] of [
      () => store.restore(base),
      () => store.clear(),
      () => store.apply(changeset),
    ].entries()) {
      store.refuseNextCut(index);
      const call = refused();
      const after = store.set("d", "k", index); // made during the refused cut: applied after it
      await expect(call).rejects.toThrow(CutRefused);
      await after;
      expect(
        await store.getMany([
          ["a", "k"],
          ["b", "k"],
          ["c", "k"],
          ["d", "k"],
        ]),
      ).toEqual([undefined, 2, 3, index]);
    }
    await store.restore(base); // and the next cut goes ahead
    expect(await store.size()).toBe(2);
  });
});
