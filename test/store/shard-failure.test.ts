import { describe, expect, it, vi } from "vitest";
import { Op } from "../../src/core/batch-format.js";
import { ShardFailedError } from "../../src/core/errors.js";
import { shardOf } from "../../src/core/hash.js";
import { Coordinator } from "../../src/main/coordinator.js";
import { hostFactoryFor } from "../../src/main/hosts.js";
import handle from "../../src/worker/shard-worker.js";

// The fixture is the real (built) shard worker, except that a set into namespace "crash-now"
// kills its thread in the middle of the batch, and one into "crash-later" kills it once idle.
const crashing = new URL("../fixtures/crashing-shard-worker.mjs", import.meta.url);
// Between tasks piscina's workers block in Atomics.wait, where no timer runs, so a thread could
// never die "while idle" on its own. Without atomics they wait on their port instead, with a
// live event loop; workers copy this process's environment when they start.
process.env.PISCINA_DISABLE_ATOMICS = "1";

describe("a shard worker that dies", () => {
  it("fails the calls in flight and every later call with ShardFailedError naming the shard", async () => {
    // With 2 shards "crash-now" lives on shard 1, "healthy" on shard 0.
    expect([shardOf("crash-now", 2), shardOf("healthy", 2)]).toEqual([1, 0]);
    const store = new Coordinator(2, hostFactoryFor(2, crashing), null);
    try {
      await store.set("healthy", "k", 1);
      const snap = await store.snapshot();
      const doomed = store.set("crash-now", "k", 1);
      const error = await doomed.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardFailedError);
      expect((error as ShardFailedError).shard).toBe(1);
      expect((error as Error).message).toBe("shard 1 failed: worker exited with code: 1");
      // Every later call fails, on either shard: nothing is answered from an empty replacement.
      for (const call of [
        store.get("healthy", "k"),
        store.get("crash-now", "k"),
        store.size(),
        store.restore(snap.id),
      ]) {
        await expect(call).rejects.toMatchObject({ name: "ShardFailedError", shard: 1 });
      }
    } finally {
      await store.close();
    }
  });

  it("is reported at once when it dies while idle, naming that shard", async () => {
    // With 3 shards "crash-later" lives on shard 0, "healthy" on shard 2.
    expect([shardOf("crash-later", 3), shardOf("healthy", 3)]).toEqual([0, 2]);
    const store = new Coordinator(3, hostFactoryFor(3, crashing), null);
    try {
      await store.set("healthy", "k", 1);
      await store.set("crash-later", "k", 1); // answered; shard 0's thread dies 20 ms later
      // Nothing is asked of shard 0 after that: its death alone must fail the store.
      await vi.waitFor(() => expect(() => store.ensureUsable()).toThrow(ShardFailedError), {
        timeout: 10_000,
      });
      const error = await store.get("healthy", "k").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardFailedError);
      expect((error as ShardFailedError).shard).toBe(0);
      expect((error as Error).message).toBe("shard 0 failed: its worker thread exited");
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
