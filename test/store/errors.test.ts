import {
  BadChangesetError,
  LogUnavailableError,
  NotAStoreError,
  ShardFailedError,
  Snapshot,
  SnapshotReleasedError,
  Store,
  StoreClosedError,
  StoreDamagedError,
  StoreFileError,
  StoreIOError,
  StoreLockedError,
  SwarmStateError,
} from "swarmstate";
import { describe, expect, it } from "vitest";

/**
 * Each error class's `name` and `code`, literally. Users match on them (and errors are rebuilt
 * from their name after crossing a thread), so they never change; a new class gets a new row.
 */
const ERROR_CLASSES: Record<string, string> = {
  SwarmStateError: "ERR_SWARMSTATE",
  StoreClosedError: "ERR_SWARMSTATE_CLOSED",
  SnapshotReleasedError: "ERR_SWARMSTATE_SNAPSHOT_RELEASED",
  ShardFailedError: "ERR_SWARMSTATE_SHARD_FAILED",
  BadChangesetError: "ERR_SWARMSTATE_BAD_CHANGESET",
  StoreLockedError: "ERR_SWARMSTATE_LOCKED",
  NotAStoreError: "ERR_SWARMSTATE_NOT_A_STORE",
  StoreDamagedError: "ERR_SWARMSTATE_DAMAGED",
  StoreIOError: "ERR_SWARMSTATE_IO",
  LogUnavailableError: "LOG_UNAVAILABLE",
};

/** Abstract bases: exported to be caught, never thrown themselves. */
const BASES = ["StoreFileError"];

describe("errors", () => {
  it("gives every error class a stable name and code, under SwarmStateError", () => {
    const errors = [
      new SwarmStateError("x"),
      new StoreClosedError(),
      new SnapshotReleasedError("x"),
      new ShardFailedError(2, "gone"),
      new BadChangesetError("x"),
      new StoreLockedError("/data/s", "/data/s: the store is already open"),
      new NotAStoreError("/data/s", "/data/s: not a swarmstate store"),
      new StoreDamagedError("/data/s", "a record fails its checksum"),
      new StoreIOError("/data/s", "/data/s: cannot create the store's directory: EROFS"),
      new LogUnavailableError("set: the log's database did not answer within 3333 ms"),
    ];
    for (const error of errors) expect(error).toBeInstanceOf(SwarmStateError);
    for (const error of errors.slice(5, 9)) {
      expect(error).toBeInstanceOf(StoreFileError);
      expect(error).toMatchObject({ path: "/data/s" });
    }
    expect(new StoreDamagedError("/data/s", "a record fails its checksum").message).toBe(
      "/data/s: the store's files are damaged: a record fails its checksum",
    );
    expect(Object.fromEntries(errors.map((e) => [e.name, e.code]))).toEqual(ERROR_CLASSES);
    expect(new ShardFailedError(2, "gone").message).toBe("shard 2 failed: gone");
    expect(new ShardFailedError(2, "gone").shard).toBe(2);
  });

  it("exports no error class without a row in the table", async () => {
    const exported = Object.entries(await import("swarmstate"))
      .filter(([, value]) => typeof value === "function" && value.prototype instanceof Error)
      .map(([name]) => name);
    expect(exported.sort()).toEqual([...Object.keys(ERROR_CLASSES), ...BASES].sort());
  });

  it("refuses invalid options at the constructor, naming the option", () => {
    expect(() => new Store({ shards: -1 })).toThrow(RangeError);
    expect(() => new Store({ shards: -1 })).toThrow("options.shards");
    expect(() => new Store({ shards: 1.5 })).toThrow(RangeError);
    expect(() => new Store({ shards: "2" as unknown as number })).toThrow(TypeError);
    expect(() => new Store({ maxHistory: 0 })).toThrow("options.maxHistory");
    expect(() => new Store({ maxHistory: Number.NaN })).toThrow(RangeError);
    expect(() => new Store({ shard: 2 } as never)).toThrow("options.shard: unknown option");
    expect(() => new Store(7 as never)).toThrow(TypeError);
  });

  it("refuses bad arguments with a TypeError naming them, and changes nothing", async () => {
    const store = new Store({ shards: 2 });
    try {
      await expect(store.set(1 as never, "k", 1)).rejects.toThrow(
        "set: namespace must be a string, got number",
      );
      await expect(store.get("n", null as never)).rejects.toThrow(
        "get: key must be a string, got null",
      );
      await expect(store.set("n", "k", { data: { when: new Date() } } as never)).rejects.toThrow(
        "value.data.when: Date is not supported",
      );
      await expect(store.set("n", "k", 2n ** 70n)).rejects.toThrow(RangeError);
      await expect(
        store.setMany([
          ["a", "1", 1],
          ["b", "2", { f: () => 1 } as never],
        ]),
      ).rejects.toThrow("setMany: items[1][2].f: functions cannot be stored");
      await expect(store.setMany([["a", "1"]] as never)).rejects.toThrow(
        "items[0] must be a [namespace, key, value] triple",
      );
      await expect(store.getMany("x" as never)).rejects.toThrow("getMany: pairs must be an array");
      await expect(store.keys(undefined as never)).rejects.toThrow(TypeError);
      await expect(store.set("ns", "cut \ud83d", 1)).rejects.toThrow(
        "set: key has a lone surrogate",
      );
      expect(await store.size()).toBe(0);
      await expect(store.restore({} as never)).rejects.toThrow(TypeError);
    } finally {
      await store.close();
    }
  });

  it("refuses snapshots of another store", async () => {
    const one = new Store({ shards: 0 });
    const two = new Store({ shards: 0 });
    try {
      const foreign = await two.snapshot();
      const own = await one.snapshot();
      await expect(one.restore(foreign)).rejects.toThrow(SwarmStateError);
      await expect(own.diff(foreign)).rejects.toThrow("belongs to another store");
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("drains calls already made on close, then rejects everything with StoreClosedError", async () => {
    const store = new Store({ shards: 2 });
    const writes = Array.from({ length: 100 }, (_, i) => store.set("n", `k${i}`, i));
    const snap = store.snapshot();
    const closed = store.close();
    await Promise.all(writes);
    expect((await snap).sizeBytes).toBe(100);
    await closed;
    await store.close(); // idempotent
    await expect(store.get("n", "k1")).rejects.toBeInstanceOf(StoreClosedError);
    await expect(store.snapshot()).rejects.toBeInstanceOf(StoreClosedError);
    await expect((await snap).keys()).rejects.toBeInstanceOf(StoreClosedError);
  });

  it("refuses new Snapshot(): snapshots are created by store.snapshot()", () => {
    const Unchecked = Snapshot as unknown as new () => unknown;
    expect(() => new Unchecked()).toThrow(TypeError);
    expect(() => new Unchecked()).toThrow("Snapshot objects are created by store.snapshot()");
  });
});
