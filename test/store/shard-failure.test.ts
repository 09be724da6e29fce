import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { MessageChannel } from "node:worker_threads";
import { Store } from "swarmstate";
import { describe, expect, it, vi } from "vitest";
import { dumps } from "../../dist/core/codec/codec.js";
import { ShardFailedError } from "../../dist/core/errors.js";
import { shardOf } from "../../dist/core/protocol/hash.js";
import { openStoreDirectory } from "../../dist/durable/store-dir.js";
import handle from "../../dist/shard/shard-worker.js";
import { Coordinator } from "../../dist/store/coordinator.js";
import { hostFactoryFor } from "../../dist/store/hosts.js";
import type { ShardHost } from "../../dist/store/shard-host.js";
import { scratchPerTest } from "../fixtures/scratch.js";

// The fixture is the real (built) shard worker, except that a batch setting a key in namespace
// "crash-now" kills its thread before it is applied, and one in "crash-later" kills it once the
// batch was answered, while idle.
const crashing = new URL("../fixtures/crashing-shard-worker.mjs", import.meta.url);
const distUrl = (module: string) => new URL(`../../dist/${module}`, import.meta.url).href;
const run = promisify(execFile);
const scratch = scratchPerTest("swarmstate-shard-failure-");

describe("a shard worker that dies", () => {
  it("fails the calls in flight and every later call with ShardFailedError naming the shard", async () => {
    // With 2 shards "crash-now" lives on shard 1, "healthy" on shard 0.
    expect([shardOf("crash-now", 2), shardOf("healthy", 2)]).toEqual([1, 0]);
    const store = new Coordinator(2, hostFactoryFor(2, crashing), null);
    const client = store.own;
    try {
      await client.set("healthy", "k", dumps(1));
      const snap = await client.snapshot();
      const error = await client.set("crash-now", "k", dumps(1)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardFailedError);
      expect((error as ShardFailedError).shard).toBe(1);
      expect((error as Error).message).toBe("shard 1 failed: its worker thread exited");
      // Every later call fails, on either shard: nothing is answered from an empty replacement.
      for (const call of [
        client.get("healthy", "k"),
        client.get("crash-now", "k"),
        client.size(),
        client.restore(snap.id),
      ]) {
        await expect(call).rejects.toMatchObject({ name: "ShardFailedError", shard: 1 });
      }
    } finally {
      await store.close();
    }
  });

  it("is noticed at once when it dies while idle, naming that shard", async () => {
    // With 3 shards "crash-later" lives on shard 0, "healthy" on shard 2.
    expect([shardOf("crash-later", 3), shardOf("healthy", 3)]).toEqual([0, 2]);
    const store = new Coordinator(3, hostFactoryFor(3, crashing), null);
    const client = store.own;
    try {
      await client.set("healthy", "k", dumps(1));
      await client.set("crash-later", "k", dumps(1)); // answered; then shard 0's thread dies
      // Nothing is asked of shard 0 after that: its death alone must fail the store.
      await vi.waitFor(() => expect(() => client.ensureUsable()).toThrow(ShardFailedError), {
        timeout: 10_000,
      });
      await vi.waitFor(() => expect(() => store.ensureUsable()).toThrow(ShardFailedError), {
        timeout: 10_000,
      });
      const error = await client.get("healthy", "k").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShardFailedError);
      expect((error as ShardFailedError).shard).toBe(0);
      expect((error as Error).message).toBe("shard 0 failed: its worker thread exited");
      await expect(client.snapshot()).rejects.toMatchObject({ name: "ShardFailedError", shard: 0 });
    } finally {
      await store.close();
    }
  });

  it("closes itself, letting its other threads and a durable store's lock go", async () => {
    const path = join(scratch(), "store");
    const directory = openStoreDirectory(path, { shards: 2, fallback: 2, max: 64 });
    const store = new Coordinator(2, hostFactoryFor(2, crashing), null, {
      directory,
      durability: "sync",
    });
    const closed = new Promise<void>((resolve) => store.afterClose(resolve));
    const client = store.own;
    try {
      await client.set("healthy", "k", dumps(1));
      await expect(client.set("crash-now", "k", dumps(1))).rejects.toThrow(ShardFailedError);
      await closed; // by itself: nobody called close()
      // Its calls keep failing with the shard's failure, not as closed.
      for (const call of [client.get("healthy", "k"), client.snapshot(), client.size()]) {
        await expect(call).rejects.toMatchObject({ name: "ShardFailedError", shard: 1 });
      }
      const again = new Store({ path });
      try {
        expect(await again.get("healthy", "k")).toBe(1);
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });

  it("lets a program whose durable store's shard died end by itself, without close()", async () => {
    const program = `
      const { Coordinator } = await import(${JSON.stringify(distUrl("store/coordinator.js"))});
      const { hostFactoryFor } = await import(${JSON.stringify(distUrl("store/hosts.js"))});
      const { dumps } = await import(${JSON.stringify(distUrl("core/codec/codec.js"))});
      const { openStoreDirectory } = await import(${JSON.stringify(distUrl("durable/store-dir.js"))});
      const directory = openStoreDirectory(${JSON.stringify(join(scratch(), "store"))}, { shards: 3, fallback: 3, max: 64 });
      const hosts = hostFactoryFor(3, new URL(${JSON.stringify(crashing.href)}));
      const store = new Coordinator(3, hosts, null, { directory, durability: "async" });
      await store.own.set("healthy", "k", dumps(1));
      const error = await store.own.set("crash-now", "k", dumps(1)).catch((e) => e);
      console.log(error.name);
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], {
      timeout: 30_000,
    });
    expect(stdout.trim()).toBe("ShardFailedError");
  });

  it("holds up no exit flush: the ending process does not wait for a dead shard", async () => {
    const hosts: ShardHost[] = [];
    const factory = hostFactoryFor(2, crashing);
    const store = new Coordinator(
      2,
      (index, onLost) => {
        const host = factory(index, onLost);
        hosts.push(host);
        return host;
      },
      null,
    );
    try {
      await expect(store.own.set("crash-now", "k", dumps(1))).rejects.toThrow(ShardFailedError);
      await vi.waitFor(() => expect(() => store.ensureUsable()).toThrow(ShardFailedError), {
        timeout: 10_000,
      });
      // Were it waited for, the dead shard would hold this thread for the whole minute.
      expect(hosts[1]?.startExitFlush().wait(60_000)).toBe(false);
    } finally {
      await store.close();
    }
  });

  it("is replaced by a thread that refuses every task rather than serve an empty shard", () => {
    const { port1, port2 } = new MessageChannel();
    try {
      expect(() => handle({ kind: "prepare" })).toThrow("the shard's state is lost");
      expect(handle({ kind: "init", exitPort: port1 })).toBeNull();
      expect(handle({ kind: "prepare" })).toEqual({ ok: [] });
      expect(() => handle({ kind: "init", exitPort: port2 })).toThrow("already hosts a shard");
    } finally {
      port1.close();
    }
  });
});
