import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dumps } from "../../../src/core/codec/codec.js";
import { nestedDeeperThan } from "../../../src/core/codec/nesting.js";
import type { Value } from "../../../src/core/codec/value.js";

/** How many arrays and objects nest in `value`, the plain way. */
function depthOf(value: unknown): number {
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depthOf));
}

const valueArb: fc.Arbitrary<Value> = fc.letrec<{ value: Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Value>,
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
    fc.double(),
    fc.uint8Array({ maxLength: 300 }),
    // Payloads full of container markers, which the scan must skip, not read.
    fc.constantFrom<Value>("\u0091".repeat(40), new Uint8Array(70_000).fill(0x91)),
    fc.array(tie("value"), { maxLength: 20 }),
    fc.dictionary(fc.string({ maxLength: 3 }), tie("value"), { maxKeys: 20 }),
  ),
})).value;

describe("nestedDeeperThan", () => {
  it("measures what dumps wrote as deep as the value is", () => {
    fc.assert(
      fc.property(valueArb, fc.integer({ min: 0, max: 6 }), (value, limit) => {
        expect(nestedDeeperThan(dumps(value), limit)).toBe(depthOf(value) > limit);
      }),
      { seed: 8, numRuns: 2000 },
    );
  });

  it("reads the 16- and 32-bit forms, extension types, and counts empty containers", () => {
    const array16 = [0xdc, 0x00, 0x01, 0x91, 0xc0]; // [[nil]]
    const map32 = [0xdf, 0, 0, 0, 1, 0xa1, 0x61, 0x90]; // { a: [] }
    const ext = [0x92, 0xc7, 0x02, 0x05, 0x91, 0x91, 0xd6, 0x01, 0x91, 0x91, 0x91, 0x91, 0x90];
    expect(nestedDeeperThan(new Uint8Array(array16), 1)).toBe(true);
    expect(nestedDeeperThan(new Uint8Array(array16), 2)).toBe(false);
    expect(nestedDeeperThan(new Uint8Array(map32), 1)).toBe(true);
    expect(nestedDeeperThan(new Uint8Array(map32), 2)).toBe(false);
    expect(nestedDeeperThan(new Uint8Array(ext), 1)).toBe(false);
  });

  it("leaves malformed and truncated bytes to the decoder", () => {
    for (const bytes of [
      [],
      [0xc1],
      [0x91, 0xc1],
      [0xdd, 0xff],
      [0xd9, 0x05, 0x61],
      [0x92, 0x01],
    ]) {
      expect(nestedDeeperThan(new Uint8Array(bytes), 1)).toBe(false);
    }
    expect(nestedDeeperThan(new Uint8Array([0x91, 0x91]), 1)).toBe(true);
  });
});
