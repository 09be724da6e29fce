// Errors crossing a thread: every class survives serializeError → structured clone (how replies,
// piscina tasks and comlink carry them) → rebuildError with its class, name, code, message,
// shard and cause.
import { describe, expect, it } from "vitest";
import {
  BadChangesetError,
  LogUnavailableError,
  MAX_CAUSE_DEPTH,
  NotAStoreError,
  rebuildError,
  ShardFailedError,
  SnapshotReleasedError,
  StoreClosedError,
  StoreDamagedError,
  StoreIOError,
  StoreLockedError,
  SwarmStateError,
  serializeError,
} from "../../src/core/errors.js";

/** An error's trip between threads: serialized, structured-cloned (as postMessage does), rebuilt. */
function roundTrip(error: unknown): Error {
  return rebuildError(structuredClone(serializeError(error)));
}

/** Each error class, built with a cause, and what it must look like after the trip. */
function samples(): [Error, Record<string, unknown>][] {
  const cause = new Error("the worker exited with code 1");
  return [
    [
      new SwarmStateError("snapshot 3 belongs to another store", { cause }),
      { name: "SwarmStateError", code: "ERR_SWARMSTATE" },
    ],
    [
      new StoreClosedError(undefined, { cause }),
      { name: "StoreClosedError", code: "ERR_SWARMSTATE_CLOSED", message: "the store is closed" },
    ],
    [
      new SnapshotReleasedError("get: snapshot 1 was released", { cause }),
      { name: "SnapshotReleasedError", code: "ERR_SWARMSTATE_SNAPSHOT_RELEASED" },
    ],
    [
      new ShardFailedError(3, "its worker thread exited", { cause }),
      {
        name: "ShardFailedError",
        code: "ERR_SWARMSTATE_SHARD_FAILED",
        message: "shard 3 failed: its worker thread exited",
        shard: 3,
      },
    ],
    [
      new StoreLockedError("/data/s", "/data/s: the store is already open", { cause }),
      { name: "StoreLockedError", code: "ERR_SWARMSTATE_LOCKED", path: "/data/s" },
    ],
    [
      new NotAStoreError("/data/s", "/data/s: not a swarmstate store", { cause }),
      { name: "NotAStoreError", code: "ERR_SWARMSTATE_NOT_A_STORE", path: "/data/s" },
    ],
    [
      new StoreDamagedError("/data/s/shard-0", "log record 7 fails its checksum", { cause }),
      {
        name: "StoreDamagedError",
        code: "ERR_SWARMSTATE_DAMAGED",
        message: "/data/s/shard-0: the store's files are damaged: log record 7 fails its checksum",
        path: "/data/s/shard-0",
      },
    ],
    [
      new StoreIOError("/data/s", "/data/s: cannot create the store's directory (EROFS)", {
        cause,
      }),
      {
        name: "StoreIOError",
        code: "ERR_SWARMSTATE_IO",
        message: "/data/s: cannot create the store's directory (EROFS)",
        path: "/data/s",
      },
    ],
    [
      new BadChangesetError("apply: changeset.version 2 is not supported", { cause }),
      { name: "BadChangesetError", code: "ERR_SWARMSTATE_BAD_CHANGESET" },
    ],
    [
      new LogUnavailableError("set: the log's database did not answer within 10000 ms", { cause }),
      { name: "LogUnavailableError", code: "LOG_UNAVAILABLE" },
    ],
    [new TypeError("set: key must be a string, got number", { cause }), { name: "TypeError" }],
    [new RangeError("value: bigint out of 64 bits", { cause }), { name: "RangeError" }],
  ];
}

describe("an error crossing threads by structured clone", () => {
  it.each(samples())(
    "keeps the class, name, code, message, shard and cause of %s",
    (error, expected) => {
      const rebuilt = roundTrip(error);
      expect(rebuilt).toBeInstanceOf(error.constructor);
      expect(rebuilt).toMatchObject({ message: error.message, ...expected });
      expect(rebuilt.cause).toBeInstanceOf(Error);
      expect((rebuilt.cause as Error).message).toBe("the worker exited with code 1");
    },
  );

  it("rebuilds a class it does not know as an Error with the same name", () => {
    const error = new Error("EACCES: permission denied");
    error.name = "SystemError";
    const rebuilt = roundTrip(error);
    expect(rebuilt.constructor).toBe(Error);
    expect([rebuilt.name, rebuilt.message]).toEqual(["SystemError", "EACCES: permission denied"]);
  });

  it("keeps a chain of causes, a non-error cause as its string", () => {
    const root = new ShardFailedError(1, "gone", { cause: "out of memory" });
    const rebuilt = roundTrip(new SwarmStateError("apply failed", { cause: root }));
    const cause = rebuilt.cause as ShardFailedError;
    expect(cause).toBeInstanceOf(ShardFailedError);
    expect([cause.shard, cause.message]).toEqual([1, "shard 1 failed: gone"]);
    expect(cause.cause).toBeInstanceOf(Error);
    expect((cause.cause as Error).message).toBe("out of memory");
  });

  it("leaves out a cause that was not given", () => {
    expect("cause" in roundTrip(new StoreClosedError())).toBe(false);
    expect(serializeError(new StoreClosedError())).toEqual({
      name: "StoreClosedError",
      message: "the store is closed",
    });
  });

  it(`cuts a cycle of causes after ${MAX_CAUSE_DEPTH}`, () => {
    const cyclic = new SwarmStateError("loop");
    Object.defineProperty(cyclic, "cause", { value: cyclic });
    let rebuilt: unknown = roundTrip(cyclic);
    let depth = 0;
    while ((rebuilt as Error).cause !== undefined) {
      rebuilt = (rebuilt as Error).cause;
      depth++;
    }
    expect(depth).toBe(MAX_CAUSE_DEPTH);
  });
});

describe("serializeError", () => {
  it("turns a thrown non-error into an Error with its string", () => {
    expect(serializeError("boom")).toEqual({ name: "Error", message: "boom" });
    expect(rebuildError(serializeError(42))).toMatchObject({ name: "Error", message: "42" });
  });
});
