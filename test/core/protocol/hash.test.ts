import { describe, expect, it } from "vitest";
import { fnv1a, shardOf } from "../../../src/core/protocol/hash.js";

/**
 * Namespace → shard for 2, 3 and 4 shards, computed once from swarmstate 0.1.0. These must never
 * change: a durable store reopened by a later version must find each namespace on the shard
 * that wrote it. A failure here means routing changed, not that this table needs updating.
 */
const ROUTES: [namespace: string, shards: [of2: number, of3: number, of4: number]][] = [
  ["", [1, 1, 1]],
  ["workflow", [0, 1, 0]],
  ["agents", [1, 2, 3]],
  ["agent-0", [1, 0, 3]],
  ["agent-1", [0, 1, 0]],
  ["agent-17", [1, 1, 1]],
  ["memory", [0, 0, 2]],
  ["tools/search", [1, 1, 1]],
  ["checkpoints:thread-42", [1, 0, 3]],
  ["user:alice@example.com", [1, 1, 1]],
  ["résumé", [0, 1, 2]],
  ["🙂 emoji", [0, 2, 0]],
];

describe("namespace hashing", () => {
  it("routes each namespace to the same shard as it always has", () => {
    const routed = ROUTES.map(([namespace]) => [
      namespace,
      [shardOf(namespace, 2), shardOf(namespace, 3), shardOf(namespace, 4)],
    ]);
    expect(routed).toEqual(ROUTES);
  });

  it("is 32-bit FNV-1a over UTF-16 code units", () => {
    // Reference values of the published algorithm (offset basis 0x811c9dc5, prime 0x01000193).
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
    expect(fnv1a("foobar")).toBe(0xbf9cf968);
    expect(shardOf("a", 2 ** 31)).toBe(0xe40c292c % 2 ** 31);
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
