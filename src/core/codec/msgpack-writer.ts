/**
 * Writes msgpack, one item at a time, into a growing chunk of memory; knows the format, not
 * the value rules (see value.ts, which drives it).
 *
 * It writes exactly what msgpackr writes for the same item (the smallest integer form up to 32
 * bits, float64 otherwise, int64 for a bigint that fits it, str8 and bin8 headers), so values
 * encoded before and after it are byte-identical, with one deliberate difference: `-0` is
 * written as a float64 (msgpackr writes the integer 0), so that it reads back as `-0`.
 *
 * Invariant: bytes handed out by {@link MsgpackWriter.finish} are never written over. Each
 * encoding continues after the last one, and a full chunk is replaced, not reused, so a
 * finished encoding stays valid (a view, not a copy) for as long as anyone holds it. An
 * encoding abandoned half way (a refused value) is written over by the next one.
 */

/** A fresh chunk's size: room for hundreds of small values, so few allocations. */
const CHUNK_SIZE = 64 * 1024;
/** Strings shorter than this are encoded by hand; longer ones by `Buffer.write` (native). */
const SHORT_STRING = 64;
/** Byte runs shorter than this are copied byte by byte; longer ones by `Buffer.copy` (native). */
const SHORT_COPY = 24;

export class MsgpackWriter {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_SIZE);
  private view = new DataView(this.chunk.buffer, this.chunk.byteOffset, this.chunk.byteLength);
  /** Where the encoding in progress starts. */
  private start = 0;
  private position = 0;

  /** Starts a new encoding, dropping whatever an unfinished one wrote. */
  begin(): void {
    this.position = this.start;
  }

  /** Ends the encoding in progress and returns its bytes (a view into the chunk). */
  finish(): Buffer {
    const bytes = this.chunk.subarray(this.start, this.position);
    this.start = this.position;
    return bytes;
  }

  nil(): void {
    this.room(1);
    this.chunk[this.position++] = 0xc0;
  }

  boolean(value: boolean): void {
    this.room(1);
    this.chunk[this.position++] = value ? 0xc3 : 0xc2;
  }

  number(value: number): void {
    this.room(9);
    const chunk = this.chunk;
    if (value >>> 0 === value && (value !== 0 || 1 / value > 0)) {
      if (value < 0x80) {
        chunk[this.position++] = value;
      } else if (value < 0x100) {
        chunk[this.position++] = 0xcc;
        chunk[this.position++] = value;
      } else if (value < 0x10000) {
        chunk[this.position++] = 0xcd;
        this.view.setUint16(this.position, value);
        this.position += 2;
      } else {
        chunk[this.position++] = 0xce;
        this.view.setUint32(this.position, value);
        this.position += 4;
      }
    } else if (value >> 0 === value && value !== 0) {
      if (value >= -0x20) {
        chunk[this.position++] = 0x100 + value;
      } else if (value >= -0x80) {
        chunk[this.position++] = 0xd0;
        chunk[this.position++] = value + 0x100;
      } else if (value >= -0x8000) {
        chunk[this.position++] = 0xd1;
        this.view.setInt16(this.position, value);
        this.position += 2;
      } else {
        chunk[this.position++] = 0xd2;
        this.view.setInt32(this.position, value);
        this.position += 4;
      }
    } else {
      // Fractions, integers beyond 32 bits, NaN, ±Infinity and -0.
      chunk[this.position++] = 0xcb;
      this.view.setFloat64(this.position, value);
      this.position += 8;
    }
  }

  /** A bigint within int64 or uint64 (the caller checks the range). */
  bigint(value: bigint): void {
    this.room(9);
    if (value < 0x8000000000000000n) {
      this.chunk[this.position++] = 0xd3;
      this.view.setBigInt64(this.position, value);
    } else {
      this.chunk[this.position++] = 0xcf;
      this.view.setBigUint64(this.position, value);
    }
    this.position += 8;
  }

  /** A well-formed string (the caller checks: a lone surrogate has no UTF-8 form). */
  string(text: string): void {
    const length = text.length;
    // At most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, makes 4 bytes).
    this.room(5 + 3 * length);
    // The byte length is known only once written: write the text after a header sized for
    // `length` bytes (the fewest it can take) and move it along if it needs a bigger one.
    const header = headerSize(length);
    const textStart = this.position + header;
    const written =
      length < SHORT_STRING ? this.utf8(text, textStart) : this.chunk.write(text, textStart);
    const needed = headerSize(written);
    if (needed > header)
      this.chunk.copyWithin(this.position + needed, textStart, textStart + written);
    this.header(written, 0xa0, 0x20, 0xda, true); // fixstr, str8/16/32
    this.position += written;
  }

  /**
   * A string given as its UTF-8 bytes, `source[start, end)`, with the header `string` would
   * write for it. Returns whether they are all ASCII; if not, the caller must check that they
   * are valid UTF-8 (before using the encoding).
   */
  stringFromUtf8(source: Buffer, start: number, end: number): boolean {
    const length = end - start;
    this.room(5 + length);
    this.header(length, 0xa0, 0x20, 0xda, true); // fixstr, str8/16/32
    if (length >= SHORT_COPY) {
      this.copy(source, start, end);
      for (let i = start; i < end; i++) if ((source[i] as number) >= 0x80) return false;
      return true;
    }
    // Short: copy and check in one pass.
    const chunk = this.chunk;
    let position = this.position;
    let seen = 0;
    for (let i = start; i < end; i++) {
      const byte = source[i] as number;
      seen |= byte;
      chunk[position++] = byte;
    }
    this.position = position;
    return seen < 0x80;
  }

  /** Appends `source[start, end)` as they are: bytes that are already msgpack (a stored value). */
  raw(source: Buffer, start: number, end: number): void {
    this.room(end - start);
    this.copy(source, start, end);
  }

  bytes(value: Uint8Array): void {
    const length = value.byteLength;
    this.room(5 + length);
    this.header(length, 0, 0, 0xc5, true); // bin8/16/32
    this.chunk.set(value, this.position);
    this.position += length;
  }

  arrayHeader(count: number): void {
    this.room(5);
    this.header(count, 0x90, 0x10, 0xdc, false);
  }

  /**
   * Writes a map header for `count` entries; returns where it is (from the start of the
   * encoding, which may move to a new chunk) for {@link fixMapHeader}.
   */
  mapHeader(count: number): number {
    const at = this.position - this.start;
    this.room(5);
    this.header(count, 0x80, 0x10, 0xde, false);
    return at;
  }

  /**
   * Rewrites the header at `at`, written for `written` entries, for the `count` entries that
   * followed it (fewer, when some properties were left out), in the smallest form, as msgpackr
   * would have written it: the entries move back when the header shrinks.
   */
  fixMapHeader(offset: number, written: number, count: number): void {
    const at = this.start + offset;
    const before = collectionHeaderSize(written);
    const after = collectionHeaderSize(count);
    if (after < before) {
      this.chunk.copyWithin(at + after, at + before, this.position);
      this.position -= before - after;
    }
    const end = this.position;
    this.position = at;
    this.header(count, 0x80, 0x10, 0xde, false);
    this.position = end;
  }

  /** Where the encoding in progress has got to, counted from its start (for {@link reorder}). */
  get offset(): number {
    return this.position - this.start;
  }

  /**
   * Rewrites what was written from offset `from` to the end in another order: `segments` are
   * `[start, end)` offsets that together cover exactly that stretch, in their new order.
   */
  reorder(from: number, segments: readonly (readonly [number, number])[]): void {
    const base = this.start;
    const copy = Buffer.from(this.chunk.subarray(base + from, this.position));
    let at = base + from;
    for (const [start, end] of segments) {
      copy.copy(this.chunk, at, start - from, end - from);
      at += end - start;
    }
  }

  /**
   * Writes the header of a string, binary, array or map of `length`: in the marker itself
   * (`fix | length`) below `fixLimit`, else after the marker `sized16 - 1` in one byte (if
   * `with8`), `sized16` in two or `sized16 + 1` in four. The caller has made room.
   */
  private header(length: number, fix: number, fixLimit: number, sized16: number, with8: boolean) {
    if (length < fixLimit) {
      this.chunk[this.position++] = fix | length;
    } else if (with8 && length < 0x100) {
      this.chunk[this.position++] = sized16 - 1;
      this.chunk[this.position++] = length;
    } else if (length < 0x10000) {
      this.chunk[this.position++] = sized16;
      this.view.setUint16(this.position, length);
      this.position += 2;
    } else {
      this.chunk[this.position++] = sized16 + 1;
      this.view.setUint32(this.position, length);
      this.position += 4;
    }
  }

  /** UTF-8 of a short, well-formed string at `at`; returns the number of bytes written. */
  private utf8(text: string, at: number): number {
    const chunk = this.chunk;
    let position = at;
    for (let i = 0; i < text.length; i++) {
      let code = text.charCodeAt(i);
      if (code < 0x80) {
        chunk[position++] = code;
      } else if (code < 0x800) {
        chunk[position++] = 0xc0 | (code >> 6);
        chunk[position++] = 0x80 | (code & 0x3f);
      } else if ((code & 0xfc00) === 0xd800) {
        code = 0x10000 + ((code & 0x3ff) << 10) + (text.charCodeAt(++i) & 0x3ff);
        chunk[position++] = 0xf0 | (code >> 18);
        chunk[position++] = 0x80 | ((code >> 12) & 0x3f);
        chunk[position++] = 0x80 | ((code >> 6) & 0x3f);
        chunk[position++] = 0x80 | (code & 0x3f);
      } else {
        chunk[position++] = 0xe0 | (code >> 12);
        chunk[position++] = 0x80 | ((code >> 6) & 0x3f);
        chunk[position++] = 0x80 | (code & 0x3f);
      }
    }
    return position - at;
  }

  /** Copies `source[start, end)` here; the caller has made room. Short runs byte by byte. */
  private copy(source: Buffer, start: number, end: number): void {
    if (end - start < SHORT_COPY) {
      const chunk = this.chunk;
      let position = this.position;
      for (let i = start; i < end; i++) chunk[position++] = source[i] as number;
      this.position = position;
    } else {
      this.position += source.copy(this.chunk, this.position, start, end);
    }
  }

  /** Makes room for `size` more bytes, moving the encoding in progress to a new chunk if needed. */
  private room(size: number): void {
    if (this.position + size <= this.chunk.length) return;
    const used = this.position - this.start;
    const next = Buffer.allocUnsafeSlow(Math.max(CHUNK_SIZE, 2 * (used + size)));
    this.chunk.copy(next, 0, this.start, this.position);
    this.chunk = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
    this.start = 0;
    this.position = used;
  }
}

function headerSize(length: number): number {
  return length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
}

function collectionHeaderSize(count: number): number {
  return count < 0x10 ? 1 : count < 0x10000 ? 3 : 5;
}
