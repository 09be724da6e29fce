import { describe, expect, it } from "vitest";
import { dumps } from "../../src/core/codec.js";
import { ShardFailedError } from "../../src/core/errors.js";
import { shardOf } from "../../src/core/hash.js";
import { Coordinator } from "../../src/main/coordinator.js";
import { hostFactoryFor } from "../../src/worker/hosts.js";
import handle from "../../src/worker/shard-worker.js";

// The fixture is the real (built) shard worker, except that a set into namespace "crash-now"
// kills its thread in the middle of the batch, and one into "crash-later" just after it.
const crashing = new URL("../fixtures/crashing-shard-worker.mjs", import.meta.url);

function openStore(): Coordinator {
  return new Coordinator(2, hostFactoryFor(2, crashing), null);
}

describe("a shard worker that dies", () => {
  it("fails the calls in flight and every later call with ShardFailedError naming the shard", async () => {
    const store = openStore();
    const client = store.own;
    try {
      await client.set("healthy", "k", dumps(1));
      const snap = await client.snapshot();
      const doomed = client.set("crash-now", "k", dumps(1));
      const error = await doomed.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardFailedError);
      const shard = shardOf("crash-now", 2);
      expect((error as ShardFailedError).shard).toBe(shard);
      expect((error as Error).message).toBe(`shard ${shard} failed: its worker thread exited`);
      // Every later call fails, on either shard: nothing is answered from an empty replacement.
      await expect(client.get("healthy", "k")).rejects.toBeInstanceOf(ShardFailedError);
      await expect(client.get("crash-now", "k")).rejects.toBeInstanceOf(ShardFailedError);
      await expect(client.size()).rejects.toBeInstanceOf(ShardFailedError);
      await expect(client.restore(snap.id)).rejects.toBeInstanceOf(ShardFailedError);
    } finally {
      await store.close();
    }
  });

  it("fails every later call once it dies while idle, naming its shard", async () => {
    const store = openStore();
    const client = store.own;
    try {
      const shard = shardOf("crash-later", 2);
      await client.set("crash-later", "k", dumps(1)); // answered, then the thread dies
      const error = await untilRejected(() => client.get("healthy", "k"));
      expect(error).toBeInstanceOf(ShardFailedError);
      expect((error as ShardFailedError).shard).toBe(shard);
      await expect(client.snapshot()).rejects.toMatchObject({ name: "ShardFailedError", shard });
    } finally {
      await store.close();
    }
  });

  it("is replaced by a thread that refuses every task rather than serve an empty shard", () => {
    expect(() => handle({ kind: "prepare" })).toThrow("the shard's state is lost");
    expect(handle({ kind: "init" })).toBeNull();
    expect(handle({ kind: "prepare" })).toEqual([]);
    expect(() => handle({ kind: "init" })).toThrow("already hosts a shard");
  });
});

/** Calls `call` until it rejects (the death is noticed asynchronously); returns the error. */
async function untilRejected(call: () => Promise<unknown>): Promise<unknown> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error !== undefined) return error;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the shard's death was never noticed");
}
