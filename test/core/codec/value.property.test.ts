/**
 * The value rules against their reference model (test/fixtures/value-specs.ts), with generated
 * values: getters (stable, unstable, throwing), `-0`, nesting around the limit, every kind of
 * refusal. An accepted value must read back exactly as the single read saw it, in bytes that
 * msgpackr writes for that same plain value; a refused one must fail with the model's error
 * class at the model's path.
 */
import fc from "fast-check";
import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { dumps, loads } from "../../../src/core/codec/codec.js";
import {
  build,
  GETTER_FAILED,
  modelOf,
  pathOf,
  sourceOf,
  specArb,
} from "../../fixtures/value-specs.js";

// What the codec used before it wrote values itself (msgpackr, with the codec's options): the
// bytes of every value stored before must not change. (`skipValues` is missing from the types.)
const msgpackr = new Packr({
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  skipValues: [undefined],
} as ConstructorParameters<typeof Packr>[0]);

function hasNegativeZero(value: unknown): boolean {
  if (Object.is(value, -0)) return true;
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return false;
  return Object.values(value).some(hasNegativeZero);
}

describe("value rules (generated values)", () => {
  it("store exactly what a single read saw, or refuse at the model's path", () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const source = sourceOf(spec);
        const model = modelOf(spec);
        let bytes: Uint8Array | undefined;
        let thrown: unknown;
        try {
          bytes = dumps(build(source) as never);
        } catch (error) {
          thrown = error;
        }
        if (model.ok) {
          expect(thrown, source).toBeUndefined();
          expect(loads(bytes as Uint8Array), source).toEqual(model.decoded);
          if (!hasNegativeZero(model.stored)) {
            const expected = Buffer.from(msgpackr.pack(model.stored)).toString("hex");
            expect(Buffer.from(bytes as Uint8Array).toString("hex"), source).toBe(expected);
          }
          return;
        }
        expect(thrown, source).toBeInstanceOf(
          { TypeError, RangeError, Error }[model.error] as ErrorConstructor,
        );
        const message = (thrown as Error).message;
        if (model.error === "Error") expect(message, source).toBe(GETTER_FAILED);
        else expect(message.startsWith(`${pathOf("value", model.steps)}: `), message).toBe(true);
      }),
      { seed: 9, numRuns: 1000 },
    );
  });
});
