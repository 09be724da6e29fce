/**
 * Packing of sorted `(namespace, key)` lists for the trip between threads (see `PackedPairs`).
 */
import { Packr } from "msgpackr";
import type { PackedPairs } from "./batch-format.js";
import type { Pair } from "./pair.js";

/** Pairs per chunk: decoding one chunk takes a few milliseconds at most. */
export const PAIRS_PER_CHUNK = 8192;

const packr = new Packr({ useRecords: false });

/** Packs a flat `[ns, key, ns, key, …]` list into a fresh, transferable buffer. */
export function packPairs(flat: string[]): PackedPairs {
  const chunks: Uint8Array[] = [];
  const ends: number[] = [];
  let total = 0;
  const stride = PAIRS_PER_CHUNK * 2;
  for (let start = 0; start < flat.length; start += stride) {
    // pack() returns a view into msgpackr's reused buffer: copy before packing the next chunk.
    const chunk = new Uint8Array(packr.pack(flat.slice(start, start + stride)));
    chunks.push(chunk);
    total += chunk.byteLength;
    ends.push(total);
  }
  // Allocated directly (never from Buffer's shared pool) so the buffer can be transferred.
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { bytes, ends };
}

export function chunkCount(packed: PackedPairs): number {
  return packed.ends.length;
}

/** Decodes chunk `index` into `[namespace, key]` tuples appended to `into`. */
export function unpackChunk(packed: PackedPairs, index: number, into: Pair[]): void {
  const start = index === 0 ? 0 : (packed.ends[index - 1] as number);
  const flat = packr.unpack(packed.bytes.subarray(start, packed.ends[index])) as string[];
  for (let i = 0; i < flat.length; i += 2) into.push([flat[i] as string, flat[i + 1] as string]);
}
