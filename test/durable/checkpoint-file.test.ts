import { readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StoreDamagedError } from "../../src/core/errors.js";
import { Mut, type Mutations } from "../../src/core/replay/mutations.js";
import {
  readCheckpoint,
  removeBefore,
  writeCheckpoint,
} from "../../src/durable/checkpoint-file.js";
import type { CheckpointInfo } from "../../src/durable/log-records.js";
import { scratchPerTest } from "../fixtures/scratch.js";

const identity = { shard: 1, shards: 2, store: "a-store" };
const scratch = scratchPerTest("swarmstate-checkpoint-");

const info = (at: number): CheckpointInfo => ({
  at,
  cut: 3,
  // A client this shard has applied nothing of yet is covered up to 0.
  covered: [
    ["1:1", 4],
    ["1:2", 0],
  ],
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
  await writeCheckpoint(scratch(), identity, chunks, info(at), async () => {});
  return join(scratch(), `${String(at).padStart(20, "0")}.checkpoint`);
}

function damage(): unknown {
  try {
    const read = readCheckpoint(scratch(), identity);
    if (read !== null) [...read.chunks()];
  } catch (error) {
    return error;
  }
  return null;
}

describe("a shard's checkpoint", () => {
  it("reads back what was written, the newest one, and removes the older ones", async () => {
    expect(readCheckpoint(scratch(), identity)).toBeNull();
    await write(10);
    const path = await write(20);
    const read = readCheckpoint(scratch(), identity);
    expect(read?.info).toEqual(info(20));
    expect(read?.bytes).toBe(readFileSync(path).length);
    expect([...(read?.chunks() ?? [])]).toEqual(chunks);
    removeBefore(scratch(), 20);
    expect(readdirSync(scratch())).toEqual(["00000000000000000020.checkpoint"]);
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
    expect(() => readCheckpoint(scratch(), { ...identity, shard: 0 })).toThrow(
      /the header's shard is 1, expected 0/,
    );
    writeFileSync(join(scratch(), "00000000000000000009.checkpoint"), readFileSync(path));
    expect(() => readCheckpoint(scratch(), identity)).toThrow(/says it holds the log to 7/);
  });
});
