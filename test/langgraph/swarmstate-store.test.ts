/**
 * `SwarmStateStore` where it deliberately differs from `InMemoryStore` or goes beyond it (the
 * rest is store-differential.test.ts): refusals, values, listing emptied namespaces, sharing a
 * store, and what a store snapshot does for memories.
 */
import { InvalidNamespaceError } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Store, SwarmStateError } from "../../dist/index.js";
import { SwarmStateSaver, SwarmStateStore } from "../../dist/langgraph/index.js";

describe.each([0, 2])("SwarmStateStore (shards %i)", (shards) => {
  let store: Store;
  let count = 0;
  const fresh = () => new SwarmStateStore({ store, prefix: `store-test${++count}` });
  beforeAll(() => {
    store = new Store({ shards });
  });
  afterAll(() => store.close());

  it("refuses a search by query: there is no vector index", async () => {
    const memory = fresh();
    await memory.put(["docs"], "d1", { text: "python tutorial" });
    await expect(memory.search(["docs"], { query: "python" })).rejects.toThrow(SwarmStateError);
    await expect(memory.search(["docs"], { query: "python" })).rejects.toThrow(/no vector index/);
    expect(await memory.search(["docs"], { query: "" })).toHaveLength(1);
  });

  it("refuses a value swarmstate cannot store, naming where, and changes nothing", async () => {
    const memory = fresh();
    await memory.put(["users"], "u1", { n: 1 });
    const refused = memory.batch([
      { namespace: ["users"], key: "u1", value: null },
      { namespace: ["users"], key: "u2", value: { when: new Date(0) } },
    ]);
    await expect(refused).rejects.toThrow(TypeError);
    await expect(refused).rejects.toThrow(/when: Date is not supported/);
    expect((await memory.get(["users"], "u1"))?.value).toEqual({ n: 1 });
    expect(await memory.get(["users"], "u2")).toBeNull();
  });

  it("applies LangGraph's namespace rules (put refuses the reserved root)", async () => {
    const memory = fresh();
    await expect(memory.put(["langgraph"], "k", { n: 1 })).rejects.toThrow(InvalidNamespaceError);
    await expect(memory.put(["a.b"], "k", { n: 1 })).rejects.toThrow(InvalidNamespaceError);
    await expect(memory.get([], "k")).rejects.toThrow(InvalidNamespaceError);
  });

  it("lists only namespaces that hold items", async () => {
    const memory = fresh();
    await memory.put(["users", "u1"], "a", { n: 1 });
    await memory.put(["users", "u2"], "a", { n: 1 });
    await memory.delete(["users", "u1"], "a");
    await memory.delete(["never", "written"], "a");
    expect(await memory.listNamespaces()).toEqual([["users", "u2"]]);
    expect(await memory.listNamespaces({ suffix: ["*"], maxDepth: 1 })).toEqual([["users"]]);
  });

  it("keeps createdAt across updates and moves updatedAt", async () => {
    const memory = fresh();
    const created = Date.UTC(2026, 0, 1);
    // Only the clock is fake: the store's messages and timers run as ever.
    vi.useFakeTimers({ toFake: ["Date"], now: created });
    try {
      await memory.put(["users"], "u1", { n: 1 });
      vi.setSystemTime(created + 60_000);
      await memory.put(["users"], "u1", { n: 2 });
    } finally {
      vi.useRealTimers();
    }
    const item = await memory.get(["users"], "u1");
    expect(item?.value).toEqual({ n: 2 });
    expect(item?.createdAt).toEqual(new Date(created));
    expect(item?.updatedAt).toEqual(new Date(created + 60_000));
  });

  it("shares a store with a saver under the same prefix, and a snapshot covers both", async () => {
    const prefix = `shared${++count}`;
    const memory = new SwarmStateStore({ store, prefix });
    const saver = new SwarmStateSaver({ store, prefix });
    await memory.put(["users", "u1"], "prefs", { theme: "dark" });
    const before = await store.snapshot();
    await memory.put(["users", "u1"], "prefs", { theme: "light" });
    await memory.put(["users", "u1"], "name", { value: "Ada" });
    expect((await saver.list({}).next()).done).toBe(true); // memories are not checkpoints
    await store.restore(before);
    expect((await memory.get(["users", "u1"], "prefs"))?.value).toEqual({ theme: "dark" });
    expect(await memory.get(["users", "u1"], "name")).toBeNull();
  });

  it("refuses bad options at the constructor, naming them", () => {
    expect(() => new SwarmStateStore({ store: {} as Store })).toThrow(/options.store/);
    expect(() => new SwarmStateStore({ store, prefix: "a:b" })).toThrow(/options.prefix/);
    const withIndex = { store, index: { dims: 3, embeddings: {} } };
    expect(() => new SwarmStateStore(withIndex)).toThrow(/options.index/);
  });
});
