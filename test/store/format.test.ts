/**
 * The on-disk format, pinned: a small store written by this version (test/fixtures/store-v2:
 * two shards, a checkpoint, log segments, snapshots, values of every kind) must open with
 * exactly these contents in every later version, or that version must say it cannot read it.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Snapshot, Store } from "swarmstate";
import { describe, expect, it } from "vitest";

const fixture = fileURLToPath(new URL("../fixtures/store-v2", import.meta.url));

describe("the on-disk format", () => {
  it("reads a store written by format version 2 exactly as it was", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmstate-format-"));
    cpSync(fixture, join(dir, "store"), { recursive: true }); // opening writes reached.json
    const store = new Store({ path: join(dir, "store") });
    try {
      expect(store.shards).toBe(2);
      const entries: [string, string, unknown][] = [];
      for (const ns of (await store.namespaces()).sort()) {
        for (const key of (await store.keys(ns)).sort())
          entries.push([ns, key, await store.get(ns, key)]);
      }
      expect(entries).toEqual([
        ["agents", "planner", { step: 3, tools: ["search", "code"], done: false }],
        ["big1", "value", "small"],
        ["memory", "blob", new Uint8Array([0, 1, 254, 255])],
        ["memory", "facts", [1, 2n ** 60n, null, "ünïcödé"]],
        ["threads", "t1", "hello again"],
        ["threads", "t2", { last: true }],
      ]);
      const snapshots = await store.snapshots();
      expect(
        snapshots.map(({ id, parent, timestamp, sizeBytes }) => ({
          id,
          parent,
          timestamp,
          sizeBytes,
        })),
      ).toEqual([
        { id: 2, parent: 1, timestamp: 1796571745.8638227, sizeBytes: 74 },
        { id: 3, parent: 2, timestamp: 1796571745.932643, sizeBytes: 80 },
        { id: 4, parent: 3, timestamp: 1796571745.9403243, sizeBytes: 80 },
      ]);
      const [second, , fourth] = snapshots as [Snapshot, Snapshot, Snapshot];
      expect(await second.get("threads", "t1")).toBe("hello again");
      expect(await second.get("agents", "coder")).toBeUndefined();
      expect(await fourth.diff(second)).toEqual({
        added: [["big1", "value"]],
        removed: [],
        changed: [],
      });
      // Snapshot ids go on from the highest handed out.
      expect((await store.snapshot()).id).toBe(5);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
