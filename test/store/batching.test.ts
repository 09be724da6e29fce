import { describe, expect, it } from "vitest";
import { dumps } from "../../src/core/codec.js";
import { Coordinator, type HostFactory } from "../../src/main/coordinator.js";
import { hostFactoryFor } from "../../src/main/hosts.js";

const worker = new URL("../../dist/worker/shard-worker.js", import.meta.url);

/** Real worker hosts, counting the batches (messages) each receives. */
function countingHosts(shards: number, counts: number[]): HostFactory {
  const real = hostFactoryFor(shards, worker);
  return (index, onLost) => {
    const host = real(index, onLost);
    counts[index] = 0;
    return {
      run: (task) => {
        counts[index] = (counts[index] ?? 0) + 1;
        return host.run(task);
      },
      close: () => host.close(),
    };
  };
}

describe("batching", () => {
  it("sends calls made in one tick as one message per shard", async () => {
    const counts: number[] = [];
    const store = new Coordinator(2, countingHosts(2, counts), null);
    try {
      await Promise.all(
        Array.from({ length: 10_000 }, (_, i) =>
          store.setEncoded(`agent${i % 50}`, `k${i}`, dumps(i)),
        ),
      );
      expect(counts).toEqual([1, 1]);
      const values = await store.getMany(
        Array.from({ length: 10_000 }, (_, i) => [`agent${i % 50}`, `k${i}`]),
      );
      expect(values).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
      expect(counts).toEqual([2, 2]);
    } finally {
      await store.close();
    }
  });

  it("gathers calls made while a batch is in flight into the next one", async () => {
    const counts: number[] = [];
    const store = new Coordinator(1, countingHosts(1, counts), null);
    try {
      const first = store.setEncoded("n", "k", dumps(0));
      await Promise.resolve(); // the first batch leaves here
      const rest: Promise<unknown>[] = [];
      for (let i = 1; i <= 100; i++) {
        rest.push(store.setEncoded("n", "k", dumps(i)));
        await Promise.resolve(); // a new tick each time, while the first batch is in flight
      }
      await Promise.all([first, ...rest]);
      expect(counts[0]).toBeLessThan(10);
      expect(await store.get("n", "k")).toBe(100);
    } finally {
      await store.close();
    }
  });
});
