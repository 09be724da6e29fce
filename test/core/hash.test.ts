import { describe, expect, it } from "vitest";
import { shardOf } from "../../src/core/hash.js";

describe("namespace hashing", () => {
  it("is a fixed function of the namespace and shard count", () => {
    // FNV-1a 32-bit reference values: these must never change, or stored layouts would move.
    expect(shardOf("", 1000)).toBe(0x811c9dc5 % 1000);
    expect(shardOf("a", 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
    expect(shardOf("workflow", 4)).toBe(shardOf("workflow", 4));
  });

  it("puts everything on shard 0 when there is one shard", () => {
    expect(shardOf("anything", 1)).toBe(0);
  });

  it("spreads namespaces evenly", () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const shard = shardOf(`agent-${i}`, 4);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});
