import { describe, expect, it } from "vitest";
import { dumps } from "../../src/core/codec/codec.js";
import { Coordinator } from "../../src/store/coordinator.js";
import { type HostFactory, hostFactoryFor } from "../../src/store/hosts.js";

const worker = new URL("../../dist/shard/shard-worker.js", import.meta.url);

/** Real worker hosts whose channels count the batches (messages) each shard is sent. */
function countingHosts(shards: number, counts: number[]): HostFactory {
  const real = hostFactoryFor(shards, worker);
  return (index, onLost) => {
    const host = real(index, onLost);
    counts[index] = 0;
    return {
      connect: (client, sameThread, commits) => {
        const port = host.connect(client, sameThread, commits);
        const post = port.postMessage.bind(port);
        port.postMessage = (message, transfer) => {
          counts[index] = (counts[index] ?? 0) + 1;
          post(message, transfer);
        };
        return port;
      },
      open: (options) => host.open(options),
      recover: (decision) => host.recover(decision),
      prepare: () => host.prepare(),
      commit: (commit) => host.commit(commit),
      startExitFlush: () => host.startExitFlush(),
      close: () => host.close(),
    };
  };
}

describe("batching", () => {
  it("sends calls made in one tick as one message per shard", async () => {
    const counts: number[] = [];
    const store = new Coordinator(2, countingHosts(2, counts), null);
    const client = store.own;
    try {
      await Promise.all(
        Array.from({ length: 10_000 }, (_, i) => client.set(`agent${i % 50}`, `k${i}`, dumps(i))),
      );
      expect(counts).toEqual([1, 1]);
      const values = await client.getMany(
        Array.from({ length: 10_000 }, (_, i) => [`agent${i % 50}`, `k${i}`] as const),
      );
      expect(values).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
      expect(counts).toEqual([2, 2]);
    } finally {
      await store.close();
    }
  });

  it("sends each tick's calls at once, without waiting for the last batch's answer", async () => {
    const counts: number[] = [];
    const store = new Coordinator(1, countingHosts(1, counts), null);
    const client = store.own;
    try {
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i <= 100; i++) {
        writes.push(client.set("n", "k", dumps(i)));
        await Promise.resolve(); // the batch leaves here, before any answer can come back
      }
      expect(counts[0]).toBe(101);
      await Promise.all(writes);
      expect(await client.get("n", "k")).toBe(100); // applied in the order they were made
    } finally {
      await store.close();
    }
  });
});
