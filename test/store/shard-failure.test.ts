import { describe, expect, it } from "vitest";
import { dumps } from "../../src/core/codec.js";
import { ShardFailedError } from "../../src/core/errors.js";
import { Op } from "../../src/core/protocol.js";
import { Coordinator } from "../../src/main/coordinator.js";
import { hostFactoryFor } from "../../src/main/hosts.js";
import handle from "../../src/worker/shard-worker.js";

// The fixture is the real (built) shard worker, except that a set into namespace "crash-now"
// kills its thread in the middle of the batch.
const crashing = new URL("../fixtures/crashing-shard-worker.mjs", import.meta.url);

describe("a shard worker that dies", () => {
  it("fails the calls in flight and every later call with ShardFailedError naming the shard", async () => {
    const store = new Coordinator(2, hostFactoryFor(2, crashing), null);
    try {
      await store.setEncoded("healthy", "k", dumps(1));
      const snap = await store.snapshot();
      const doomed = store.setEncoded("crash-now", "k", dumps(1));
      const error = await doomed.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardFailedError);
      const shard = (error as ShardFailedError).shard;
      expect(shard).toBeGreaterThanOrEqual(0);
      expect((error as Error).message).toContain(`shard ${shard} failed`);
      // Every later call fails, on either shard: nothing is answered from an empty replacement.
      await expect(store.get("healthy", "k")).rejects.toBeInstanceOf(ShardFailedError);
      await expect(store.get("crash-now", "k")).rejects.toBeInstanceOf(ShardFailedError);
      await expect(store.size()).rejects.toBeInstanceOf(ShardFailedError);
      await expect(store.restore(snap.id)).rejects.toBeInstanceOf(ShardFailedError);
    } finally {
      await store.close();
    }
  });

  it("is replaced by a thread that refuses every batch rather than serve an empty shard", () => {
    const batch = { ops: [Op.size], values: new Uint8Array(0) };
    expect(() => handle({ init: false, batch })).toThrow("the shard's state is lost");
    expect(handle({ init: true, batch })).toEqual({ results: [0], failures: [] });
    expect(() => handle({ init: true, batch })).toThrow("already hosts a shard");
  });
});
