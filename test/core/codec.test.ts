import { describe, expect, it } from "vitest";
import { dumps, loads } from "../../src/core/codec.js";
import { SwarmStateError } from "../../src/core/errors.js";
import type { Value } from "../../src/core/value.js";

describe("value codec", () => {
  it("writes standard msgpack that any decoder reads", () => {
    // fixmap(1) "step" 3 — no record or structure extension bytes.
    expect([...dumps({ step: 3 })]).toEqual([0x81, 0xa4, 0x73, 0x74, 0x65, 0x70, 0x03]);
    expect([...dumps([1, "a", null, true])]).toEqual([0x94, 0x01, 0xa1, 0x61, 0xc0, 0xc3]);
  });

  it("round-trips every value kind", () => {
    const value: Value = {
      nil: null,
      yes: true,
      int: -42,
      float: 1.5,
      text: "héllo ☃",
      bytes: new Uint8Array([0, 255, 7]),
      list: [1, [2, { deep: "x" }]],
      big: 2n ** 60n,
    };
    expect(loads(dumps(value))).toEqual(value);
  });

  it("reads integers back as number when safe and as bigint when not", () => {
    expect(loads(dumps(5n))).toBe(5);
    expect(loads(dumps(2n ** 60n))).toBe(2n ** 60n);
    expect(loads(dumps(-(2n ** 63n)))).toBe(-(2n ** 63n));
    expect(loads(dumps(2n ** 64n - 1n))).toBe(2n ** 64n - 1n);
    expect(loads(dumps(BigInt(Number.MAX_SAFE_INTEGER)))).toBe(Number.MAX_SAFE_INTEGER);
    expect(loads(dumps(2n ** 53n))).toBe(2n ** 53n);
    expect(loads(dumps(-(2n ** 53n)))).toBe(-(2n ** 53n));
  });

  it("refuses bigints outside 64 bits with a RangeError naming the path", () => {
    expect(() => dumps({ n: 2n ** 64n })).toThrow(RangeError);
    expect(() => dumps({ n: 2n ** 64n })).toThrow("value.n: bigint");
    expect(() => dumps([-(2n ** 63n) - 1n])).toThrow("value[0]");
  });

  it("returns bytes as a Uint8Array, byte for byte, also from a Buffer", () => {
    const back = loads(dumps(Buffer.from([1, 2, 3])));
    expect(back).toBeInstanceOf(Uint8Array);
    expect([...(back as Uint8Array)]).toEqual([1, 2, 3]);
  });

  it("leaves out object properties whose value is undefined", () => {
    expect(loads(dumps({ a: 1, b: undefined } as unknown as Value))).toEqual({ a: 1 });
  });

  it.each([
    [{ data: { when: new Date(0) } }, "value.data.when: Date is not supported"],
    [{ tools: [1, 2, 3, () => 1] }, "value.tools[3]: functions cannot be stored"],
    [{ s: Symbol("x") }, "value.s: symbols cannot be stored"],
    [[1, undefined], "value[1]: undefined is not supported inside an array"],
    [new Map(), "value: Map is not supported"],
    [{ "odd key": new Set() }, 'value["odd key"]: Set is not supported'],
    [{ e: new Error("x") }, "value.e: Error is not supported"],
    [{ r: /x/ }, "value.r: RegExp is not supported"],
    [{ f: new Float64Array(1) }, "value.f: Float64Array is not supported"],
    [undefined, "value: undefined is not supported"],
  ])("refuses %o with a TypeError naming the path", (value, message) => {
    expect(() => dumps(value as Value)).toThrow(TypeError);
    expect(() => dumps(value as Value)).toThrow(message);
  });

  it("refuses class instances and cycles but accepts shared (acyclic) references", () => {
    class Point {
      x = 1;
    }
    expect(() => dumps({ p: new Point() } as unknown as Value)).toThrow(
      "value.p: Point is not supported",
    );
    const cyclic: Record<string, unknown> = { a: { b: {} } };
    (cyclic.a as Record<string, Record<string, unknown>>).b = cyclic;
    expect(() => dumps(cyclic as Value)).toThrow("value.a.b: cyclic structures are not supported");
    const shared = { n: 1 };
    expect(loads(dumps({ x: shared, y: shared }))).toEqual({ x: { n: 1 }, y: { n: 1 } });
  });

  it("refuses strings with a lone surrogate, which UTF-8 msgpack would turn into U+FFFD", () => {
    expect(() => dumps({ text: "cut emoji \ud83d" })).toThrow("value.text: has a lone surrogate");
    expect(() => dumps({ "k\udc00": 1 })).toThrow(TypeError);
    expect(loads(dumps("whole emoji 😀"))).toBe("whole emoji 😀");
  });

  it("accepts objects without a prototype", () => {
    const bare = Object.assign(Object.create(null), { a: 1 });
    expect(loads(dumps(bare))).toEqual({ a: 1 });
  });

  it("refuses a __proto__ own property, which no decoder can restore safely", () => {
    expect(() => dumps(JSON.parse('{"__proto__": 1}'))).toThrow(
      'value.__proto__: the key "__proto__"',
    );
  });

  it("rejects what is not msgpack, naming the argument", () => {
    expect(() => loads("x" as unknown as Uint8Array)).toThrow(TypeError);
    expect(() => loads(new Uint8Array([0xc1]))).toThrow("bytes: not valid msgpack");
    expect(() => loads(new Uint8Array([0x92, 0x01]))).toThrow(SwarmStateError);
    expect(() => loads(new Uint8Array([]))).toThrow(SwarmStateError);
  });
});
