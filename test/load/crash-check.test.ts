/**
 * The crash test's check (src/crash/recovery-check.ts) against stores doctored by hand: it must
 * pass every whole prefix the contract allows and fail, saying what, on everything else.
 */
import { describe, expect, it } from "vitest";
import type { LoggedUnit } from "../../src/crash/ledger-file.js";
import { Model } from "../../src/crash/model.js";
import { checkSession, type Observed } from "../../src/crash/recovery-check.js";
import { diffOf } from "../../src/crash/snapshot-check.js";
import type { LoggedSnapshot, Unit } from "../../src/crash/units.js";

const describeTag = (tag: string) => `write ${tag}`;

function facts(id: number): LoggedSnapshot {
  return { id, parent: id === 1 ? null : id - 1, timestamp: 1000 + id, sizeBytes: 10 * id };
}

function batch(n: number, size = 4): Unit {
  return { op: "batch", n, sets: Array.from({ length: size }, (_, i) => [`ns${i}`, `b${n}/${i}`]) };
}

function acked(unit: Unit, extra: Partial<{ deleted: boolean[]; snapshot: LoggedSnapshot }> = {}) {
  return { unit, ack: { t: "ok" as const, n: unit.n, ...extra } };
}

function unacked(unit: Unit): LoggedUnit {
  return { unit, ack: null };
}

/** The store as it is after the first `count` units (each snapshot with the facts given). */
function storeAfter(
  start: Model,
  units: LoggedUnit[],
  count: number,
  extra?: LoggedSnapshot,
): Observed {
  const model = start.copy();
  units.slice(0, count).forEach(({ unit, ack }) => {
    model.apply(unit, ack?.snapshot ?? extra);
  });
  return {
    contents: new Map(model.contents),
    snapshots: [...model.snapshots.values()].map((held) => held.facts),
  };
}

/** A store holding unit 1's batch, and the session that follows it. */
function scene() {
  const start = new Model();
  start.apply(batch(1));
  const units: LoggedUnit[] = [
    acked(batch(2)),
    acked(
      {
        op: "burst",
        n: 3,
        calls: [
          ["set", "ns5", "u3/0"],
          ["set", "ns1", "b2/1"],
          ["delete", "ns2", "b2/2"],
          ["delete", "ns2", "gone"],
        ],
      },
      { deleted: [true, false] },
    ),
    acked({ op: "snapshot", n: 4 }, { snapshot: facts(1) }),
    unacked(batch(5)),
    unacked({ op: "burst", n: 6, calls: [["delete", "ns0", "b1/0"]] }),
  ];
  return { start, units };
}

