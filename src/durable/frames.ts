/**
 * Frames: how every file of a durable shard holds its records, and how a file's end is told
 * apart from damage.
 *
 *   length (u32 LE: payload bytes, at least 1) | CRC-32 of the payload (u32 LE, zlib.crc32) | payload
 *
 * Reading a file is a walk over its frames from the start. Where the walk stops early, what
 * follows decides what it was (`Tail`):
 *
 * - **The end.** Nothing, or only zero bytes (a length of zero is no frame: a file extended
 *   ahead, or the zeroed pages an operating-system crash can leave past the last write).
 * - **A torn write.** A process that dies inside a write leaves a prefix of it, so a frame cut
 *   short is the last thing in the file: its header or payload runs past the end, or its
 *   checksum fails with nothing but zeros after the bytes it claims. Whether a file may end torn
 *   is the caller's rule (only the newest segment of a log may).
 * - **Damage.** Anything else: a bad frame with non-zero bytes after the bytes it claims, or
 *   one with a sound frame starting anywhere after its header (a damaged length, not a cut: a
 *   torn write has nothing sound after it).
 *
 * This cannot see damage confined to the last frames of a file: it reads exactly as a torn write.
 */
import { crc32 } from "node:zlib";

/** Bytes before each payload. */
export const FRAME_HEADER = 8;

/** A frame read soundly: its payload, and where it starts in the file. */
export interface Frame {
  offset: number;
  payload: Buffer;
}

/** How the walk over a file's frames ended; `offset` is where its last sound frame ends. */
export type Tail =
  | { kind: "end"; offset: number }
  | { kind: "torn"; offset: number; problem: string }
  | { kind: "damaged"; offset: number; problem: string };

/** `payload` framed. */
export function frame(payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  out.set(payload, FRAME_HEADER);
  return out;
}

/** Every sound frame of `bytes` from `start`, in order, and how the walk ended. */
export function readFrames(bytes: Buffer, start = 0): { frames: Frame[]; tail: Tail } {
  const frames: Frame[] = [];
  let offset = start;
  for (;;) {
    const problem = frameAt(bytes, offset);
    if (problem === null) {
      const length = bytes.readUInt32LE(offset);
      const end = offset + FRAME_HEADER + length;
      frames.push({ offset, payload: bytes.subarray(offset + FRAME_HEADER, end) });
      offset = end;
      continue;
    }
    return { frames, tail: tailAt(bytes, offset, problem) };
  }
}

/** Why there is no sound frame at `offset` ("" at the file's end), or null if there is. */
function frameAt(bytes: Buffer, offset: number): string | null {
  const left = bytes.length - offset;
  if (left === 0) return "";
  if (left < FRAME_HEADER) return `a frame header cut short (${left} of ${FRAME_HEADER} bytes)`;
  const length = bytes.readUInt32LE(offset);
  if (length === 0) return "a frame of length 0";
  if (length > left - FRAME_HEADER) {
    return `a frame of ${length} bytes with ${left - FRAME_HEADER} left in the file`;
  }
  const start = offset + FRAME_HEADER;
  if (crc32(bytes.subarray(start, start + length)) !== bytes.readUInt32LE(offset + 4)) {
    return `a frame of ${length} bytes that fails its checksum`;
  }
  return null;
}

function tailAt(bytes: Buffer, offset: number, problem: string): Tail {
  if (problem === "") return { kind: "end", offset };
  const left = bytes.length - offset;
  if (left < FRAME_HEADER) {
    return allZero(bytes, offset) ? { kind: "end", offset } : { kind: "torn", offset, problem };
  }
  const length = bytes.readUInt32LE(offset);
  if (length === 0) {
    return allZero(bytes, offset)
      ? { kind: "end", offset }
      : { kind: "damaged", offset, problem: "a frame of length 0 with data after it" };
  }
  if (length > left - FRAME_HEADER) return tornUnlessFollowed(bytes, offset, problem);
  if (!allZero(bytes, offset + FRAME_HEADER + length)) {
    return { kind: "damaged", offset, problem: `${problem}, with data after it` };
  }
  // A process that dies mid-write leaves a prefix, never a whole frame with a wrong checksum:
  // that is an operating-system crash losing pages, or damage (a grown length) over sound frames.
  return tornUnlessFollowed(bytes, offset, problem);
}

/** A bad frame whose length cannot be trusted: torn only if no sound frame starts after it. */
function tornUnlessFollowed(bytes: Buffer, offset: number, problem: string): Tail {
  const next = soundFrameAfter(bytes, offset + FRAME_HEADER);
  return next === -1
    ? { kind: "torn", offset, problem }
    : { kind: "damaged", offset, problem: `${problem}, but a sound frame at byte ${next}` };
}

/** The first offset from `from` where a sound frame starts, or -1. */
function soundFrameAfter(bytes: Buffer, from: number): number {
  for (let offset = from; offset + FRAME_HEADER < bytes.length; offset++) {
    if (frameAt(bytes, offset) === null) return offset;
  }
  return -1;
}

function allZero(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
