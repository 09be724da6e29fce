/**
 * A full disk, as the file system reports it (`ENOSPC`): a small tmpfs mounted for the test
 * (the test runs as root, as CI does), filled up behind the store's back.
 */
import { execFileSync } from "node:child_process";
import {
  closeSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store, StoreIOError } from "swarmstate";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { shardOf } from "../../dist/core/protocol/hash.js";

let mount: string;
/** Fillers made: removed after each test, so a failed one leaves its disk full to no other. */
const fillers: string[] = [];

beforeAll(() => {
  mount = mkdtempSync(join(tmpdir(), "swarmstate-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mount]);
});

afterEach(() => {
  for (const filler of fillers.splice(0)) rmSync(filler, { force: true });
});

afterAll(() => {
  execFileSync("umount", [mount]);
  rmSync(mount, { recursive: true, force: true });
});

/** A namespace that lives on shard `shard` of 2. */
function namespaceOn(shard: number): string {
  for (let i = 0; ; i++) if (shardOf(`ns${i}`, 2) === shard) return `ns${i}`;
}

/** Fills the file system at `mount` until it refuses; returns the filler's path. */
function fill(): string {
  const filler = join(mount, "filler");
  fillers.push(filler);
  const fd = openSync(filler, "w");
  const block = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, block);
  } catch (error) {
    expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
  } finally {
    closeSync(fd);
  }
  // Whatever pages are left are taken by smaller writes.
  const small = openSync(filler, "a");
  try {
    for (;;) writeSync(small, Buffer.alloc(512, 1));
  } catch {
    // full
  } finally {
    closeSync(small);
  }
  return filler;
}

describe("a durable store on a full disk", () => {
  it("fails the call that hit it with ENOSPC, applies nothing of it, and works again once there is room", async () => {
    const path = join(mount, "store");
    const store = new Store({ path, shards: 2 });
    try {
      await store.set("n", "before", 1);
      const filler = fill();
      const big = "x".repeat(100_000);
      const error = await store
        .setMany([
          ["n", "refused", big],
          ["n", "before", 2],
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreIOError);
      expect(error).toMatchObject({ code: "ERR_SWARMSTATE_IO" });
      expect((error as StoreIOError).path).toContain(path);
      expect((error as Error).cause).toMatchObject({ code: "ENOSPC" });
      expect((error as Error).message).toContain("append to the log");
      // Nothing of the refused batch was applied; reads go on.
      expect(await store.get("n", "refused")).toBeUndefined();
      expect(await store.get("n", "before")).toBe(1);
      // A cut is refused before any shard applies it.
      const cut = await store.clear().catch((e: unknown) => e);
      expect(cut).toBeInstanceOf(StoreIOError);
      expect((cut as Error).cause).toMatchObject({ code: "ENOSPC" });
      expect((cut as Error).message).toContain("make room in the log");
      expect(await store.get("n", "before")).toBe(1);

      rmSync(filler);
      await store.set("n", "after", big);
      await store.snapshot();
      await store.close();
      const reopened = new Store({ path });
      try {
        expect(await reopened.get("n", "refused")).toBeUndefined();
        expect(await reopened.get("n", "before")).toBe(1);
        expect(await reopened.get("n", "after")).toBe(big);
        expect(await reopened.snapshots()).toHaveLength(1);
      } finally {
        await reopened.close();
      }
    } finally {
      await store.close();
    }
  });
});

describe("a batch over several shards on a full disk", () => {
  it("keeps the client's later writes across a reopen, though one shard refused its part", async () => {
    const path = join(mount, "spread");
    const store = new Store({ path, shards: 2 });
    const [onZero, onOne] = [namespaceOn(0), namespaceOn(1)];
    try {
      await store.setMany([
        [onZero, "first", 1],
        [onOne, "first", 1],
      ]);
      const filler = fill();
      // Two pages free: room for shard 1's small part and for shard 0's refusal, not its part.
      truncateSync(filler, statSync(filler).size - 8192);
      const error = await store
        .setMany([
          [onZero, "big", "x".repeat(100_000)],
          [onOne, "small", 1],
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreIOError);
      expect(await store.get(onZero, "big")).toBeUndefined();
      expect(await store.get(onOne, "small")).toBe(1); // applied there: each shard's own outcome
      await store.set(onOne, "later", 2); // acknowledged
      rmSync(filler);
      await store.set(onZero, "after", 3);
      await store.close();
      const reopened = new Store({ path });
      try {
        expect(await reopened.get(onOne, "later")).toBe(2);
        expect(await reopened.get(onOne, "small")).toBe(1);
        expect(await reopened.get(onZero, "big")).toBeUndefined();
        expect(await reopened.get(onZero, "after")).toBe(3);
      } finally {
        await reopened.close();
      }
    } finally {
      await store.close();
    }
  });
});
