/**
 * Durable stores (`new Store({ path })`) through real worker threads: what comes back after
 * reopening, and every guard's refusal. The crash test (test/load/crash-test.test.ts) kills
 * writers at random; the model test reopens at random.
 */
import { execFile } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  NotAStoreError,
  Store,
  StoreDamagedError,
  StoreFileError,
  StoreIOError,
  StoreLockedError,
} from "swarmstate";
import { afterEach, describe, expect, it } from "vitest";
import { closedDirectory, unprivileged } from "../fixtures/unprivileged.js";

const run = promisify(execFile);
/** A shard's first log segment (durable/segments.ts). */
const SEGMENT_1 = "00000000000000000001.log";
const entry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "swarmstate-durable-"));
  dirs.push(dir);
  return join(dir, "store");
}

function openStore(options: ConstructorParameters<typeof Store>[0]): Store {
  const store = new Store(options);
  stores.push(store);
  return store;
}

async function closeAll(): Promise<void> {
  for (const store of stores.splice(0)) await store.close();
}

describe("a durable store", () => {
  for (const shards of [0, 1, 4]) {
    it(`gives back its contents and continues its snapshot ids after reopening (shards: ${shards})`, async () => {
      const path = freshDir();
      const first = openStore({ path, shards });
      expect([first.path, first.durability, first.shards]).toEqual([path, "sync", shards]);
      const items = Array.from({ length: 300 }, (_, i) => [`ns${i % 7}`, `k${i}`, { i }] as const);
      await first.setMany(items);
      await first.delete("ns0", "k0");
      const s1 = await first.snapshot();
      await first.set("ns1", "k1", "changed");
      await first.clear();
      await first.set("after", "clear", [1, 2n ** 60n, new Uint8Array([7])]);
      const s2 = await first.snapshot();
      await first.restore(s1);
      await first.set("ns2", "k2", -0);
      await closeAll();

      const second = openStore({ path });
      expect(second.shards).toBe(Math.max(1, shards));
      expect(await second.size()).toBe(299);
      expect(await second.get("ns1", "k1")).toEqual({ i: 1 });
      expect(Object.is(await second.get("ns2", "k2"), -0)).toBe(true);
      expect(await second.has("after", "clear")).toBe(false);
      const s3 = await second.snapshot();
      expect([s3.id, s3.parent]).toEqual([s2.id + 1, s2.id]);
      await second.restore(s3);
      expect(await second.get("ns6", "k6")).toEqual({ i: 6 });
    });
  }

  it("keeps a changeset applied to it, and lists its snapshots, after reopening", async () => {
    const source = openStore({ shards: 2 });
    await source.setMany([
      ["a", "gone", 1],
      ["b", "kept", 2],
    ]);
    const base = await source.snapshot();
    await source.delete("a", "gone");
    await source.set("c", "new", { x: [1, 2] });
    const target = await source.snapshot();
    const path = freshDir();
    const first = openStore({ path, shards: 3 });
    await first.setMany([
      ["a", "gone", 1],
      ["b", "kept", 2],
    ]);
    const before = await first.snapshot();
    await first.apply(await target.changes(base));
    await closeAll();

    const second = openStore({ path });
    expect(await second.namespaces()).toEqual(["b", "c"]);
    expect(await second.get("c", "new")).toEqual({ x: [1, 2] });
    const [listed] = await second.snapshots();
    expect([listed?.id, listed?.timestamp, listed?.sizeBytes]).toEqual([
      before.id,
      before.timestamp,
      before.sizeBytes,
    ]);
    expect(await listed?.get("a", "gone")).toBe(1);
  });

  it("lists its snapshots when that is the first call after reopening", async () => {
    const path = freshDir();
    const first = openStore({ path, shards: 2 });
    await first.set("n", "k", 1);
    const taken = [await first.snapshot(), await first.snapshot()];
    await closeAll();
    const listed = await openStore({ path }).snapshots();
    expect(listed.map((s) => [s.id, s.parent, s.sizeBytes])).toEqual(
      taken.map((s) => [s.id, s.parent, s.sizeBytes]),
    );
  });

  it('acknowledges once applied with "async", and keeps what was acknowledged across a clean close', async () => {
    const path = freshDir();
    const store = openStore({ path, shards: 2, durability: "async" });
    expect(store.durability).toBe("async");
    await Promise.all(Array.from({ length: 1000 }, (_, i) => store.set("n", `k${i}`, i)));
    await closeAll();
    const reopened = openStore({ path });
    expect(reopened.durability).toBe("sync");
    expect(await reopened.size()).toBe(1000);
  });

  it("replaces its log with a checkpoint once the log has grown, and reopens from it", async () => {
    const path = freshDir();
    const store = openStore({ path, shards: 1 });
    const big = "x".repeat(2000);
    for (let round = 0; round < 6; round++) {
      await store.setMany(
        Array.from({ length: 500 }, (_, i) => ["n", `k${i}`, `${round}${big}`] as const),
      );
      await store.snapshot(); // a checkpoint is taken at a cut, written at the next one
    }
    await store.delete("n", "k0");
    await closeAll();
    const files = readdirSync(join(path, "shard-0"));
    expect(files.filter((name) => name.endsWith(".checkpoint"))).toHaveLength(1);
    // 6 MB were logged; the segments the checkpoint replaced are gone.
    const logBytes = files
      .filter((name) => name.endsWith(".log"))
      .reduce((total, name) => total + statSync(join(path, "shard-0", name)).size, 0);
    expect(logBytes).toBeLessThan(3_000_000);
    const reopened = openStore({ path });
    expect(await reopened.size()).toBe(499);
    expect(await reopened.get("n", "k1")).toBe(`5${big}`);
  });

  it("keeps an earlier opening's batches across shards once one shard has checkpointed", async () => {
    const path = freshDir();
    const first = openStore({ path, shards: 2 });
    const spread = ["a", "b", "c", "d", "e", "f"].map((ns) => [ns, "k", ns] as const);
    await first.setMany(spread); // one batch over both shards
    await closeAll();
    // A later opening fills one namespace's shard until it replaces its log with a checkpoint;
    // the other shard's log still holds its part of the first batch.
    const second = openStore({ path });
    const big = "x".repeat(2000);
    for (let round = 0; round < 6; round++) {
      await second.setMany(Array.from({ length: 500 }, (_, i) => ["a", `k${i}`, big] as const));
      await second.snapshot();
    }
    await closeAll();
    const third = openStore({ path });
    expect(await third.getMany(spread.map(([ns]) => [ns, "k"] as const))).toEqual(
      spread.map(([ns]) => ns),
    );
  });
});

