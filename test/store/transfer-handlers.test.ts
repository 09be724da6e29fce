// comlink's transfer handlers are one table per thread, shared with every other user of comlink:
// importing swarmstate must leave it alone, and serving or reaching a store registers
// swarmstate's handlers once. (This file imports swarmstate only inside its tests, so the
// first one sees the table as comlink alone left it.)
import { type TransferHandler, transferHandlers } from "comlink";
import { describe, expect, it } from "vitest";

const comlinkOwn = new Map(transferHandlers);

describe("comlink transfer handlers", () => {
  it("are left untouched by importing swarmstate", async () => {
    await import("swarmstate");
    expect([...transferHandlers.keys()]).toEqual(["proxy", "throw"]);
    expect(transferHandlers.get("throw")).toBe(comlinkOwn.get("throw"));
    expect(transferHandlers.get("proxy")).toBe(comlinkOwn.get("proxy"));
  });

  it("are registered once, by the first exposeStore or connectStore of the thread", async () => {
    const { Store, exposeStore, connectStore } = await import("swarmstate");
    const store = new Store({ shards: 0 });
    try {
      const client = await connectStore(exposeStore(store));
      await client.close();
      const registered = new Map(transferHandlers);
      expect([...registered.keys()].sort()).toEqual(["proxy", "swarmstate:snapshot", "throw"]);
      expect(registered.get("proxy")).toBe(comlinkOwn.get("proxy"));
      expect(registered.get("throw")).not.toBe(comlinkOwn.get("throw"));

      const again = await connectStore(exposeStore(store));
      await again.close();
      for (const [name, handler] of transferHandlers) expect(handler).toBe(registered.get(name));
    } finally {
      await store.close();
    }
  });

  it("keep comlink's own wire format for errors, adding a field for swarmstate's", async () => {
    const { Store, exposeStore, ShardFailedError } = await import("swarmstate");
    const store = new Store({ shards: 0 });
    exposeStore(store);
    await store.close();
    const ours = transferHandlers.get("throw") as TransferHandler<unknown, unknown>;
    const theirs = comlinkOwn.get("throw") as TransferHandler<unknown, unknown>;

    const plain = { value: new Error("not ours") };
    expect(ours.serialize(plain)).toEqual(theirs.serialize(plain));

    const failed = { value: new ShardFailedError(1, "gone", { cause: new Error("exit 1") }) };
    const [wire] = ours.serialize(failed);
    const [comlinkWire] = theirs.serialize(failed);
    expect(wire).toEqual({
      ...(comlinkWire as object),
      swarmstate: {
        name: "ShardFailedError",
        message: "shard 1 failed: gone",
        shard: 1,
        cause: { name: "Error", message: "exit 1" },
      },
    });
  });
});
