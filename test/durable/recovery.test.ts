import { describe, expect, it } from "vitest";
import { decideRecovery, type ShardFindings } from "../../src/durable/recovery.js";

/** A shard's findings: no checkpoint unless given. */
function shard(found: Partial<ShardFindings>): ShardFindings {
  return { checkpointCut: 0, covered: [], cuts: [], batches: [], position: 0, ...found };
}

describe("recovery after a crash", () => {
  it("keeps everything that every shard has", () => {
    const part = (seq: number) => ({ client: "s:1", seq, sent: [seq, seq], writers: [0, 1] });
    const both = shard({ cuts: [1, 2], batches: [part(1), part(2)] });
    expect(decideRecovery([both, both], "store")).toEqual({ dropCuts: [], dropFrom: [] });
  });

  it("drops a flush one of its shards lacks, and everything after it from that client", () => {
    // Client s:1 flushed [1,1] (shards 0 and 1), then [2,1] (shard 0), then [2,2] (shard 1).
    const zero = shard({
      batches: [
        { client: "s:1", seq: 1, sent: [1, 1], writers: [0, 1] },
        { client: "s:1", seq: 2, sent: [2, 1], writers: [0] },
      ],
    });
    // Shard 1 lost its part of the first flush (not yet flushed when the process died).
    const one = shard({ batches: [{ client: "s:1", seq: 2, sent: [2, 2], writers: [1] }] });
    expect(decideRecovery([zero, one], "store")).toEqual({ dropCuts: [], dropFrom: [["s:1", 2]] });
  });

  it("counts a part a checkpoint holds as there", () => {
    const zero = shard({ batches: [{ client: "s:1", seq: 3, sent: [3, 2], writers: [0, 1] }] });
    const one = shard({ checkpointCut: 4, covered: [["s:1", 2]], cuts: [] });
    expect(decideRecovery([zero, one], "store")).toEqual({ dropCuts: [], dropFrom: [] });
  });

  it("drops a cut a shard did not log, keeps those a checkpoint covers", () => {
    const zero = shard({ checkpointCut: 2, cuts: [3, 4] });
    const one = shard({ cuts: [1, 2, 3] });
    expect(decideRecovery([zero, one], "store")).toEqual({ dropCuts: [4], dropFrom: [] });
  });

  it("treats clients separately", () => {
    const zero = shard({
      batches: [
        { client: "a", seq: 1, sent: [1, 1], writers: [0, 1] },
        { client: "b", seq: 1, sent: [1, 0], writers: [0] },
      ],
    });
    const one = shard({ batches: [] });
    expect(decideRecovery([zero, one], "store")).toEqual({ dropCuts: [], dropFrom: [["a", 2]] });
  });
});

describe("damage that recovery refuses", () => {
  it("refuses a shard lacking a cut that others have, when a later cut followed it", () => {
    const others = shard({ cuts: [4, 5, 6] });
    const stale = shard({ cuts: [4] });
    expect(() => decideRecovery([others, stale], "/the/store")).toThrow(
      "/the/store: the store's files are damaged: shard 1 lacks cut 5, which other shards have, " +
        "though cut 6 came after it",
    );
    // Only the last cut may be missing on some shards: the one a crash interrupted.
    expect(decideRecovery([others, shard({ cuts: [4, 5] })], "/the/store").dropCuts).toEqual([6]);
    // A checkpoint taken at or after a cut holds it.
    expect(decideRecovery([others, shard({ checkpointCut: 5 })], "/s").dropCuts).toEqual([6]);
  });
});
