// Stored records are read back with their shape and layout version checked (records.ts): what
// this release did not write is refused, naming where it was read, never misread.
import { emptyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { afterAll, describe, expect, it } from "vitest";
import { Store, SwarmStateError, type Value } from "../../dist/index.js";
import { SwarmStateSaver, SwarmStateStore } from "../../dist/langgraph/index.js";
import {
  readBlob,
  readCheckpointRecord,
  readHead,
  readStoredItem,
  readStoredWrite,
} from "../../dist/langgraph/records.js";

const bytes = new Uint8Array([1, 2]);
const record = { v: 1, parent: null, checkpoint: ["json", bytes], metadata: ["json", bytes] };

describe("stored records", () => {
  it("read back as what was stored, and undefined as nothing stored", () => {
    expect(readCheckpointRecord(record, "here")).toEqual(record);
    expect(readHead({ id: "c1", record }, "here")).toEqual({ id: "c1", record });
    expect(readBlob(["json", bytes], "here")).toEqual(["json", bytes]);
    expect(readStoredWrite(["t", "ch", "json", bytes, ""], "here")).toEqual([
      "t",
      "ch",
      "json",
      bytes,
      "",
    ]);
    expect(readStoredItem({ value: null, createdAt: 1, updatedAt: 2 }, "here")).toEqual({
      value: null,
      createdAt: 1,
      updatedAt: 2,
    });
    expect(readCheckpointRecord(undefined, "here")).toBeUndefined();
  });

  it("refuse a checkpoint record of another layout version, saying which", () => {
    expect(() => readCheckpointRecord({ ...record, v: 2 }, "ns/c1")).toThrow(
      "ns/c1: a checkpoint record of layout version 2, but this release reads version 1",
    );
  });

  it("refuse what is not one, naming where it was read", () => {
    const refusals: [() => unknown, string][] = [
      [() => readCheckpointRecord({ ...record, parent: 3 }, "a"), "a: not a checkpoint record"],
      [() => readCheckpointRecord([1], "a"), "a: not a checkpoint record"],
      [() => readHead({ id: "c1", record: { ...record, v: "1" } }, "b"), "b.record: not a"],
      [() => readBlob(["json", "not bytes"], "c"), "c: not a channel's value"],
      [() => readStoredWrite(["t", "ch", "json", bytes], "d"), "d: not a pending write"],
      [() => readStoredItem({ value: 1, createdAt: "x", updatedAt: 2 }, "e"), "e: not a memory"],
    ];
    for (const [read, message] of refusals) {
      expect(read).toThrow(SwarmStateError);
      expect(read).toThrow(message);
    }
  });

  describe("through the classes", () => {
    const store = new Store({ shards: 2 });
    afterAll(() => store.close());

    it("a saver refuses a later release's record instead of misreading it", async () => {
      const saver = new SwarmStateSaver({ store, prefix: "records" });
      const config = { configurable: { thread_id: "t1", checkpoint_ns: "" } };
      const checkpoint = { ...emptyCheckpoint(), id: uuid6(0) };
      const saved = await saver.put(
        config,
        checkpoint,
        { source: "input", step: -1, parents: {} },
        {},
      );
      const id = saved.configurable?.checkpoint_id as string;
      const namespace = 'records.checkpoints:["t1",""]';
      const stored = (await store.get(namespace, id)) as { [key: string]: Value };
      await store.set(namespace, id, { ...stored, v: 2 });
      await expect(saver.getTuple(saved)).rejects.toThrow(
        `${namespace}/${id}: a checkpoint record of layout version 2`,
      );
    });

    it("a memory store refuses an item of another shape", async () => {
      const memory = new SwarmStateStore({ store, prefix: "records" });
      await store.set('records.store:["users"]', "u1", { value: 1 });
      await expect(memory.get(["users"], "u1")).rejects.toThrow(
        'records.store:["users"]/u1: not a memory item',
      );
    });
  });
});