describe("a durable store's guards", () => {
  it("refuses a second store on an open path, in this process and in another", async () => {
    const path = freshDir();
    openStore({ path, shards: 1 });
    expect(() => new Store({ path })).toThrow(StoreLockedError);
    try {
      new Store({ path });
    } catch (error) {
      expect(error).toMatchObject({ code: "ERR_SWARMSTATE_LOCKED", path });
      expect((error as Error).message).toContain(path);
    }
    const program = `
      const { Store } = await import(${JSON.stringify(entry)});
      try { new Store({ path: ${JSON.stringify(path)} }); console.log("opened"); }
      catch (error) { console.log(error.code); }
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program]);
    expect(stdout.trim()).toBe("ERR_SWARMSTATE_LOCKED");
    await closeAll();
    const again = openStore({ path });
    expect(again.path).toBe(path);
  });

  it("opens a store whose process was killed while holding it", async () => {
    const path = freshDir();
    const program = `
      const { Store } = await import(${JSON.stringify(entry)});
      const store = new Store({ path: ${JSON.stringify(path)}, shards: 1 });
      await store.set("n", "k", "kept");
      process.kill(process.pid, "SIGKILL");
    `;
    await run(process.execPath, ["--input-type=module", "-e", program]).catch(() => {});
    const store = openStore({ path });
    expect(await store.get("n", "k")).toBe("kept");
  });

  it("refuses a path that is not a store, naming it", () => {
    const path = freshDir();
    mkdirSync(path, { recursive: true });
    writeFileSync(join(path, "notes.txt"), "mine");
    expect(() => new Store({ path })).toThrow(NotAStoreError);
    expect(() => new Store({ path })).toThrow(`${path}: not a swarmstate store`);
    const file = join(path, "notes.txt");
    expect(() => new Store({ path: file })).toThrow(
      expect.objectContaining({ code: "ERR_SWARMSTATE_NOT_A_STORE", path: file }),
    );
  });

  it("refuses a path through a regular file with a StoreIOError, the system error its cause", () => {
    const path = freshDir();
    mkdirSync(path);
    writeFileSync(join(path, "file"), "mine");
    const inside = join(path, "file", "store");
    let error: unknown;
    try {
      openStore({ path: inside });
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(StoreIOError);
    expect(error).toBeInstanceOf(StoreFileError);
    expect(error).toMatchObject({ code: "ERR_SWARMSTATE_IO", path: inside });
    expect((error as Error).message).toMatch(
      /^\S+file\/store: cannot read the store's directory: ENOTDIR/,
    );
    expect(((error as Error).cause as NodeJS.ErrnoException).code).toBe("ENOTDIR");
    expect(readFileSync(join(path, "file"), "utf8")).toBe("mine");
  });

  it("refuses a directory it may not write in with a StoreIOError, creating nothing", async () => {
    const closed = closedDirectory();
    try {
      const path = join(closed.dir, "new", "store");
      const program = `
        const { Store } = await import(${JSON.stringify(entry)});
        try {
          new Store({ path: ${JSON.stringify(path)} });
        } catch (error) {
          const { name, code, path, message } = error;
          console.log(JSON.stringify({ name, code, path, message, cause: error.cause.code }));
        }
      `;
      const [command, args] = unprivileged(["--input-type=module", "-e", program]);
      const { stdout } = await run(command, args, { timeout: 20_000 });
      expect(JSON.parse(stdout)).toEqual({
        name: "StoreIOError",
        code: "ERR_SWARMSTATE_IO",
        path,
        message: `${path}: cannot create the store's directory: EACCES: permission denied, mkdir '${path}'`,
        cause: "EACCES",
      });
      expect(readdirSync(closed.dir)).toEqual([]);
    } finally {
      closed.remove();
    }
  });

  it("refuses another shard count than the one on disk, naming both", async () => {
    const path = freshDir();
    openStore({ path, shards: 2 });
    await closeAll();
    expect(() => new Store({ path, shards: 3 })).toThrow(RangeError);
    expect(() => new Store({ path, shards: 3 })).toThrow("has 2 shards, not 3");
  });

  it("refuses damaged files instead of opening an empty or wrong store", async () => {
    const path = freshDir();
    const store = openStore({ path, shards: 1 });
    await store.set("n", "k", "DAMAGE-ME-PLEASE");
    await store.set("n", "after", 1); // damage to the very last record reads as a torn write
    await closeAll();
    const data = join(path, "shard-0", SEGMENT_1);
    const bytes = readFileSync(data);
    const at = bytes.indexOf("DAMAGE-ME-PLEASE");
    expect(at).toBeGreaterThan(0);
    bytes[at] = "X".charCodeAt(0);
    writeFileSync(data, bytes);
    const damaged = openStore({ path });
    const error = await damaged.get("n", "k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreDamagedError);
    expect(error).toMatchObject({ code: "ERR_SWARMSTATE_DAMAGED" });
    expect((error as Error).message).toContain("fails its checksum, with data after it");
    await expect(damaged.snapshot()).rejects.toBeInstanceOf(StoreDamagedError);
  });

  it("refuses a segment cut inside its header, and an unreadable store marker", async () => {
    const path = freshDir();
    const store = openStore({ path, shards: 1 });
    await store.setMany(Array.from({ length: 2000 }, (_, i) => ["n", `k${i}`, i] as const));
    await closeAll();
    truncateSync(join(path, "shard-0", SEGMENT_1), 10);
    const cut = openStore({ path });
    await expect(cut.size()).rejects.toThrow("no sound header");
    await closeAll();
    writeFileSync(join(path, "swarmstate.json"), "{ not json");
    expect(() => new Store({ path })).toThrow(StoreDamagedError);
  });

  it("refuses a marker with a shard count out of range before starting any shard", async () => {
    const path = freshDir();
    openStore({ path, shards: 2 });
    await closeAll();
    const marker = join(path, "swarmstate.json");
    const written = JSON.parse(readFileSync(marker, "utf8"));
    for (const shards of [0, 65, 1e9]) {
      writeFileSync(marker, JSON.stringify({ ...written, shards }));
      expect(() => new Store({ path })).toThrow(
        `swarmstate.json says ${shards} shards; a store has 1 to 64`,
      );
      expect(readdirSync(path).sort()).toEqual([
        "lock",
        "reached.json",
        "shard-0",
        "shard-1",
        "swarmstate.json",
      ]);
    }
  });

  it("refuses a store in the lmdb format of an unreleased build, saying so", () => {
    const path = freshDir();
    mkdirSync(join(path, "shard-0"), { recursive: true });
    writeFileSync(join(path, "shard-0", "data.mdb"), Buffer.alloc(8192));
    const marker = { format: "swarmstate.store", version: 1, store: "s", shards: 1 };
    writeFileSync(join(path, "swarmstate.json"), JSON.stringify(marker));
    expect(() => new Store({ path })).toThrow(NotAStoreError);
    expect(() => new Store({ path })).toThrow("in the lmdb format of an unreleased build");
  });

  it("checks its options", () => {
    expect(() => new Store({ durability: "sync" })).toThrow(
      "options.durability: only with options.path",
    );
    expect(() => new Store({ path: freshDir(), durability: "fast" as never })).toThrow(TypeError);
    expect(() => new Store({ path: "" })).toThrow("options.path: expected a non-empty string");
  });
});
