import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { StoreDamagedError } from "../../src/core/errors.js";
import { Mut } from "../../src/core/replay/mutations.js";
import { frame } from "../../src/durable/frames.js";
import { encode, encodeEntry, type LogRecord } from "../../src/durable/log-records.js";
import { LogWriter } from "../../src/durable/log-writer.js";
import { readLog, segmentName } from "../../src/durable/segments.js";
import { scratchPerTest } from "../fixtures/scratch.js";

const identity = { shard: 0, shards: 2, store: "a-store" };
const scratch = scratchPerTest("swarmstate-segments-");

function batch(n: number): LogRecord {
  return {
    kind: "batch",
    client: "1:1",
    seq: n,
    sent: [n, 0],
    writers: [0],
    mutations: [Mut.set, "ns", `k${n}`, `\u00ff${n}`, Mut.delete, "ns", "gone"],
  };
}

/** Appends batches `from..to` through a writer on what is in `scratch()`, and closes it. */
async function append(from: number, to: number, rotateAt: number[] = []): Promise<void> {
  const writer = new LogWriter(scratch(), identity, readLog(scratch(), identity, 0));
  writer.start();
  const done: Promise<void>[] = [];
  for (let n = from; n <= to; n++) {
    if (rotateAt.includes(n)) {
      await Promise.all(done);
      writer.rotate();
    }
    done.push(writer.append(batch(n)));
  }
  await Promise.all(done);
  await writer.close();
}

const records = (after = 0) => readLog(scratch(), identity, after).entries.map((e) => e.record);
const segments = () =>
  readdirSync(scratch())
    .filter((name) => name.endsWith(".log"))
    .sort();
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => batch(from + i));

function expectDamaged(problem: RegExp): void {
  let thrown: unknown;
  try {
    readLog(scratch(), identity, 0);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(StoreDamagedError);
  expect((thrown as Error).message).toMatch(problem);
}

describe("a shard's log", () => {
  it("reads back every entry appended, across segments and reopenings", async () => {
    await append(1, 5);
    await append(6, 12, [9]);
    expect(segments()).toEqual([segmentName(1), segmentName(9)]);
    expect(records()).toEqual(range(1, 12));
    expect(records(7)).toEqual(range(8, 12));
    expect(readLog(scratch(), identity, 0).last).toBe(12);
  });

  it("starts a new shard's log with an empty segment", () => {
    new LogWriter(scratch(), identity, readLog(scratch(), identity, 0)).start();
    expect(segments()).toEqual([segmentName(1)]);
    expect(readLog(scratch(), identity, 0)).toMatchObject({ entries: [], last: 0, torn: null });
  });

  it("writes what is pending at once when asked (the process is ending)", async () => {
    const writer = new LogWriter(scratch(), identity, readLog(scratch(), identity, 0));
    writer.start();
    const done = [writer.append(batch(1)), writer.append(batch(2))];
    writer.commitNow();
    expect(records()).toEqual(range(1, 2));
    await Promise.all(done);
    await writer.close();
  });

  it("skips what a drop entry names", async () => {
    const writer = new LogWriter(scratch(), identity, readLog(scratch(), identity, 0));
    writer.start();
    await Promise.all([1, 2, 3].map((n) => writer.append(batch(n))));
    await writer.append({ kind: "drop", dropped: [2] });
    await writer.append(batch(4));
    await writer.close();
    expect(records()).toEqual([batch(1), batch(3), batch(4)]);
    expect(readLog(scratch(), identity, 0).last).toBe(5);
  });

  it("removes the segments a checkpoint holds, never the newest", async () => {
    await append(1, 9, [4, 7]);
    const writer = new LogWriter(scratch(), identity, readLog(scratch(), identity, 0));
    writer.removeThrough(5);
    expect(segments()).toEqual([segmentName(4), segmentName(7)]);
    writer.removeThrough(9);
    expect(segments()).toEqual([segmentName(7)]);
    await writer.close();
    expect(records(9)).toEqual([]);
  });

  it("moves on to an empty segment to remove one a checkpoint holds whole", async () => {
    const writer = new LogWriter(scratch(), identity, readLog(scratch(), identity, 0));
    writer.start();
    await Promise.all([1, 2, 3].map((n) => writer.append(batch(n))));
    writer.rotate(); // a checkpoint at entry 3, and nothing appended before it is written
    writer.removeThrough(3);
    expect(segments()).toEqual([segmentName(4)]);
    await writer.append(batch(4));
    await writer.close();
    expect(records(3)).toEqual([batch(4)]);
  });

  it("reads a torn end of the newest segment as a crash, and appends after the cut", async () => {
    await append(1, 4);
    const path = join(scratch(), segmentName(1));
    const size = readFileSync(path).length;
    truncateSync(path, size - 3);
    const log = readLog(scratch(), identity, 0);
    expect(log.entries.map((e) => e.record)).toEqual(range(1, 3));
    expect(log.torn).toMatchObject({ segment: segmentName(1) });
    const offset = log.torn?.offset as number;
    expect(log.segments[0]?.end).toBe(offset);
    await append(4, 5);
    expect(records()).toEqual(range(1, 5));
    // The torn bytes are kept aside.
    const aside = readFileSync(`${path}.torn-${offset}`);
    expect(aside.length).toBe(size - 3 - offset);
  });

  it("refuses a torn end anywhere but the newest segment", async () => {
    await append(1, 6, [4]);
    const path = join(scratch(), segmentName(1));
    truncateSync(path, readFileSync(path).length - 2);
    expectDamaged(/0{19}1\.log: the store's files are damaged: at byte \d+: a frame of/);
  });

  it("refuses a missing segment, a gap, and a log that stops before its checkpoint", async () => {
    await append(1, 9, [4, 7]);
    rmSync(join(scratch(), segmentName(4)));
    expectDamaged(/starts at entry 7, the one before ends at 3/);
    rmSync(join(scratch(), segmentName(1)));
    expectDamaged(/the log starts at entry 7, the checkpoint ends at 0/);
    expect(() => readLog(scratch(), identity, 12)).toThrow(
      /ends at entry 9, before its checkpoint's last entry 12/,
    );
  });

  it("refuses a segment of another shard or store", async () => {
    await append(1, 2);
    expect(() => readLog(scratch(), { ...identity, shard: 1 }, 0)).toThrow(
      /header's shard is 0, expected 1/,
    );
    expect(() => readLog(scratch(), { ...identity, store: "other" }, 0)).toThrow(
      /header's store is a-store, expected other/,
    );
  });

  it("refuses a sound frame that is not the record it claims, naming the field", async () => {
    await append(1, 2);
    const path = join(scratch(), segmentName(1));
    const bad = { ...batch(3), sent: [1, "two"] };
    writeFileSync(path, frame(encode([3, bad])), { flag: "a" });
    expectDamaged(/at byte \d+: batch\.sent\[1\] is not an integer from 0/);
  });

  it("refuses entries out of order", async () => {
    await append(1, 2);
    writeFileSync(
      join(scratch(), segmentName(1)),
      frame(encodeEntry({ at: 5, record: batch(5) })),
      {
        flag: "a",
      },
    );
    expectDamaged(/entry 5 where 3 belongs/);
  });
});
