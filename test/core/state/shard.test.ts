import { describe, expect, it } from "vitest";
import { SnapshotReleasedError } from "../../../src/core/errors.js";
import { unpackPairs } from "../../../src/core/protocol/pairs.js";
import { Shard } from "../../../src/core/state/shard.js";

function diffOf(shard: Shard, id: number, baseId: number) {
  const { added, removed, changed } = shard.diff(id, baseId);
  return {
    added: unpackPairs(added),
    removed: unpackPairs(removed),
    changed: unpackPairs(changed),
  };
}

/** A snapshot's pairs as a flat `[ns, key, ns, key, …]` list. */
function keysOf(shard: Shard, id: number): string[] {
  return unpackPairs(shard.snapshotKeys(id)).flat();
}

describe("Shard", () => {
  it("stores, overwrites, deletes and lists entries", () => {
    const shard = new Shard();
    shard.set("b", "k2", "v");
    shard.set("b", "k1", "v");
    shard.set("a", "", "x");
    shard.set("a", "", "y");
    expect(shard.get("a", "")).toBe("y");
    expect(shard.size()).toBe(3);
    expect(shard.keys("b")).toEqual(["k1", "k2"]);
    expect(shard.namespaces()).toEqual(["a", "b"]);
    expect(shard.delete("a", "")).toBe(true);
    expect(shard.delete("a", "")).toBe(false);
    expect(shard.namespaces()).toEqual(["b"]);
    expect(shard.keys("a")).toEqual([]);
  });

  it("keeps snapshots frozen and restores them", () => {
    const shard = new Shard();
    shard.set("n", "k", "1");
    expect(shard.snapshot(1)).toBe(1);
    shard.set("n", "k", "22");
    shard.set("n", "j", "333");
    expect(shard.snapshot(2)).toBe(5);
    expect(shard.snapshotGet(1, "n", "k")).toBe("1");
    expect(keysOf(shard, 2)).toEqual(["n", "j", "n", "k"]);
    shard.restore(1);
    expect(shard.get("n", "k")).toBe("1");
    expect(shard.has("n", "j")).toBe(false);
    shard.clear();
    expect(shard.size()).toBe(0);
    expect(shard.snapshotGet(1, "n", "k")).toBe("1");
  });

  it("diffs along the journal, sorted, and ignores writes that restored a value", () => {
    const shard = new Shard();
    shard.set("n", "same", "s");
    shard.set("n", "gone", "g");
    shard.set("n", "edit", "1");
    shard.snapshot(1);
    shard.set("n", "edit", "2");
    shard.delete("n", "gone");
    shard.set("m", "new", "x");
    shard.set("n", "same", "t");
    shard.set("n", "same", "s");
    shard.snapshot(2);
    expect(diffOf(shard, 2, 1)).toEqual({
      added: [["m", "new"]],
      removed: [["n", "gone"]],
      changed: [["n", "edit"]],
    });
    expect(diffOf(shard, 1, 2)).toEqual({
      added: [["n", "gone"]],
      removed: [["m", "new"]],
      changed: [["n", "edit"]],
    });
  });

  it("diffs exactly across branches made by restore", () => {
    const shard = new Shard();
    shard.set("n", "base", "b");
    shard.snapshot(1);
    shard.set("n", "left", "l");
    shard.snapshot(2);
    shard.restore(1);
    shard.set("n", "right", "r");
    shard.set("n", "base", "B");
    shard.snapshot(3);
    expect(diffOf(shard, 3, 2)).toEqual({
      added: [["n", "right"]],
      removed: [["n", "left"]],
      changed: [["n", "base"]],
    });
  });

  it("diffs across a clear by comparing in full", () => {
    const shard = new Shard();
    shard.set("a", "1", "x");
    shard.set("b", "1", "y");
    shard.snapshot(1);
    shard.clear();
    shard.set("b", "1", "y");
    shard.set("c", "1", "z");
    shard.snapshot(2);
    expect(diffOf(shard, 2, 1)).toEqual({
      added: [["c", "1"]],
      removed: [["a", "1"]],
      changed: [],
    });
  });

  it("frees released snapshots and folds their journals into what follows", () => {
    const shard = new Shard();
    shard.snapshot(1);
    for (let id = 2; id <= 50; id++) {
      shard.set("n", `k${id}`, "v");
      shard.snapshot(id);
      if (id > 3 && id < 40) shard.release(id - 1);
    }
    expect(shard.heldSnapshots).toBe(14); // 1, 2 and 39 … 50
    expect(diffOf(shard, 50, 48).added).toEqual([
      ["n", "k49"],
      ["n", "k50"],
    ]);
    expect(diffOf(shard, 39, 1).added).toHaveLength(38);
  });

  it("keeps a released snapshot only while it joins two branches", () => {
    const shard = new Shard();
    shard.set("n", "a", "1");
    shard.snapshot(1);
    shard.set("n", "b", "1");
    shard.snapshot(2);
    shard.restore(1);
    shard.set("n", "c", "1");
    shard.snapshot(3);
    shard.release(1); // joins branch 2 and branch 3: still needed to diff them
    expect(diffOf(shard, 3, 2)).toEqual({
      added: [["n", "c"]],
      removed: [["n", "b"]],
      changed: [],
    });
    shard.release(2);
    shard.set("n", "d", "1");
    shard.snapshot(4);
    expect(diffOf(shard, 4, 3).added).toEqual([["n", "d"]]);
  });

  it("journals nothing while no snapshot is held, and drops journals no diff can cross", () => {
    const shard = new Shard();
    shard.set("n", "before", "1"); // no snapshot held: not journaled
    shard.snapshot(1);
    shard.set("n", "a", "1");
    shard.snapshot(2);
    shard.set("n", "b", "1");
    shard.snapshot(3);
    shard.release(1); // 2 becomes the root: the journal 1 → 2 is dropped
    expect(diffOf(shard, 3, 2)).toEqual({ added: [["n", "b"]], removed: [], changed: [] });
    shard.release(2);
    shard.release(3);
    shard.set("n", "c", "1"); // nothing held again
    shard.snapshot(4);
    expect(keysOf(shard, 4)).toEqual(["n", "a", "n", "b", "n", "before", "n", "c"]);
    shard.restore(4);
    expect(shard.get("n", "before")).toBe("1");
  });

  it("refuses a snapshot id it does not hold instead of answering from another state", () => {
    const shard = new Shard();
    shard.set("n", "k", "1");
    shard.snapshot(1);
    shard.release(1);
    shard.release(1); // any client may release: twice is a no-op
    expect(() => shard.snapshotGet(1, "n", "k")).toThrow(SnapshotReleasedError);
    expect(() => shard.restore(7)).toThrow(new SnapshotReleasedError("snapshot 7 was released"));
    expect(() => shard.diff(1, 1)).toThrow(SnapshotReleasedError);
    expect(() => shard.snapshot(1)).toThrow("snapshot id 1 is not new to this shard");
  });

  it("shares one history node among snapshots taken with nothing written between them", () => {
    const shard = new Shard();
    shard.set("n", "a", "1");
    shard.snapshot(1);
    shard.snapshot(2); // nothing written since 1
    shard.set("n", "a", "1"); // the same value again: no change
    shard.snapshot(3);
    expect(shard.heldSnapshots).toBe(3);
    expect(shard.heldNodes).toBe(1);
    shard.restore(1);
    shard.snapshot(4); // restored to 1, nothing written: 1's contents again
    expect(shard.heldNodes).toBe(1);
    shard.set("n", "b", "2");
    shard.snapshot(5);
    expect(shard.heldNodes).toBe(2);
    // The shared node lives while any of its snapshots does.
    for (const id of [1, 2, 3]) shard.release(id);
    expect(keysOf(shard, 4)).toEqual(["n", "a"]);
    expect(diffOf(shard, 5, 4)).toEqual({ added: [["n", "b"]], removed: [], changed: [] });
    shard.release(4);
    expect(shard.heldNodes).toBe(1);
    expect(keysOf(shard, 5)).toEqual(["n", "a", "n", "b"]);
  });

  it("does not reuse a released head once its journal was folded into the one before", () => {
    const shard = new Shard();
    shard.snapshot(1);
    shard.set("n", "x", "1");
    shard.snapshot(2);
    shard.release(2); // the head's writes fold back onto snapshot 1
    shard.snapshot(3); // must hold x, so it cannot be snapshot 1's node
    expect(keysOf(shard, 3)).toEqual(["n", "x"]);
    expect(diffOf(shard, 3, 1)).toEqual({ added: [["n", "x"]], removed: [], changed: [] });
  });
});
