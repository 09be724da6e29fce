import { describe, expect, it } from "vitest";
import { dumps, loads } from "../../src/index.js";
import { ExpectedState } from "../../src/load/expected-state.js";
import { digestOf, idOf, Ledger, type LedgerEntry } from "../../src/load/ledger.js";
import { createRandom } from "../../src/load/random.js";
import { compareContents, compareDiffs, predictDiff } from "../../src/load/verify.js";
import { planStep } from "../../src/load/workload.js";

const entry = (key: string, value: number | null, epoch = 1, step = 1): LedgerEntry => ({
  namespace: "n",
  key,
  digest: value === null ? null : digestOf(value),
  step,
  epoch,
});

describe("ledger", () => {
  it("truncates to a checkpoint's position and tells what survived", () => {
    const ledger = new Ledger();
    ledger.append(entry("a", 1));
    ledger.append(entry("b", 2));
    const checkpoint = ledger.position;
    ledger.append(entry("a", 3));
    ledger.append(entry("b", null));
    expect(ledger.since(checkpoint).map((e) => e.key)).toEqual(["a", "b"]);
    expect(ledger.latest()).toEqual(
      new Map([
        [idOf("n", "a"), digestOf(3)],
        [idOf("n", "b"), null],
      ]),
    );
    ledger.truncate(checkpoint);
    expect(ledger.latest()).toEqual(
      new Map([
        [idOf("n", "a"), digestOf(1)],
        [idOf("n", "b"), digestOf(2)],
      ]),
    );
    expect(() => ledger.truncate(checkpoint + 1)).toThrow(RangeError);
  });

  it("names values by digests that survive a trip through the store's codec", () => {
    // Whatever agents write must digest the same after encoding and decoding, or a full
    // check would report differences that are not there: bigints, floats, nesting, text.
    let state: unknown;
    for (let step = 0; step < 30; step++) {
      const { writes } = planStep({
        agent: 1,
        agents: 3,
        epoch: 1 + Math.floor(step / 10),
        state: state as never,
        task: undefined,
        random: createRandom(7, step),
        valueSize: 300,
      });
      for (const { value } of writes) {
        if (value !== null) expect(digestOf(loads(dumps(value)))).toBe(digestOf(value));
      }
      state = writes[0]?.value;
    }
  });

  it("orders ids as the store orders pairs: namespace, then key", () => {
    const pairs: [string, string][] = [
      ["ab", "a"],
      ["a", "z"],
      ["a", ""],
      ["", "b"],
    ];
    const sorted = pairs.map(([ns, key]) => idOf(ns, key)).sort();
    expect(sorted).toEqual([idOf("", "b"), idOf("a", ""), idOf("a", "z"), idOf("ab", "a")]);
  });
});

describe("expected state", () => {
  it("folds ledgers into the last write of every key, across agents and epochs", () => {
    const expected = ExpectedState.empty();
    expect([...expected.fold(0, [entry("a", 1), entry("gone", 5), entry("gone", null)])]).toEqual([
      idOf("n", "a"),
      idOf("n", "gone"),
    ]);
    expected.fold(1, [entry("a", 2, 2)]); // another agent, a later epoch: a handover
    expect(expected.get(idOf("n", "a"))).toMatchObject({ digest: digestOf(2), agent: 1, epoch: 2 });
    expect(expected.get(idOf("n", "gone"))).toBeUndefined();
    expect(expected.size).toBe(1);
  });

  it("refuses two writers of one key in one epoch: their order is unknowable", () => {
    const expected = ExpectedState.empty();
    expected.fold(0, [entry("a", 1, 3)]);
    expect(() => expected.fold(1, [entry("a", 2, 3)])).toThrow(
      "n/a was written by agent-0 and agent-1 in epoch 3",
    );
  });

  it("keeps a checkpoint's copy apart from later folds", () => {
    const expected = ExpectedState.empty();
    expected.fold(0, [entry("a", 1)]);
    const copy = expected.copy();
    expected.fold(0, [entry("a", 2, 2), entry("b", 3, 2)]);
    expect(copy.get(idOf("n", "a"))?.digest).toBe(digestOf(1));
    expect(copy.size).toBe(1);
  });
});

describe("audits", () => {
  // Base: a=1, b=2, c=3. Then: a changes, b is deleted, d added, c rewritten with the same
  // bytes, e added then deleted again.
  const base = ExpectedState.empty();
  base.fold(0, [entry("a", 1), entry("b", 2), entry("c", 3)]);
  const current = base.copy();
  const since = [entry("a", 10, 2), entry("b", null, 2), entry("d", 4, 2), entry("c", 3, 2)];
  since.push(entry("e", 5, 2), entry("e", null, 2));
  const touched = current.fold(0, since);

  it("predict the store's diff from the ledgers alone", () => {
    expect(predictDiff(base, current, touched)).toEqual({
      added: [["n", "d"]],
      removed: [["n", "b"]],
      changed: [["n", "a"]],
    });
  });

  it("report every key the store's diff gets wrong, both ways", () => {
    const predicted = predictDiff(base, current, touched);
    expect(compareDiffs(predicted, predicted, current)).toEqual([]);
    const actual = {
      added: [["n", "d"]],
      removed: [],
      changed: [
        ["n", "a"],
        ["n", "c"],
      ],
    };
    expect(compareDiffs(predicted, actual as never, current)).toEqual([
      "n/b: the ledgers say removed, the store's diff does not",
      "n/c: the store's diff says changed, the ledgers do not",
    ]);
  });
});

describe("full checks", () => {
  it("report missing, different and unexpected keys", () => {
    const expected = ExpectedState.empty();
    expected.fold(2, [entry("a", 1, 4, 17), entry("b", 2, 4, 18)]);
    const actual = new Map([
      [idOf("n", "a"), digestOf(1)],
      [idOf("n", "b"), digestOf(99)],
      [idOf("n", "stray"), digestOf(0)],
    ]);
    expect(compareContents(expected, actual)).toEqual([
      `n/b: the store holds a different value (${digestOf(99)}) from what agent-2 at step 18 ` +
        `(epoch 4) wrote (${digestOf(2)})`,
      `n/stray: in the store (${digestOf(0)}), but no ledger says it should be`,
    ]);
    actual.delete(idOf("n", "a"));
    expect(compareContents(expected, actual)[0]).toBe(
      "n/a: missing from the store; agent-2 at step 17 (epoch 4) wrote it",
    );
  });
});
