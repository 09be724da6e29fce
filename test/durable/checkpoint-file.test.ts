import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreDamagedError } from "../../src/core/errors.js";
import { Mut, type Mutations } from "../../src/core/mutations.js";
import {
  readCheckpoint,
  removeBefore,
  writeCheckpoint,
} from "../../src/durable/checkpoint-file.js";
import type { CheckpointInfo } from "../../src/durable/log-records.js";

const identity = { shard: 1, shards: 2, store: "a-store" };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "swarmstate-checkpoint-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const info = (at: number): CheckpointInfo => ({
  at,
  cut: 3,
  covered: [["1:1", 4]],
  snapshots: [{ id: 2, parent: null, timestamp: 1_700_000_000.5 }],
  lastSnapshotId: 2,
});
const chunks: Mutations[] = Array.from({ length: 200 }, (_, i) => [
  Mut.set,
  "ns",
  `key ${i}`,
  `\u0000\u00ff${i}`,
  Mut.snapshot,
  2,
]);

async function write(at: number): Promise<string> {
  await writeCheckpoint(dir, identity, chunks, info(at), async () => {});
  return join(dir, `${String(at).padStart(20, "0")}.checkpoint`);
}

function damage(): unknown {
  try {
    const read = readCheckpoint(dir, identity);
    if (read !== null) [...read.chunks()];
  } catch (error) {
    return error;
  }
  return null;
}

describe("a shard's checkpoint", () => {
  it("reads back what was written, the newest one, and removes the older ones", async () => {
    expect(readCheckpoint(dir, identity)).toBeNull();
    await write(10);
    const path = await write(20);
    const read = readCheckpoint(dir, identity);
    expect(read?.info).toEqual(info(20));
    expect(read?.bytes).toBe(readFileSync(path).length);
    expect([...(read?.chunks() ?? [])]).toEqual(chunks);
    removeBefore(dir, 20);
    expect(readdirSync(dir)).toEqual(["00000000000000000020.checkpoint"]);
  });

  it("refuses one cut short, with bytes changed, or with zeros after it", async () => {
    const path = await write(7);
    const whole = readFileSync(path);
    for (const at of [1, 9, Math.floor(whole.length / 2), whole.length - 1]) {
      truncateSync(path, at);
      expect(damage()).toBeInstanceOf(StoreDamagedError);
      writeFileSync(path, whole);
      const changed = Buffer.from(whole);
      changed[at] = (changed[at] as number) ^ 0x10;
      writeFileSync(path, changed);
      expect(damage()).toBeInstanceOf(StoreDamagedError);
      writeFileSync(path, whole);
    }
    writeFileSync(path, Buffer.concat([whole, Buffer.alloc(10)]));
    expect(String(damage())).toMatch(/zeros where a frame belongs/);
    writeFileSync(path, whole);
    expect(damage()).toBeNull();
  });

  it("refuses one of another shard, or whose name says another position", async () => {
    const path = await write(7);
    expect(() => readCheckpoint(dir, { ...identity, shard: 0 })).toThrow(
      /the header's shard is 1, expected 0/,
    );
    writeFileSync(join(dir, "00000000000000000009.checkpoint"), readFileSync(path));
    expect(() => readCheckpoint(dir, identity)).toThrow(/says it holds the log to 7/);
  });
});
