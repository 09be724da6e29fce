import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ClientBatch } from "../../src/core/protocol/batch-format.js";
import { COMMIT_WORD_BYTES, CommitWord } from "../../src/core/protocol/commit-word.js";
import { CommitGate } from "../../src/shard/commit-gate.js";

/** Batch `seq` of a client, a part of multi-shard flush `commit` if given. */
function batch(seq: number, commit?: number): ClientBatch {
  const part = { seq, sent: [seq], writers: [0], ops: [] };
  return commit === undefined ? part : { ...part, writers: [0, 1], commit };
}

function makeGate() {
  const commits = new SharedArrayBuffer(COMMIT_WORD_BYTES);
  const word = new CommitWord(commits);
  const passed: number[] = [];
  const gate = new CommitGate(commits, (b) => passed.push(b.seq));
  return { gate, passed, commit: (n: number) => word.commit(n) };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setImmediate", "setTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("a client's commit gate at a shard", () => {
  it("passes single-shard batches and committed parts at once", () => {
    const { gate: g, passed, commit } = makeGate();
    g.arrive(batch(1));
    commit(1);
    g.arrive(batch(2, 1));
    expect(passed).toEqual([1, 2]);
  });

  it("holds a part until its flush is committed, and the client's later batches behind it", () => {
    const { gate: g, passed, commit } = makeGate();
    g.arrive(batch(1, 1));
    g.arrive(batch(2));
    g.arrive(batch(3, 2));
    vi.advanceTimersByTime(100); // polled, eagerly then once a millisecond: nothing committed
    expect(passed).toEqual([]);
    commit(1);
    vi.advanceTimersByTime(1);
    expect(passed).toEqual([1, 2]);
    commit(2);
    vi.advanceTimersByTime(1);
    expect(passed).toEqual([1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0); // stops polling once nothing waits
  });

  it("on close, passes what was committed and drops the flush that never was", () => {
    const { gate: g, passed, commit } = makeGate();
    g.arrive(batch(1, 1));
    g.arrive(batch(2, 2));
    commit(1);
    g.close();
    expect(passed).toEqual([1]);
    vi.runAllTimers();
    expect(passed).toEqual([1]);
  });
});
