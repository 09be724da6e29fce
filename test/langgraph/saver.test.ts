/**
 * `SwarmStateSaver` beyond LangGraph's conformance suite (validation/): what it stores, its
 * versions, write semantics, deletion, refusals, `changedChannels`, and a `RemoteStore`.
 */
import { type Checkpoint, ERROR, emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectStore, exposeStore, Store } from "../../dist/index.js";
import { SwarmStateSaver } from "../../dist/langgraph/index.js";
import { collect } from "../fixtures/collect.js";

const meta = { source: "loop" as const, step: 0, parents: {} };
const at = (thread_id: string, checkpoint_id?: string) => ({
  configurable: { thread_id, checkpoint_ns: "", ...(checkpoint_id ? { checkpoint_id } : {}) },
});

function checkpoint(values: Record<string, unknown>, versions: Record<string, number>): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(0), channel_values: values, channel_versions: versions };
}

describe("SwarmStateSaver", () => {
  let store: Store;
  let count = 0;
  const fresh = () => new SwarmStateSaver({ store, prefix: `saver-test${++count}` });
  beforeAll(() => {
    store = new Store({ shards: 2 });
  });
  afterAll(() => store.close());

  it("stores a value once per version, and reads each checkpoint's values back", async () => {
    const saver = fresh();
    const big = "x".repeat(50_000);
    let config = await saver.put(at("t"), checkpoint({ big, n: 0 }, { big: 1, n: 1 }), meta, {
      big: 1,
      n: 1,
    });
    const sizeAfterFirst = (await store.snapshot()).sizeBytes;
    for (let n = 1; n <= 5; n++) {
      const next = checkpoint({ big, n }, { big: 1, n: n + 1 });
      config = await saver.put(config, next, { ...meta, step: n }, { n: n + 1 });
    }
    const grown = (await store.snapshot()).sizeBytes - sizeAfterFirst;
    expect(grown).toBeLessThan(5 * 1000); // five small records and values, not five copies of 50 KB
    const history = await collect(saver.list(at("t")));
    expect(history.map((t) => t.checkpoint.channel_values.n)).toEqual([5, 4, 3, 2, 1, 0]);
    expect(history.every((t) => t.checkpoint.channel_values.big === big)).toBe(true);
    expect(await store.keys(`${saver.prefix}.blobs:["t",""]`)).toHaveLength(7);
  });

  it("gives every tuple values of its own, also where checkpoints share a stored value", async () => {
    const saver = fresh();
    const first = await saver.put(at("t"), checkpoint({ doc: { tags: ["a"] } }, { doc: 1 }), meta, {
      doc: 1,
    });
    await saver.put(first, checkpoint({ doc: { tags: ["a"] } }, { doc: 1 }), meta, {});
    const [newer, older] = await collect(saver.list(at("t")));
    if (newer === undefined) throw new Error("no checkpoint listed");
    (newer.checkpoint.channel_values.doc as { tags: string[] }).tags.push("changed");
    expect(older?.checkpoint.channel_values.doc).toEqual({ tags: ["a"] });
    expect((await saver.getTuple(at("t")))?.checkpoint.channel_values.doc).toEqual({ tags: ["a"] });
  });

  it("makes versions that increase by one step and differ between two calls", () => {
    const saver = fresh();
    const [a, b] = [saver.getNextVersion(3), saver.getNextVersion(3)];
    expect(Math.floor(a)).toBe(4);
    expect(Math.floor(b)).toBe(4);
    expect(a).not.toBe(b);
    expect(Math.floor(saver.getNextVersion(undefined))).toBe(1);
    expect(saver.getNextVersion(a)).toBeGreaterThan(a);
  });

  it("keeps a task's first write at an index, and its last write to a special channel", async () => {
    const saver = fresh();
    const config = await saver.put(at("t"), checkpoint({}, {}), meta, {});
    await saver.putWrites(
      config,
      [
        ["a", 1],
        [ERROR, "first"],
        ["constructor", 1], // an ordinary channel, though Object.prototype has the name
      ],
      "task",
    );
    await saver.putWrites(
      config,
      [
        ["a", 2],
        [ERROR, "second"],
        ["constructor", 2],
      ],
      "task",
    );
    expect((await saver.getTuple(config))?.pendingWrites).toEqual([
      ["task", ERROR, "second"],
      ["task", "a", 1],
      ["task", "constructor", 1],
    ]);
  });

  it("returns pending writes in task path, task id, index order", async () => {
    const saver = fresh();
    const config = await saver.put(at("t"), checkpoint({}, {}), meta, {});
    await saver.putWrites(
      config,
      [
        ["c", 1],
        ["c", 2],
      ],
      "task-b",
      "~path-2",
    );
    await saver.putWrites(config, [["c", 3]], "task-z", "~path-1");
    await saver.putWrites(config, [["c", 4]], "task-a", "~path-2");
    const writes = (await saver.getTuple(config))?.pendingWrites ?? [];
    expect(writes.map((w) => w[2])).toEqual([3, 4, 1, 2]);
  });

  it("deletes every namespace of a thread and nothing of another", async () => {
    const saver = fresh();
    for (const thread of ["gone", "kept"]) {
      for (const ns of ["", "sub:1"]) {
        const config = { configurable: { thread_id: thread, checkpoint_ns: ns } };
        const stored = await saver.put(config, checkpoint({ v: 1 }, { v: 1 }), meta, { v: 1 });
        await saver.putWrites(stored, [["v", 2]], "task");
      }
    }
    await saver.deleteThread("gone");
    const names = await store.namespaces();
    expect(names.filter((n) => n.startsWith(saver.prefix) && n.includes('"gone"'))).toEqual([]);
    const left = await collect(saver.list({}));
    expect(left).toHaveLength(2);
    expect(left.map((t) => t.config.configurable?.thread_id)).toEqual(["kept", "kept"]);
  });

  it("filters list by metadata, comparing values deeply", async () => {
    const saver = fresh();
    await saver.put(at("t"), checkpoint({}, {}), { ...meta, parents: { "": "p" } }, {});
    await saver.put(at("t"), checkpoint({}, {}), meta, {});
    const found = await collect(saver.list(at("t"), { filter: { parents: { "": "p" } } }));
    expect(found.map((t) => t.metadata?.parents)).toEqual([{ "": "p" }]);
  });

  it("says which channels changed, by stored bytes, also across threads", async () => {
    const saver = fresh();
    const first = await saver.put(at("a"), checkpoint({ x: 1, y: 1 }, { x: 1, y: 1 }), meta, {
      x: 1,
      y: 1,
    });
    // y written again with the same value: a new version, but no change.
    const second = await saver.put(first, checkpoint({ y: 1, z: 1 }, { x: 2, y: 2, z: 2 }), meta, {
      x: 2,
      y: 2,
      z: 2,
    });
    expect(await saver.changedChannels(first, second)).toEqual({
      added: ["z"],
      removed: ["x"],
      changed: [],
    });
    const other = await saver.put(at("b"), checkpoint({ y: 2, z: 1 }, { y: 1, z: 2 }), meta, {
      y: 1,
      z: 2,
    });
    expect(await saver.changedChannels(second, other)).toEqual({
      added: [],
      removed: [],
      changed: ["y"],
    });
    await expect(saver.changedChannels(at("nothing"), second)).rejects.toThrow(
      /from: no checkpoint/,
    );
  });

  it("refuses bad arguments, naming them", async () => {
    const saver = fresh();
    const bad = { configurable: { thread_id: 7 } };
    await expect(saver.put(bad, checkpoint({}, {}), meta, {})).rejects.toThrow(
      /config.configurable.thread_id must be a string, got number 7/,
    );
    await expect(saver.putWrites(at("t"), [], "task")).rejects.toThrow(
      /config.configurable.checkpoint_id is missing/,
    );
    await expect(saver.list(at("t"), { limit: "2" as unknown as number }).next()).rejects.toThrow(
      /options.limit/,
    );
    expect(() => new SwarmStateSaver({ store, prefix: "" })).toThrow(/options.prefix/);
    expect(() => new SwarmStateSaver({} as never)).toThrow(/options.store/);
  });

  it("works through a RemoteStore", async () => {
    const remote = await connectStore(exposeStore(store));
    const saver = new SwarmStateSaver({ store: remote, prefix: `saver-test${++count}` });
    const config = await saver.put(at("t"), checkpoint({ v: "x" }, { v: 1 }), meta, { v: 1 });
    expect((await saver.getTuple(config))?.checkpoint.channel_values).toEqual({ v: "x" });
    await remote.close();
  });
});
