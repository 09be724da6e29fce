/**
 * A damaged store is refused, never fatal, never opened different: every 4 KiB block of every
 * file of a small durable store damaged in several ways, files, shards and the marker deleted
 * or replaced, each copy reopened in a child process (test/fixtures/open-stores.mjs). Each must
 * open exactly as the original was or be refused with `StoreDamagedError`, never end the
 * process by a signal, hang, or fail otherwise; a refusal must leave every byte on disk as it
 * was, so undoing the damage gives back the whole store. And the newest segment cut at every
 * byte of its last records (a crash mid-write) opens as what was written before the cut.
 */
import { createHash } from "node:crypto";
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Store } from "swarmstate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { shardOf } from "../../dist/core/protocol/hash.js";
import { FRAME_HEADER, readFrames } from "../../dist/durable/frames.js";
import { runToEnd } from "../fixtures/ended.js";

const opener = fileURLToPath(new URL("../fixtures/open-stores.mjs", import.meta.url));
const BLOCK = 4096;

let root: string;
let pristine: string;
/** shard-1 as it was after the first of the two sessions that built the store. */
let staleShard1: string;

/** A namespace that lives on shard `shard` of 2. */
function onShard(shard: number, prefix: string): string {
  for (let i = 0; ; i++) if (shardOf(`${prefix}${i}`, 2) === shard) return `${prefix}${i}`;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "swarmstate-damage-"));
  pristine = join(root, "pristine");
  const first = new Store({ path: pristine, shards: 2 });
  // Enough that each shard's files span several 4 KiB blocks.
  const text = "some agent state ".repeat(4);
  await first.setMany(
    Array.from({ length: 400 }, (_, i) => [`ns${i % 8}`, `k${i}`, { i, text }] as const),
  );
  await first.snapshot();
  await first.delete("ns1", "k1");
  await first.setMany([
    ["ns2", "k2", "changed"],
    ["ns3", "new", [1, 2]],
  ]);
  await first.snapshot();
  await first.close();
  staleShard1 = join(root, "stale-shard-1");
  cpSync(join(pristine, "shard-1"), staleShard1, { recursive: true });

  // A second session: shard 0 logs more than a checkpoint's threshold in one value, which is
  // then overwritten, so its checkpoint (taken at the next cut, written at the one after) is
  // small and replaces the big segment.
  const second = new Store({ path: pristine });
  const big = onShard(0, "big");
  await second.set(big, "value", "x".repeat(4_500_000));
  await second.set(big, "value", "small again");
  await second.snapshot();
  await second.snapshot();
  await second.setMany([
    [onShard(1, "late"), "a", 1],
    [onShard(0, "late"), "b", 2],
  ]);
  await second.delete("ns4", "k4");
  await second.close();
}, 60_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/**
 * Every file and directory under `dir`, with a hash of each file's bytes, but the lock's: each
 * opening adds a claim there and frees it (process-lock.ts), refused or not.
 */
function fingerprint(dir: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (at: string, name: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (name === "" && entry.name === "lock") continue;
      const path = join(at, entry.name);
      const key = `${name}${entry.name}`;
      if (entry.isDirectory()) {
        found[`${key}/`] = "dir";
        walk(path, `${key}/`);
      } else found[key] = createHash("sha1").update(readFileSync(path)).digest("hex");
    }
  };
  walk(dir, "");
  return found;
}

/** The store's files, relative to its directory. */
function filesOf(dir: string): string[] {
  return Object.keys(fingerprint(dir)).filter((name) => !name.endsWith("/"));
}

interface Case {
  name: string;
  damage: (dir: string) => void;
}

function damageCases(): Case[] {
  const cases: Case[] = [];
  for (const file of filesOf(pristine)) {
    const size = statSync(join(pristine, file)).size;
    for (let block = 0; block * BLOCK < size; block++) {
      const from = block * BLOCK;
      const length = Math.min(BLOCK, size - from);
      const edit = (name: string, change: (bytes: Buffer) => void) =>
        cases.push({
          name: `${file} block ${block}: ${name}`,
          damage: (dir) => {
            const bytes = readFileSync(join(dir, file));
            change(bytes.subarray(from, from + length));
            writeFileSync(join(dir, file), bytes);
          },
        });
      edit("one byte changed", (bytes) => {
        const at = Math.floor(bytes.length / 2);
        bytes[at] = (bytes[at] as number) ^ 0x40;
      });
      edit("zeroed", (bytes) => bytes.fill(0));
      edit("overwritten with garbage", (bytes) => {
        for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + 13) & 0xff;
      });
      for (const at of new Set([from, from + Math.floor(length / 2)])) {
        cases.push({
          name: `${file} cut at byte ${at}`,
          damage: (dir) => truncateSync(join(dir, file), at),
        });
      }
    }
    cases.push({ name: `${file} deleted`, damage: (dir) => rmSync(join(dir, file)) });
  }
  for (const shard of ["shard-0", "shard-1"]) {
    cases.push({
      name: `${shard} deleted`,
      damage: (dir) => rmSync(join(dir, shard), { recursive: true }),
    });
  }
  cases.push({
    name: "shard-0 and shard-1 swapped",
    damage: (dir) => {
      renameSync(join(dir, "shard-0"), join(dir, "shard-x"));
      renameSync(join(dir, "shard-1"), join(dir, "shard-0"));
      renameSync(join(dir, "shard-x"), join(dir, "shard-1"));
    },
  });
  cases.push({
    name: "shard-1 put back from an older copy",
    damage: (dir) => {
      rmSync(join(dir, "shard-1"), { recursive: true });
      cpSync(staleShard1, join(dir, "shard-1"), { recursive: true });
    },
  });
  return cases;
}

