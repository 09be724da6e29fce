/**
 * The changeset format (src/core/changeset/changeset-format.ts, its writer and reader) without threads: the writer merges the shards'
 * parts into one sorted changeset, slice by slice; the reader takes what the writer writes and
 * what other libraries write, and refuses, naming the field and the path, everything else.
 */
import { Packr, unpack } from "msgpackr";
import { describe, expect, it } from "vitest";
import type { Changeset } from "../../../src/core/changeset/changeset-format.js";
import { readChangeset } from "../../../src/core/changeset/changeset-reader.js";
import { ChangesetWriter } from "../../../src/core/changeset/changeset-writer.js";
import { dumps } from "../../../src/core/codec/codec.js";
import type { Value } from "../../../src/core/codec/value.js";
import { BadChangesetError } from "../../../src/core/errors.js";
import type { PackedChanges } from "../../../src/core/protocol/batch-format.js";
import { PairsBuilder } from "../../../src/core/protocol/pairs.js";

type Put = [string, string, Value];

/** One shard's part, as `Op.changes` answers it; lists sorted as a shard sorts them. */
function part(removed: [string, string][], put: Put[]): PackedChanges {
  const removedPairs = new PairsBuilder();
  for (const [namespace, key] of removed) removedPairs.add(namespace, key);
  const putPairs = new PairsBuilder();
  const values = put.map(([namespace, key, value]) => {
    putPairs.add(namespace, key);
    return Buffer.from(dumps(value)).toString("latin1");
  });
  return {
    removed: removedPairs.finish(),
    put: putPairs.finish(),
    values: values.join(""),
    valueLengths: Uint32Array.from(values, (value) => value.length),
  };
}

const HEADER = { store: "store-1", base: 3, target: 7 };

function written(parts: PackedChanges[], slice = Number.POSITIVE_INFINITY): Uint8Array {
  const writer = new ChangesetWriter(HEADER, parts);
  while (!writer.write(slice));
  return writer.finish();
}

/** What `readChangeset` gives for those lists: flat, values in the store's encoding. */
function flat(removed: [string, string][], put: Put[]): Changeset {
  return {
    ...HEADER,
    removed: removed.flat(),
    put: put.flatMap(([n, k, v]) => [n, k, Buffer.from(dumps(v)).toString("latin1")]),
  };
}

// Namespaces of two "shards", interleaved in sort order.
const PARTS = [
  part(
    [
      ["b", "x"],
      ["d", "y"],
    ],
    [
      ["b", "k1", { step: 1 }],
      ["b", "k2", [1, 2n ** 60n]],
    ],
  ),
  part(
    [["a", "gone"]],
    [
      ["a", "k", "é😀"],
      ["c", "", new Uint8Array([1, 2])],
    ],
  ),
];
const REMOVED: [string, string][] = [
  ["a", "gone"],
  ["b", "x"],
  ["d", "y"],
];
const PUT: Put[] = [
  ["a", "k", "é😀"],
  ["b", "k1", { step: 1 }],
  ["b", "k2", [1, 2n ** 60n]],
  ["c", "", new Uint8Array([1, 2])],
];

describe("writing a changeset", () => {
  it("merges the shards' parts into lists sorted by namespace, then key", () => {
    expect(unpack(written(PARTS))).toEqual({
      format: "swarmstate.changeset",
      version: 1,
      ...HEADER,
      removed: REMOVED,
      put: PUT,
    });
  });

  it("writes the same bytes a slice at a time, and an empty changeset", () => {
    const whole = Buffer.from(written(PARTS));
    for (const slice of [1, 2, 3]) expect(Buffer.from(written(PARTS, slice))).toEqual(whole);
    expect(unpack(written([part([], []), part([], [])]))).toMatchObject({ removed: [], put: [] });
  });

  it("is read back exactly", () => {
    expect(readChangeset(written(PARTS), "apply")).toEqual(flat(REMOVED, PUT));
  });
});

describe("reading a changeset written elsewhere", () => {
  it("takes the fields in any order and values in any valid form, stored canonically", () => {
    // msgpackr with float32 where exact, and a map written with its fields reversed.
    const packr = new Packr({ useRecords: false, useFloat32: 1 } as never);
    const foreign = packr.pack({
      put: [["n", "k", { x: 1.5, n: 300 }]],
      removed: [],
      target: 2,
      base: 1,
      store: "python",
      version: 1,
      format: "swarmstate.changeset",
    });
    expect(readChangeset(foreign, "apply")).toEqual({
      store: "python",
      base: 1,
      target: 2,
      removed: [],
      put: ["n", "k", Buffer.from(dumps({ x: 1.5, n: 300 })).toString("latin1")],
    });
    // A float that is an integer is stored as the integer (what `set` stores for it).
    const floats = Buffer.from(written([part([], [["n", "k", 0.5]])]));
    floats.set([0xcb, 0x40, 0x08, 0, 0, 0, 0, 0, 0], floats.length - 9); // 0.5 → 3.0
    expect(readChangeset(floats, "apply").put[2]).toBe(Buffer.from(dumps(3)).toString("latin1"));
  });
});

/** A changeset as a plain object, encoded by the store's own codec (fields in this order). */
function encode(fields: Record<string, unknown>): Uint8Array {
  return dumps(fields as never);
}

const GOOD = {
  format: "swarmstate.changeset",
  version: 1,
  store: "s",
  base: 1,
  target: 2,
  removed: [["a", "k"]],
  put: [
    ["b", "k", 1],
    ["b", "l", { deep: [true] }],
  ],
};

