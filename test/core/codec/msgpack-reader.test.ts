/**
 * The strict reader and its canonical copies (src/core/codec/msgpack-reader.ts), against the reference
 * it stands in for: decoding with msgpackr (64-bit integers kept as bigints), then encoding with
 * the store's own codec. Generated values are written the way other libraries may write them
 * (wider headers, integers as floats or as 64-bit, float32), and the copy must be byte for byte
 * what the reference gives; our own encodings must come out unchanged. Then every refusal.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dumps } from "../../../src/core/codec/codec.js";
import { MsgpackReadError, MsgpackReader } from "../../../src/core/codec/msgpack-reader.js";
import { MsgpackWriter } from "../../../src/core/codec/msgpack-writer.js";
import type { Value } from "../../../src/core/codec/value.js";
import { exact as reference } from "../../fixtures/msgpack.js";

function copy(bytes: Uint8Array): Buffer {
  const reader = new MsgpackReader(bytes, "value");
  const writer = new MsgpackWriter();
  reader.value(writer);
  expect(reader.atEnd).toBe(true);
  return writer.finish();
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

// ---------------------------------------------------------------------------------------------
// Writing msgpack as other libraries may: each item in one of its valid forms.

type Chunk = number[] | Uint8Array;

function be(value: number | bigint, bytes: number, signed = false): number[] {
  const view = new DataView(new ArrayBuffer(bytes));
  if (bytes === 1) signed ? view.setInt8(0, Number(value)) : view.setUint8(0, Number(value));
  else if (bytes === 2) signed ? view.setInt16(0, Number(value)) : view.setUint16(0, Number(value));
  else if (bytes === 4) signed ? view.setInt32(0, Number(value)) : view.setUint32(0, Number(value));
  else signed ? view.setBigInt64(0, BigInt(value)) : view.setBigUint64(0, BigInt(value));
  return [...new Uint8Array(view.buffer)];
}

/** A header of `length` with the marker `fix | length` (below `fixLimit`) or a sized one. */
function header(length: number, width: number, fix: number | null, sized: number[]): number[] {
  if (width === 0 && fix !== null) return [fix | length];
  const index = [1, 2, 4].indexOf(width);
  return [sized[index] as number, ...be(length, width)];
}

/** Widths a header of `length` may take: 0 (fix form, if it fits), then 1, 2, 4 bytes. */
function widths(length: number, fixLimit: number, with8: boolean): number[] {
  const all = [];
  if (length < fixLimit) all.push(0);
  if (with8 && length < 0x100) all.push(1);
  if (length < 0x10000) all.push(2);
  all.push(4);
  return all;
}

/** Every way an integer can be written (and read back as the same number or bigint). */
function integerForms(n: bigint): Chunk[] {
  const forms: Chunk[] = [];
  const x = Number(n);
  if (n >= 0n && n < 0x80n) forms.push([x]);
  if (n >= -32n && n < 0n) forms.push([0x100 + x]);
  if (n >= 0n && n < 0x100n) forms.push([0xcc, x]);
  if (n >= 0n && n < 0x10000n) forms.push([0xcd, ...be(x, 2)]);
  if (n >= 0n && n < 0x100000000n) forms.push([0xce, ...be(x, 4)]);
  if (n >= -0x80n && n < 0x80n) forms.push([0xd0, ...be(x, 1, true)]);
  if (n >= -0x8000n && n < 0x8000n) forms.push([0xd1, ...be(x, 2, true)]);
  if (n >= -0x80000000n && n < 0x80000000n) forms.push([0xd2, ...be(x, 4, true)]);
  if (n >= 0n) forms.push([0xcf, ...be(n, 8)]);
  if (n < 2n ** 63n) forms.push([0xd3, ...be(n, 8, true)]);
  if (Number.isSafeInteger(x)) forms.push(float64(x));
  return forms;
}

function float64(x: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return [0xcb, ...new Uint8Array(view.buffer)];
}

