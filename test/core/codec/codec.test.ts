import { describe, expect, it } from "vitest";
import { dumps, loads } from "../../../src/core/codec/codec.js";
import { MAX_DEPTH, type Value } from "../../../src/core/codec/value.js";
import { SwarmStateError } from "../../../src/core/errors.js";

/** `levels` arrays, one inside the other, around a 1. */
function nest(levels: number): Value {
  let value: Value = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

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
    [{ a: [{ b: Symbol("x") }] }, "value.a[0].b: symbols cannot be stored"],
    [
      { list: Object.assign([1, 2], { note: "x" }) },
      "value.list.note: arrays with named properties are not supported",
    ],
    ["abc".match(/b/), "value.index: arrays with named properties are not supported"],
    [[[Object.assign([], { 1.5: 0 })]], 'value[0][0]["1.5"]: arrays with named properties'],
    [Object.assign([1], { [Symbol("x")]: 1 }), "value[Symbol(x)]: symbol keys cannot be stored"],
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

  it("accepts objects without a prototype, and says what is wrong with any other prototype", () => {
    const bare = Object.assign(Object.create(null), { a: 1 });
    expect(loads(dumps(bare))).toEqual({ a: 1 });
    const other = "objects whose prototype is neither Object.prototype nor null are not supported";
    expect(() => dumps({ o: Object.create({}) })).toThrow(`value.o: ${other}`);
    expect(() => dumps({ o: new (class {})() } as never)).toThrow(`value.o: ${other}`);
    class Point {}
    expect(() => dumps([Object.create(Point.prototype)])).toThrow(
      "value[0]: Point is not supported",
    );
  });

  it("refuses enumerable symbol-keyed properties, which msgpack would drop, naming the path", () => {
    const tagged = { a: { [Symbol("x")]: 1, b: 2 } };
    expect(() => dumps(tagged)).toThrow(TypeError);
    expect(() => dumps(tagged)).toThrow("value.a[Symbol(x)]: symbol keys cannot be stored");
    // Not enumerable, like any other non-enumerable property: not part of the value.
    const hidden = Object.defineProperty({ b: 2 }, Symbol("x"), { value: 1 });
    expect(loads(dumps(hidden))).toEqual({ b: 2 });
  });

  it("round-trips -0 as a float64 -0, a value other than 0", () => {
    expect([...dumps(-0)]).toEqual([0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0]);
    expect([...dumps(0)]).toEqual([0x00]);
    expect(Object.is(loads(dumps(-0)), -0)).toBe(true);
    const back = loads(dumps({ x: -0, list: [-0, 0] })) as { x: number; list: number[] };
    expect(Object.is(back.x, -0)).toBe(true);
    expect(back.list.map((n) => Object.is(n, -0))).toEqual([true, false]);
  });

  it("refuses a __proto__ own property, which no decoder can restore safely", () => {
    expect(() => dumps(JSON.parse('{"__proto__": 1}'))).toThrow(
      'value.__proto__: the key "__proto__"',
    );
  });

  it("reads each property once: what was checked is what is stored", () => {
    let reads = 0;
    const unstable = {
      get when() {
        reads++;
        return reads === 1 ? 0 : new Date(0);
      },
    };
    expect(loads(dumps(unstable as never))).toEqual({ when: 0 });
    expect(reads).toBe(1);
    // Each trick the issue found, answering differently on a second read:
    const later = [new Map(), () => 1, "lone \ud800", Symbol("s"), [1, undefined]];
    for (const second of later) {
      let n = 0;
      const value = {
        get x() {
          return n++ === 0 ? "first" : second;
        },
      };
      expect(loads(dumps(value as never))).toEqual({ x: "first" });
    }
    // A Proxy sees one read per property, and nothing else is asked twice.
    const asked: string[] = [];
    const proxy = new Proxy(
      { a: 1, b: [2] },
      {
        get(target, key, receiver) {
          asked.push(String(key));
          return Reflect.get(target, key, receiver);
        },
      },
    );
    expect(loads(dumps(proxy))).toEqual({ a: 1, b: [2] });
    expect(asked).toEqual(["a", "b"]);
  });

  it("lets an error thrown by a getter through unchanged", () => {
    const failure = new Error("not loaded yet");
    const value = {
      ok: 1,
      get lazy() {
        throw failure;
      },
    };
    let thrown: unknown;
    try {
      dumps(value as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBe(failure);
    expect(failure.message).toBe("not loaded yet");
  });

  it("encodes a value that a getter encodes while it is read (re-entry)", () => {
    let inner: Uint8Array | undefined;
    const value = {
      a: "outer",
      get b() {
        inner = dumps({ nested: "x".repeat(100) });
        return 2;
      },
      c: [3],
    };
    const outer = dumps(value);
    expect(loads(outer)).toEqual({ a: "outer", b: 2, c: [3] });
    expect(loads(inner as Uint8Array)).toEqual({ nested: "x".repeat(100) });
  });

  it("writes the smallest map header when left-out properties shrink it", () => {
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
    expect(dumps(sixteen)[0]).toBe(0xde); // map16
    const fifteen = { ...sixteen, k3: undefined } as Record<string, unknown>;
    const bytes = dumps(fifteen as Value);
    expect(bytes[0]).toBe(0x80 | 15); // fixmap
    delete fifteen.k3;
    expect(loads(bytes)).toEqual(fifteen);
  });

  it(`stores arrays and objects nested ${MAX_DEPTH} deep and refuses deeper with a RangeError`, () => {
    expect(loads(dumps(nest(MAX_DEPTH)))).toEqual(nest(MAX_DEPTH));
    expect(() => dumps(nest(MAX_DEPTH + 1))).toThrow(RangeError);
    const steps = MAX_DEPTH - 9;
    expect(() => dumps(nest(MAX_DEPTH + 1))).toThrow(
      `value[0][0][0][0][0][0]…(${steps} more)…[0][0][0]: arrays and objects nested more than ${MAX_DEPTH} deep are not supported`,
    );
    let object: Value = {};
    for (let i = 0; i < 10_000; i++) object = { a: object };
    expect(() => dumps(object)).toThrow(`value.a.a.a.a.a.a…(${steps} more)….a.a.a: arrays`);
    // What is refused for what it is, is refused so at any depth.
    let dated: unknown = new Date(0);
    for (let i = 0; i < MAX_DEPTH; i++) dated = [dated];
    expect(() => dumps(dated as Value)).toThrow(TypeError);
    expect(() => dumps(dated as Value)).toThrow("[0][0]: Date is not supported");
  });

  it(`refuses foreign bytes nested more than ${MAX_DEPTH} deep, without overflowing the stack`, () => {
    const bytes = (levels: number) => new Uint8Array([...Array(levels).fill(0x91), 0x01]);
    expect(loads(bytes(MAX_DEPTH))).toEqual(nest(MAX_DEPTH));
    for (const levels of [MAX_DEPTH + 1, 100_000]) {
      expect(() => loads(bytes(levels))).toThrow(SwarmStateError);
      expect(() => loads(bytes(levels))).toThrow(
        `bytes[0][0][0][0][0][0]…(${MAX_DEPTH - 9} more)…[0][0][0]: arrays and maps nested more than ${MAX_DEPTH} deep are not supported`,
      );
    }
  });

  it("rejects what is not one msgpack value, naming the argument and the path", () => {
    expect(() => loads("x" as unknown as Uint8Array)).toThrow(TypeError);
    const refusals: [number[], string][] = [
      [[0xc1], "bytes: the byte 0xc1, which msgpack never uses is not a value"],
      [[0x92, 0x01], "bytes[1]: the bytes end in the middle of an item (truncated)"],
      [[], "bytes: the bytes end in the middle of an item (truncated)"],
      [[0x01, 0x02], "bytes: more bytes follow the value"],
      [[0x91, 0xd6, 0xff, 0, 0, 0, 0], "bytes[0]: an extension type (marker 0xd6) is not a value"],
    ];
    for (const [bytes, message] of refusals) {
      const refused = (() => loads(new Uint8Array(bytes))) as () => never;
      expect(refused).toThrow(SwarmStateError);
      expect(refused).toThrow(message);
    }
  });

  it("refuses what a decoder would silently change: keys not strings, repeated, or __proto__", () => {
    const key = (text: string) => [0xa0 | text.length, ...Buffer.from(text)];
    const refusals: [number[], RegExp][] = [
      [[0x81, 0x01, 0x02], /^bytes: /], // an integer key, which msgpackr would turn into "1"
      [[0x82, ...key("a"), 1, ...key("a"), 2], /^bytes: /], // msgpackr would keep the last
      [[0x81, ...key("__proto__"), 1], /^bytes: /],
      [[0x81, ...key("a"), 0xa1, 0xff], /^bytes\.a: /], // not UTF-8
    ];
    for (const [bytes, message] of refusals) {
      expect(() => loads(new Uint8Array(bytes))).toThrow(SwarmStateError);
      expect(() => loads(new Uint8Array(bytes))).toThrow(message);
    }
    // What another library writes in a longer form reads back as the same value.
    expect(loads(new Uint8Array([0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0]))).toBe(1); // float64 1.0
    expect(loads(new Uint8Array([0xd9, 1, 0x61]))).toBe("a"); // str8 for a fixstr
  });
});