/** `GOOD` with `field` replaced (or left out, for `undefined`). */
const withField = (field: string, value: unknown) => encode({ ...GOOD, [field]: value });

describe("refusing what is not a changeset, naming what and where", () => {
  it("accepts the good one these are made from", () => {
    expect(readChangeset(encode(GOOD), "apply").put).toHaveLength(6);
  });

  it.each<[string, Uint8Array, string | RegExp]>([
    [
      "not msgpack",
      Uint8Array.from([0xc1]),
      "apply: changeset: must be a msgpack map, got the byte 0xc1",
    ],
    ["empty", new Uint8Array(), "apply: changeset: must be a msgpack map, got nothing"],
    ["an array", encode([1] as never), "apply: changeset: must be a msgpack map, got an array"],
    [
      "truncated",
      encode(GOOD).subarray(0, -3),
      "the bytes end in the middle of an item (truncated)",
    ],
    [
      "trailing bytes",
      Buffer.concat([encode(GOOD), Uint8Array.from([0xc0])]),
      "apply: changeset: has bytes after its map",
    ],
    [
      "another format",
      withField("format", "other"),
      'apply: changeset.format: must be "swarmstate.changeset", got "other"',
    ],
    [
      "a format that is not a string",
      withField("format", 1),
      'apply: changeset.format: must be "swarmstate.changeset", got an integer',
    ],
    [
      "a later version",
      withField("version", 2),
      "apply: changeset.version: 2 is not supported: this version of swarmstate reads changesets of version 1",
    ],
    [
      "a version as a string",
      withField("version", "1"),
      "apply: changeset.version: must be a number, got a string",
    ],
    ["a missing field", withField("store", undefined), 'apply: changeset: has no "store"'],
    [
      "an unknown field",
      withField("comment", "hi"),
      'apply: changeset: has an unknown field "comment" (this version of swarmstate reads changesets of version 1, fields format, version, store, base, target, removed, put)',
    ],
    [
      "a store that is not a string",
      withField("store", 7),
      "apply: changeset.store: must be a string, got an integer",
    ],
    [
      "base 0",
      withField("base", 0),
      "apply: changeset.base: must be a snapshot id (1, 2, …), got 0",
    ],
    [
      "a fractional target",
      withField("target", 1.5),
      "apply: changeset.target: must be a snapshot id (1, 2, …), got 1.5",
    ],
    [
      "removed not a list",
      withField("removed", {}),
      "apply: changeset.removed: must be an array, got a map",
    ],
    [
      "a triple in removed",
      withField("removed", [["a", "k", 1]]),
      "apply: changeset.removed[0]: must be a [namespace, key] pair, got an array of 3",
    ],
    [
      "a pair in put",
      withField("put", [["a", "k"]]),
      "apply: changeset.put[0]: must be a [namespace, key, value] triple, got an array of 2",
    ],
    [
      "a namespace that is not a string",
      withField("removed", [[1, "k"]]),
      "apply: changeset.removed[0][0]: the namespace must be a string, got an integer",
    ],
    [
      "a key that is not a string",
      withField("put", [["a", null, 1]]),
      "apply: changeset.put[0][1]: the key must be a string, got nil",
    ],
    [
      "pairs out of order",
      withField("removed", [
        ["b", "k"],
        ["a", "k"],
      ]),
      'apply: changeset.removed[1]: ["a", "k"] is out of order',
    ],
    [
      "a pair twice",
      withField("put", [
        ["b", "k", 1],
        ["b", "k", 2],
      ]),
      'apply: changeset.put[1]: ["b", "k"] is out of order: pairs are sorted by namespace, then key (JavaScript string order), each once',
    ],
    [
      "a pair removed and put",
      withField("removed", [["b", "l"]]),
      'apply: changeset.put[1]: ["b", "l"] is in "removed" too',
    ],
    [
      "a value nested too deep",
      new Packr({ useRecords: false }).pack({ ...GOOD, put: [["b", "k", nested(512)]] }),
      /^apply: changeset\.put\[0\]\[2\]\[0\]\[0\]\[0\]…\(\d+ more\)…\[0\]\[0\]\[0\]: arrays and maps nested more than 512 deep are not supported$/,
    ],
  ])("%s", (_, bytes, message) => {
    const attempt = () => readChangeset(bytes, "apply");
    expect(attempt).toThrow(BadChangesetError);
    expect(attempt).toThrow(message);
  });

  it("refuses a value that breaks the value rules, at its path", () => {
    // { deep: [true] } → { deep: [<a msgpack timestamp>] }
    const good = Buffer.from(encode(GOOD));
    const at = good.lastIndexOf(0xc3);
    const bad = Buffer.concat([good.subarray(0, at), Uint8Array.from([0xd6, 0xff, 0, 0, 0, 1])]);
    expect(() => readChangeset(bad, "apply")).toThrow(
      "apply: changeset.put[1][2].deep[0]: an extension type (marker 0xd6) is not a value",
    );
  });

  it("refuses what is not bytes with a TypeError naming the argument", () => {
    expect(() => readChangeset("bytes", "apply")).toThrow(TypeError);
    expect(() => readChangeset("bytes", "apply")).toThrow(
      "apply: changeset must be a Uint8Array, got string",
    );
    expect(() => readChangeset(new ArrayBuffer(4), "apply")).toThrow("got ArrayBuffer");
  });
});

/** Arrays nested `depth + 1` deep around 0: one level more than a value may have at `depth`. */
function nested(depth: number): unknown {
  let value: unknown = 0;
  for (let i = 0; i <= depth; i++) value = [value];
  return value;
}