function float32(x: number): number[] {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, x);
  return [0xca, ...new Uint8Array(view.buffer)];
}

/** A value tree, with a choice of form for every item. */
type Foreign =
  | { kind: "int"; n: bigint; form: number }
  | { kind: "float"; x: number; single: boolean }
  | { kind: "string"; text: string; width: number }
  | { kind: "binary"; bytes: Uint8Array; width: number }
  | { kind: "constant"; value: null | boolean }
  | { kind: "array"; items: Foreign[]; width: number }
  | { kind: "map"; entries: [string, number, Foreign][]; width: number };

function pick<T>(list: T[], choice: number): T {
  return list[choice % list.length] as T;
}

function write(node: Foreign): Chunk[] {
  switch (node.kind) {
    case "int":
      return [pick(integerForms(node.n), node.form)];
    case "float":
      return [node.single && Math.fround(node.x) === node.x ? float32(node.x) : float64(node.x)];
    case "constant":
      return [[node.value === null ? 0xc0 : node.value ? 0xc3 : 0xc2]];
    case "string": {
      const utf8 = Buffer.from(node.text, "utf8");
      const width = pick(widths(utf8.length, 0x20, true), node.width);
      return [header(utf8.length, width, 0xa0, [0xd9, 0xda, 0xdb]), utf8];
    }
    case "binary": {
      const width = pick(widths(node.bytes.length, 0, true), node.width);
      return [header(node.bytes.length, width, null, [0xc4, 0xc5, 0xc6]), node.bytes];
    }
    case "array": {
      const width = pick(widths(node.items.length, 0x10, false), node.width);
      return [
        header(node.items.length, width, 0x90, [0, 0xdc, 0xdd]),
        ...node.items.flatMap(write),
      ];
    }
    case "map": {
      const width = pick(widths(node.entries.length, 0x10, false), node.width);
      const entries = node.entries.flatMap(([key, keyWidth, value]) => [
        ...write({ kind: "string", text: key, width: keyWidth }),
        ...write(value),
      ]);
      return [header(node.entries.length, width, 0x80, [0, 0xde, 0xdf]), ...entries];
    }
  }
}

function bytesOf(node: Foreign): Uint8Array {
  return Buffer.concat(write(node).map((chunk) => Uint8Array.from(chunk)));
}

const choice = fc.nat({ max: 20 });
// Keys that JavaScript orders first (array indices) among others, "01" and "-1" not being any.
const keyArb = fc.oneof(
  fc.constantFrom("0", "1", "2", "10", "01", "-1", "4294967294", "4294967295", "b", "a", ""),
  fc.string({ maxLength: 4, unit: "grapheme" }),
);

const foreignArb: fc.Arbitrary<Foreign> = fc.letrec<{ node: Foreign }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.record({
      kind: fc.constant("int" as const),
      n: fc.oneof(
        fc.bigInt({ min: -40n, max: 300n }),
        fc.bigInt({ min: -(2n ** 31n), max: 2n ** 32n }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
      ),
      form: choice,
    }),
    fc.record({
      kind: fc.constant("float" as const),
      x: fc.oneof(fc.double(), fc.constantFrom(0.5, -0, 1, 2 ** 40, -1.5, Number.NaN)),
      single: fc.boolean(),
    }),
    fc.record({
      kind: fc.constant("string" as const),
      text: fc.string({ unit: "grapheme" }),
      width: choice,
    }),
    fc.record({
      kind: fc.constant("binary" as const),
      bytes: fc.uint8Array({ maxLength: 6 }),
      width: choice,
    }),
    fc.record({
      kind: fc.constant("constant" as const),
      value: fc.constantFrom(null, true, false),
    }),
    fc.record({
      kind: fc.constant("array" as const),
      items: fc.array(tie("node"), { maxLength: 4 }),
      width: choice,
    }),
    fc.record({
      kind: fc.constant("map" as const),
      entries: fc.uniqueArray(fc.tuple(keyArb, choice, tie("node")), {
        maxLength: 5,
        selector: ([key]) => key,
      }),
      width: choice,
    }),
  ),
})).node;

