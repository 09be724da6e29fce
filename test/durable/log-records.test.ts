import { describe, expect, it } from "vitest";
import { Mut, type Mutations } from "../../src/core/replay/mutations.js";
import {
  decodeEntry,
  encode,
  encodeEntry,
  type LogEntry,
  mutationsFromDisk,
  mutationsToDisk,
  RecordShapeError,
} from "../../src/durable/log-records.js";

const mutations: Mutations = [
  Mut.set,
  "ns",
  "k",
  "\u0000\u00ff\u0080x",
  Mut.delete,
  "ns",
  "gone",
  Mut.snapshot,
  3,
  Mut.release,
  2,
  Mut.restore,
  3,
  Mut.clear,
];

describe("log records", () => {
  it("reads back every kind of entry as written", () => {
    const entries: LogEntry[] = [
      {
        at: 1,
        record: { kind: "batch", client: "7:1", seq: 4, sent: [4, 0], writers: [0], mutations },
      },
      {
        at: 2,
        record: {
          kind: "cut",
          cut: 9,
          mutations: [Mut.snapshot, 3],
          snapshot: { id: 3, parent: null, timestamp: 1_765_000_000.25 },
        },
      },
      { at: 3, record: { kind: "cut", cut: 10, mutations: [Mut.clear] } },
      { at: 4, record: { kind: "drop", dropped: [1, 2] } },
    ];
    for (const entry of entries) expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it("names the field of a mutation list that is not what it claims", () => {
    const refused = (value: unknown[]) => {
      try {
        mutationsFromDisk(value, "m");
      } catch (error) {
        expect(error).toBeInstanceOf(RecordShapeError);
        return (error as Error).message;
      }
      return "accepted";
    };
    expect(refused(mutationsToDisk(mutations))).toBe("accepted");
    expect(refused([9, "a"])).toBe("m[0] is not a mutation code");
    expect(refused(["1", "ns", "k", Buffer.from("v")])).toBe("m[0] is not a mutation code");
    expect(refused([Mut.set, "ns", "k"])).toBe("m[0] is not a mutation with its 3 arguments");
    expect(refused([Mut.set, "ns", 5, Buffer.from("v")])).toBe("m[2] is not a string");
    expect(refused([Mut.set, "ns", "k", "v"])).toBe("m[3] is not bytes");
    expect(refused([Mut.delete, 1, "k"])).toBe("m[1] is not a string");
    expect(refused([Mut.snapshot, 0])).toBe("m[1] is not an integer from 1");
    expect(refused([Mut.clear, Mut.restore, 1.5])).toBe("m[2] is not an integer from 1");
  });

  it("refuses a payload that is not a record, naming why", () => {
    expect(() => decodeEntry(encode({ kind: "batch" }))).toThrow(
      "the record is not [position, record]",
    );
    expect(() => decodeEntry(encode([0, { kind: "cut" }]))).toThrow(
      "the record's position is not an integer from 1",
    );
    expect(() => decodeEntry(encode([1, { kind: "gift" }]))).toThrow(
      'the record\'s kind is not "batch", "cut" or "drop"',
    );
    expect(() => decodeEntry(Buffer.from([0x92, 0x01]))).toThrow(/the record is not msgpack/);
  });
});
