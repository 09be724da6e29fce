/**
 * How deep msgpack bytes nest, found without decoding them. Decoders (msgpackr included)
 * recurse once per array or map, so bytes from elsewhere that nest deeper than a thread's stack
 * allows would fail with a stack overflow; this scan is a loop, and reads only item headers.
 */

/** Bytes that follow each marker 0xc0…0xd8 of fixed size (nil, bool, numbers, fixext). */
// biome-ignore format: one entry per marker, eight a line.
const FIXED_SIZE: readonly (number | undefined)[] = [
  0, undefined, 0, 0, undefined, undefined, undefined, undefined,  // c0 … c7
  undefined, undefined, 4, 8, 1, 2, 4, 8,                          // c8 … cf
  1, 2, 4, 8, 2, 3, 5, 9,                                          // d0 … d7
  17,                                                              // d8
];

/** Widths of the length field of the 8-, 16- and 32-bit forms of str, bin and ext. */
const LENGTH_WIDTH = [1, 2, 4] as const;

/**
 * Whether the first msgpack item in `bytes` nests arrays and maps more than `limit` deep (an
 * empty one counts). Malformed or truncated bytes are not this scan's business: it answers
 * `false` for them and leaves the error to the decoder.
 */
export function nestedDeeperThan(bytes: Uint8Array, limit: number): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  /** Per open container, how many items it still holds. */
  const open: number[] = [];
  let position = 0;
  /** Reads a big-endian length of `width` bytes; -1 past the end. */
  const length = (width: number): number => {
    if (position + width > bytes.length) return -1;
    const n =
      width === 1
        ? view.getUint8(position)
        : width === 2
          ? view.getUint16(position)
          : view.getUint32(position);
    position += width;
    return n;
  };

  while (position < bytes.length) {
    const marker = bytes[position++] as number;
    let items = -1; // a container's items, or -1 for a scalar
    if (marker < 0x80 || marker >= 0xe0) {
      // positive or negative fixint
    } else if (marker < 0x90) {
      items = 2 * (marker & 0x0f); // fixmap
    } else if (marker < 0xa0) {
      items = marker & 0x0f; // fixarray
    } else if (marker < 0xc0) {
      position += marker & 0x1f; // fixstr
    } else if (marker >= 0xdc) {
      const count = length(marker & 1 ? 4 : 2); // array16/32, map16/32
      if (count < 0) return false;
      items = marker >= 0xde ? 2 * count : count;
    } else if (marker >= 0xd9 || (marker >= 0xc4 && marker <= 0xc9)) {
      // str8/16/32 (d9…db), bin8/16/32 (c4…c6), ext8/16/32 (c7…c9: one more byte, the type)
      const size = length(LENGTH_WIDTH[(marker - (marker >= 0xd9 ? 0xd9 : 0xc4)) % 3] as number);
      if (size < 0) return false;
      position += size + (marker >= 0xc7 && marker <= 0xc9 ? 1 : 0);
    } else {
      const size = FIXED_SIZE[marker - 0xc0];
      if (size === undefined) return false; // 0xc1, which msgpack never uses
      position += size;
    }
    if (items >= 0) {
      if (open.length === limit) return true;
      if (items > 0) {
        open.push(items);
        continue;
      }
    }
    // An item is complete: count it off its container, and close every container it filled.
    while (open.length > 0) {
      const left = (open[open.length - 1] as number) - 1;
      if (left > 0) {
        open[open.length - 1] = left;
        break;
      }
      open.pop();
    }
    if (open.length === 0) return false;
  }
  return false;
}