describe("copying a value into the store's encoding", () => {
  it("gives what decoding and re-encoding would, however the value was written", () => {
    fc.assert(
      fc.property(foreignArb, (node) => {
        const bytes = bytesOf(node);
        const expected = dumps(reference.unpack(bytes) as Value);
        expect(hex(copy(bytes)), hex(bytes)).toBe(hex(expected));
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it("leaves the store's own encodings exactly as they are", () => {
    fc.assert(
      fc.property(foreignArb, (node) => {
        const ours = dumps(reference.unpack(bytesOf(node)) as Value);
        expect(hex(copy(ours))).toBe(hex(ours));
      }),
      { seed: 12, numRuns: 1000 },
    );
  });

  it("puts integer-like keys first, ascending, as a decoded object has them", () => {
    const written = bytesOf({
      kind: "map",
      width: 0,
      entries: [
        ["b", 0, { kind: "constant", value: true }],
        ["10", 0, { kind: "int", n: 1n, form: 0 }],
        ["01", 0, { kind: "int", n: 2n, form: 0 }],
        ["2", 0, { kind: "int", n: 3n, form: 0 }],
      ],
    });
    expect(hex(copy(written))).toBe(hex(dumps({ 2: 3, 10: 1, b: true, "01": 2 })));
  });

  it("takes 512 levels of nesting and no more", () => {
    const nested = (depth: number) => Uint8Array.from([...Array(depth).fill(0x91), 0x01]);
    expect(copy(nested(512)).length).toBe(513);
    expect(() => copy(nested(513))).toThrow(
      /^value\[0\]\[0\].*: arrays and maps nested more than 512 deep are not supported$/,
    );
  });
});

describe("bytes the reader refuses, naming the path", () => {
  const key = (text: string) => [0xa0 | text.length, ...Buffer.from(text)];
  it.each<[string, number[], string]>([
    [
      "an extension type",
      [0x81, ...key("at"), 0xd6, 0xff, 0, 0, 0, 1],
      "value.at: an extension type (marker 0xd6) is not a value",
    ],
    [
      "the unused byte 0xc1",
      [0x92, 0x01, 0xc1],
      "value[1]: the byte 0xc1, which msgpack never uses is not a value",
    ],
    ["an integer map key", [0x81, 0x01, 0x02], "value: map keys must be strings, got an integer"],
    [
      "a repeated key",
      [0x82, ...key("a"), 0x01, ...key("a"), 0x02],
      'value: the key "a" appears twice in one map',
    ],
    ["__proto__", [0x81, ...key("__proto__"), 0x01], 'value: the key "__proto__" is not supported'],
    ["invalid UTF-8", [0x91, 0xa2, 0xc3, 0x28], "value[0]: a string that is not valid UTF-8"],
    [
      "a lone surrogate in UTF-8",
      [0xa3, 0xed, 0xa0, 0x80],
      "value: a string that is not valid UTF-8",
    ],
    [
      "truncated bytes",
      [0x92, 0x01],
      "value[1]: the bytes end in the middle of an item (truncated)",
    ],
    [
      "a truncated string",
      [0xa5, 0x61],
      "value: the bytes end in the middle of an item (truncated)",
    ],
    ["nothing", [], "value: the bytes end in the middle of an item (truncated)"],
  ])("%s", (_, bytes, message) => {
    const attempt = () => copy(Uint8Array.from(bytes));
    expect(attempt).toThrow(MsgpackReadError);
    expect(attempt).toThrow(message);
  });

  it("checks repeated keys in large maps too", () => {
    const entries = Array.from({ length: 20 }, (_, i) => [...key(`k${i % 19}`), i]);
    const bytes = Uint8Array.from([0xde, 0, 20, ...entries.flat()]);
    expect(() => copy(bytes)).toThrow('value: the key "k0" appears twice in one map');
  });
});