interface Opened {
  path: string;
  digest?: string;
  error?: { name: string; code?: string; message: string };
}

/** Opens each of `paths` in child processes, a few per process; one result per path. */
async function openInChildren(paths: string[]): Promise<Map<string, Opened>> {
  const results = new Map<string, Opened>();
  const perChild = 16;
  for (let i = 0; i < paths.length; i += perChild) {
    const batch = paths.slice(i, i + perChild);
    const ended = await runToEnd(process.execPath, [opener, JSON.stringify(batch)], 120_000);
    const lines = ended.stdout.split("\n").filter((line) => line !== "");
    for (const line of lines) {
      const opened = JSON.parse(line) as Opened;
      results.set(opened.path, opened);
    }
    // A signal, a hang (killed at the timeout) or a crash leaves the rest without a line.
    expect(
      { signal: ended.signal, code: ended.code, stderr: ended.stderr.slice(0, 2000) },
      `opening ${batch[lines.length] ?? "the last case"}`,
    ).toEqual({ signal: null, code: 0, stderr: "" });
  }
  return results;
}

describe("a damaged durable store", () => {
  it("opens exactly as it was, or is refused with StoreDamagedError and nothing changed on disk", async () => {
    expect(filesOf(pristine).some((name) => name.endsWith(".checkpoint"))).toBe(true);
    const cases = damageCases();
    const copies = cases.map((c, i) => {
      const dir = join(root, `case-${i}`);
      cpSync(pristine, dir, { recursive: true });
      c.damage(dir);
      return { ...c, dir, before: fingerprint(dir) };
    });
    const original = join(root, "original");
    cpSync(pristine, original, { recursive: true });
    const results = await openInChildren([original, ...copies.map((c) => c.dir)]);
    const whole = results.get(original)?.digest;
    expect(whole).toMatch(/^[0-9a-f]{64}$/);
    const refused: string[] = [];
    for (const { name, dir, before } of copies) {
      const result = results.get(dir);
      if (result?.error !== undefined) {
        expect(result.error.name, `${name}: ${result.error.message}`).toBe("StoreDamagedError");
        expect(fingerprint(dir), `${name}: the refused open changed the files`).toEqual(before);
        refused.push(name);
      } else {
        expect(result?.digest, `${name} opened different`).toBe(whole);
      }
    }
    // Everything is refused but the loss of reached.json, which only loosens the checks.
    const opened = copies.map((c) => c.name).filter((name) => !refused.includes(name));
    expect(opened).toEqual(["reached.json deleted"]);
  }, 240_000);
});

describe("a crash in the middle of a write", () => {
  it("reopens the newest segment cut at any byte of its last records as what came before", async () => {
    const path = join(root, "torn");
    const first = new Store({ path, shards: 0 });
    await first.set("base", "k", 1);
    await first.close();
    // reached.json now holds where this opening started: what follows may be lost to a crash.
    const second = new Store({ path, shards: 0 });
    const written = 4;
    for (let i = 0; i < written; i++) await second.set("t", `k${i}`, "v".repeat(i * 10));
    const crashed = join(root, "torn-crashed");
    cpSync(path, crashed, { recursive: true }); // everything acknowledged, nothing closed
    rmSync(join(crashed, "lock"), { recursive: true }); // this live process's claim: a crash leaves a dead one's
    await second.close();

    const segment = join("shard-0", "00000000000000000001.log");
    const bytes = readFileSync(join(crashed, segment));
    const last = readFrames(bytes).frames.slice(-written);
    const start = last[0]?.offset as number;
    const lastEnd =
      (last.at(-1)?.offset as number) + FRAME_HEADER + (last.at(-1)?.payload.length as number);
    const seen = new Set<number>();
    // Every byte of the last records (zeros may follow: room the log keeps past its end).
    for (let cut = start; cut < lastEnd; cut++) {
      const dir = join(root, "torn-cut");
      cpSync(crashed, dir, { recursive: true });
      truncateSync(join(dir, segment), cut);
      const whole = last.filter((f) => f.offset + FRAME_HEADER + f.payload.length <= cut).length;
      const store = new Store({ path: dir, shards: 0 });
      try {
        expect(await store.get("base", "k")).toBe(1);
        expect((await store.keys("t")).sort(), `cut at byte ${cut}`).toEqual(
          Array.from({ length: whole }, (_, i) => `k${i}`),
        );
        seen.add(whole);
      } finally {
        await store.close();
        rmSync(dir, { recursive: true });
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
  }, 120_000);
});
