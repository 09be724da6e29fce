import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FRAME_HEADER, frame, readFrames } from "../../src/durable/frames.js";

const payloads = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), {
  minLength: 2,
  maxLength: 6,
});

function file(parts: Uint8Array[]): { bytes: Buffer; starts: number[] } {
  const framed = parts.map((p) => frame(p));
  const starts: number[] = [];
  let at = 0;
  for (const f of framed) {
    starts.push(at);
    at += f.length;
  }
  return { bytes: Buffer.concat(framed), starts };
}

const payloadsOf = (bytes: Buffer) => readFrames(bytes).frames.map((f) => Buffer.from(f.payload));

describe("frames", () => {
  it("reads back what was framed, and zeros after it as the end", () => {
    const parts = [Buffer.from("one"), Buffer.from("two"), Buffer.from([0, 1, 2])];
    const { bytes } = file(parts);
    expect(payloadsOf(bytes)).toEqual(parts);
    expect(readFrames(bytes).tail).toEqual({ kind: "end", offset: bytes.length });
    const extended = Buffer.concat([bytes, Buffer.alloc(4096)]);
    expect(payloadsOf(extended)).toEqual(parts);
    expect(readFrames(extended).tail).toEqual({ kind: "end", offset: bytes.length });
  });

  it("reads a file cut anywhere as the frames before the cut, the rest torn", () => {
    fc.assert(
      fc.property(payloads, fc.nat(), (parts, pick) => {
        const { bytes, starts } = file(parts);
        const cut = pick % bytes.length;
        const whole = starts.filter((s, i) => s + FRAME_HEADER + (parts[i]?.length ?? 0) <= cut);
        const { frames, tail } = readFrames(bytes.subarray(0, cut));
        expect(frames.map((f) => Buffer.from(f.payload))).toEqual(
          parts.slice(0, whole.length).map((p) => Buffer.from(p)),
        );
        expect(tail.kind).toBe(starts.includes(cut) ? "end" : "torn");
      }),
    );
  });

  it("reads a changed byte before the last frame as damage, never as the end or a torn write", () => {
    fc.assert(
      fc.property(payloads, fc.nat(), fc.integer({ min: 1, max: 255 }), (parts, pick, flip) => {
        const { bytes, starts } = file(parts);
        const last = starts.at(-1) as number;
        const at = pick % last;
        const damaged = Buffer.from(bytes);
        damaged[at] = (damaged[at] as number) ^ flip;
        const { frames, tail } = readFrames(damaged);
        expect(tail.kind).toBe("damaged");
        // What it did read is what was written.
        const read = frames.map((f) => Buffer.from(f.payload));
        expect(read).toEqual(parts.slice(0, read.length).map((p) => Buffer.from(p)));
        expect(tail.offset).toBeLessThanOrEqual(at);
      }),
    );
  });

  it("says where damage is and what it is", () => {
    const { bytes, starts } = file([Buffer.from("first"), Buffer.from("second"), Buffer.from("x")]);
    const second = starts[1] as number;
    const damaged = Buffer.from(bytes);
    damaged[second + FRAME_HEADER] = 0x53; // "S"
    expect(readFrames(damaged).tail).toEqual({
      kind: "damaged",
      offset: second,
      problem: "a frame of 6 bytes that fails its checksum, with data after it",
    });
    const long = Buffer.from(bytes);
    long.writeUInt32LE(1000, second);
    expect(readFrames(long).tail).toMatchObject({ kind: "damaged", offset: second });
    const zeroed = Buffer.from(bytes);
    zeroed.fill(0, second, second + 4);
    expect(readFrames(zeroed).tail).toEqual({
      kind: "damaged",
      offset: second,
      problem: "a frame of length 0 with data after it",
    });
  });
});