describe("the crash test's check", () => {
  it("passes a store that kept every acknowledged unit and dropped the rest whole", () => {
    const { start, units } = scene();
    const check = checkSession(start, units, storeAfter(start, units, 3), "sync", describeTag);
    expect(check.failures).toEqual([]);
    expect(check.kept).toBe(3);
    expect(check.counts).toMatchObject({
      acknowledgedFlushes: 2,
      acknowledgedWrites: 8,
      acknowledgedSnapshots: 1,
      unacknowledgedApplied: 0,
      unacknowledgedDropped: 2,
    });
    expect([...check.model.snapshots.keys()]).toEqual([1]);
  });

  it("passes a store that also kept unacknowledged units, in order, whole", () => {
    const { start, units } = scene();
    for (const count of [4, 5]) {
      const check = checkSession(
        start,
        units,
        storeAfter(start, units, count),
        "sync",
        describeTag,
      );
      expect([check.failures, check.kept]).toEqual([[], count]);
      expect(check.counts.unacknowledgedApplied).toBe(count - 3);
    }
  });

  it("fails a batch kept in part, naming it and the keys it lacks", () => {
    const { start, units } = scene();
    const observed = storeAfter(start, units, 4);
    observed.contents.delete("ns1\u0000b5/1");
    observed.contents.delete("ns3\u0000b5/3");
    const check = checkSession(start, units, observed, "sync", describeTag);
    expect(check.kept).toBeNull();
    expect(check.failures).toContain(
      "unit 5 (a batch, not acknowledged): 2 of its 4 writes are in the store: kept in part",
    );
    // The closest prefix leaves unit 5 out: its two writes found are what differs.
    expect(check.failures).toContain(
      "ns0/b5/0: the ledger says nothing, the store holds write 5.0",
    );
  });

  it("fails a unit kept after an earlier one was dropped", () => {
    const { start, units } = scene();
    const observed = storeAfter(start, units, 3);
    observed.contents.delete("ns0\u0000b1/0"); // unit 6 applied, unit 5 not
    const check = checkSession(start, units, observed, "sync", describeTag);
    expect(check.kept).toBeNull();
    expect(check.failures[0]).toMatch(
      /^no prefix of the writer's 5 units .*\(at least the first 3:/,
    );
    expect(check.failures).toContain(
      "ns0/b1/0: the ledger says write 1.0, the store holds nothing",
    );
  });

  it("fails an acknowledged write that is missing, or changed", () => {
    const { start, units } = scene();
    const missing = storeAfter(start, units, 5);
    missing.contents.delete("ns0\u0000b2/0");
    expect(checkSession(start, units, missing, "sync", describeTag).failures).toContain(
      "ns0/b2/0: the ledger says write 2.0, the store holds nothing",
    );
    const changed = storeAfter(start, units, 5);
    changed.contents.set("ns1\u0000b2/1", "2.1");
    expect(checkSession(start, units, changed, "sync", describeTag).failures).toContain(
      "ns1/b2/1: the ledger says write 3.1, the store holds write 2.1",
    );
  });

  it("fails an acknowledged snapshot that is missing, or whose facts changed", () => {
    const { start, units } = scene();
    const observed = storeAfter(start, units, 3);
    const check = checkSession(start, units, { ...observed, snapshots: [] }, "sync", describeTag);
    expect(check.failures).toContain("live snapshots: the ledger says [1], the store has []");
    const moved = { ...facts(1), timestamp: 5 };
    const later = checkSession(
      start,
      units,
      { ...observed, snapshots: [moved] },
      "sync",
      describeTag,
    );
    expect(later.failures).toEqual([
      "snapshot 1: its timestamp is 5 after reopening, 1001 when it was taken",
    ]);
  });

  it('with "async", lets acknowledged writes after the last acknowledged cut go, never the cut', () => {
    const start = new Model();
    const units = [
      acked(batch(1)),
      acked({ op: "snapshot", n: 2 }, { snapshot: facts(1) }),
      acked(batch(3)),
      unacked(batch(4)),
    ];
    const lost = storeAfter(start, units, 2);
    const check = checkSession(start, units, lost, "async", describeTag);
    expect([check.failures, check.kept, check.counts.acknowledgedLost]).toEqual([[], 2, 1]);
    expect(checkSession(start, units, lost, "sync", describeTag).kept).toBeNull();
    const beforeCut = storeAfter(start, units, 1);
    expect(checkSession(start, units, beforeCut, "async", describeTag).kept).toBeNull();
  });

  it("accepts an unacknowledged snapshot kept, and says what it is", () => {
    const start = new Model();
    const units = [acked(batch(1)), unacked({ op: "snapshot", n: 2 })];
    const check = checkSession(
      start,
      units,
      storeAfter(start, units, 2, facts(4)),
      "sync",
      describeTag,
    );
    expect([check.failures, check.kept, check.keptSnapshot]).toEqual([[], 2, facts(4)]);
    const dropped = checkSession(start, units, storeAfter(start, units, 1), "sync", describeTag);
    expect([dropped.kept, dropped.keptSnapshot]).toEqual([1, null]);
  });

  it("fails a restore not kept, and a release kept in part of the store's books", () => {
    const start = new Model();
    const units = [
      acked(batch(1)),
      acked({ op: "snapshot", n: 2 }, { snapshot: facts(1) }),
      acked(batch(3)),
      acked({ op: "restore", n: 4, id: 1 }),
      acked({ op: "release", n: 5, id: 1 }),
    ];
    expect(checkSession(start, units, storeAfter(start, units, 5), "sync", describeTag).kept).toBe(
      5,
    );
    const notRestored = storeAfter(start, units, 3);
    notRestored.snapshots = [];
    expect(checkSession(start, units, notRestored, "sync", describeTag).kept).toBeNull();
    const notReleased = storeAfter(start, units, 4);
    expect(checkSession(start, units, notReleased, "sync", describeTag).kept).toBeNull();
  });

  it("fails answers out of order, and deletes that answered what the ledger denies", () => {
    const { start, units } = scene();
    const reordered = [...units.slice(0, 3), units[4], acked(batch(7))] as LoggedUnit[];
    const check = checkSession(
      start,
      reordered,
      storeAfter(start, reordered, 5),
      "sync",
      describeTag,
    );
    expect(check.failures).toEqual([
      "unit 7 was acknowledged although unit 6, made before it, was not: a client is only " +
        "told a call is done once its earlier ones are",
    ]);
    const lying = units.map((logged) =>
      logged.unit.n === 3 ? acked(logged.unit, { deleted: [true, true] }) : logged,
    );
    expect(
      checkSession(start, lying, storeAfter(start, lying, 3), "sync", describeTag).failures,
    ).toEqual([
      "unit 3 (a burst): its deletes answered [true,true], but by the ledger the keys held " +
        "values as [true,false]",
    ]);
  });

  it("predicts a diff from two snapshots' contents, sorted as the store sorts it", () => {
    const base = new Model();
    base.apply(batch(1, 3));
    const target = base.copy();
    target.apply({
      op: "burst",
      n: 2,
      calls: [
        ["set", "ns1", "b1/1"],
        ["delete", "ns0", "b1/0"],
        ["set", "a", "z"],
      ],
    });
    expect(diffOf(base.contents, target.contents)).toEqual({
      added: [["a", "z"]],
      removed: [["ns0", "b1/0"]],
      changed: [["ns1", "b1/1"]],
    });
  });
});
