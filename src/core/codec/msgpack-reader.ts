/**
 * Reads msgpack that anyone may have written (any library, any language), strictly, one item at
 * a time; values are copied into swarmstate's own encoding as they are read (`value`).
 *
 * Canonical copies. A value is written exactly as `encodeValue` would write what a decoder
 * (msgpackr, keeping 64-bit integers as bigints) reads from it, so stored bytes are the same
 * whichever library wrote them, and "changed" keeps meaning "encodings differ": integers up to
 * 32 bits and floats become `number`s (a float `1.0` is stored as the integer 1, a float32 as a
 * float64 unless integral), 64-bit integers `bigint`s (int64, or uint64 from 2^63), strings and
 * binary get the smallest header, and map entries are put in JavaScript's property order
 * (keys that are array indices first, ascending), as a decoded object would be walked. Our own
 * encodings come out byte for byte as they went in. (Decoding with msgpackr and re-encoding
 * would give the same bytes; copying item by item costs one walk instead of two, and sees what
 * decoding would hide, below.)
 *
 * Strict. Whatever a decoder would turn into something other than what the bytes say, or that
 * is not a value, is refused with a {@link MsgpackReadError} naming the path: extension types
 * (timestamps included) and the unused marker 0xc1; map keys that are not strings, a key
 * repeated in one map, the key `__proto__` (msgpackr keeps the last of two repeated keys,
 * renames `__proto__` and turns an integer key into a string, all silently); strings that are
 * not valid UTF-8 (decoders replace the bad bytes); nesting deeper than {@link MAX_DEPTH};
 * bytes that end in the middle of an item. (The rules on map keys, and the property order,
 * are kept by map-keys.ts.)
 */
import { isUtf8 } from "node:buffer";
import { MapKeys, sameBytes } from "./map-keys.js";
import type { MsgpackWriter } from "./msgpack-writer.js";
import { MAX_DEPTH } from "./value.js";
import { formatPath, type Step } from "./value-path.js";

/** Bytes refused by a {@link MsgpackReader}; the message names where and why. */
export class MsgpackReadError extends Error {
  override readonly name = "MsgpackReadError";
}

/** What `MsgpackReader.string` remembers of the string it read last (see there). */
export interface LastString {
  start: number;
  length: number;
  value: string | null;
}

export class MsgpackReader {
  /**
   * The path to the item being read, after `root`: callers push and pop their own steps (the
   * fields and indices of their layout), values add theirs. Only formatted on failure.
   */
  readonly steps: Step[] = [];
  private readonly bytes: Buffer;
  private readonly view: DataView;
  private position = 0;
  /** Arrays and maps enclosing the current item of the value being copied. */
  private depth = 0;
  /** Whether value copies keep their path in `steps` (only to name a refused item). */
  private tracking = false;
  /** The keys of the maps being copied, and the rules they keep (map-keys.ts). */
  private readonly mapKeys: MapKeys;

  /** @param root how messages name what is read, e.g. `"apply: changeset"` */
  constructor(
    bytes: Uint8Array,
    private readonly root: string,
  ) {
    this.bytes = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.mapKeys = new MapKeys(this.bytes);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get atEnd(): boolean {
    return this.position >= this.bytes.length;
  }

  /** Throws a {@link MsgpackReadError} about the item at the current path. */
  fail(problem: string): never {
    throw new MsgpackReadError(`${formatPath(this.root, this.steps)}: ${problem}`);
  }

  /** What the next item is, for messages: "a map", "an integer", … */
  describeNext(): string {
    const m = this.bytes[this.position];
    if (m === undefined) return "nothing (the bytes end there)";
    if (m < 0x80 || m >= 0xe0 || (m >= 0xcc && m <= 0xd3)) return "an integer";
    if (m < 0x90 || m === 0xde || m === 0xdf) return "a map";
    if (m < 0xa0 || m === 0xdc || m === 0xdd) return "an array";
    if (m < 0xc0 || (m >= 0xd9 && m <= 0xdb)) return "a string";
    if (m === 0xc0) return "nil";
    if (m === 0xc2 || m === 0xc3) return "a boolean";
    if (m >= 0xc4 && m <= 0xc6) return "binary";
    if (m === 0xca || m === 0xcb) return "a float";
    if (m === 0xc1) return "the byte 0xc1, which msgpack never uses";
    return `an extension type (marker 0x${m.toString(16)})`;
  }

  /** If the next item is a map, reads its header and returns how many entries follow. */
  mapHeader(): number | undefined {
    const m = this.bytes[this.position];
    if (m === undefined) return undefined;
    if (m >= 0x80 && m < 0x90) {
      this.position++;
      return m & 0x0f;
    }
    if (m !== 0xde && m !== 0xdf) return undefined;
    this.position++;
    return this.uint(m === 0xde ? 2 : 4);
  }

  /** If the next item is an array, reads its header and returns how many items follow. */
  arrayHeader(): number | undefined {
    const m = this.bytes[this.position];
    if (m === undefined) return undefined;
    if (m >= 0x90 && m < 0xa0) {
      this.position++;
      return m & 0x0f;
    }
    if (m !== 0xdc && m !== 0xdd) return undefined;
    this.position++;
    return this.uint(m === 0xdc ? 2 : 4);
  }

  /**
   * If the next item is a string, reads it. With `last`, the string read last time with the
   * same `last` is given back when the bytes are the same, without decoding them again (the
   * namespaces of a sorted list repeat).
   */
  string(last?: LastString): string | undefined {
    const length = this.stringHeader();
    if (length === undefined) return undefined;
    this.need(length);
    const start = this.position;
    const ascii = this.checkUtf8(start, length);
    this.position += length;
    if (
      last !== undefined &&
      last.value !== null &&
      last.length === length &&
      sameBytes(this.bytes, last.start, length, this.bytes, start)
    ) {
      return last.value;
    }
    const value = this.bytes.toString(ascii ? "latin1" : "utf8", start, start + length);
    if (last !== undefined) {
      last.start = start;
      last.length = length;
      last.value = value;
    }
    return value;
  }

  /** If the next item is a number, reads it: 64-bit integers as `bigint`s, others as `number`s. */
  number(): number | bigint | undefined {
    const m = this.bytes[this.position];
    if (m === undefined) return undefined;
    if (m < 0x80 || m >= 0xe0 || (m >= 0xca && m <= 0xd3)) {
      this.position++;
      return this.numberAfter(m);
    }
    return undefined;
  }

  /**
   * Reads the next item, which must be a value, and appends it to `writer` in swarmstate's own
   * encoding (see the module comment); `writer.offset` before and after delimit it.
   *
   * The copy keeps no path (building one costs more than the copy); a value it refuses is read
   * again, from its start, keeping one, so that the error names where the problem is.
   */
  value(writer: MsgpackWriter): void {
    const start = this.position;
    const steps = this.steps.length;
    try {
      this.depth = 0;
      this.mapKeys.reset();
      this.copyItem(writer);
    } catch (error) {
      if (!(error instanceof MsgpackReadError) || this.tracking) throw error;
      this.position = start;
      this.steps.length = steps;
      this.tracking = true;
      this.depth = 0;
      this.mapKeys.reset();
      this.copyItem(writer);
      throw error; // not reached: the second reading fails where the first did
    }
  }

  private copyItem(w: MsgpackWriter): void {
    const m = this.byte();
    if (m < 0x80 || m >= 0xe0 || (m >= 0xca && m <= 0xd3)) {
      const number = this.numberAfter(m);
      if (typeof number === "bigint") w.bigint(number);
      else w.number(number);
    } else if (m < 0x90) {
      this.copyMap(w, m & 0x0f);
    } else if (m < 0xa0) {
      this.copyArray(w, m & 0x0f);
    } else if (m < 0xc0) {
      this.copyString(w, m & 0x1f);
    } else if (m >= 0xd9 && m <= 0xdb) {
      this.copyString(w, this.uint(1 << (m - 0xd9)));
    } else if (m === 0xc0) {
      w.nil();
    } else if (m === 0xc2 || m === 0xc3) {
      w.boolean(m === 0xc3);
    } else if (m >= 0xc4 && m <= 0xc6) {
      const length = this.uint(1 << (m - 0xc4));
      this.need(length);
      w.bytes(this.bytes.subarray(this.position, this.position + length));
      this.position += length;
    } else if (m === 0xdc || m === 0xdd) {
      this.copyArray(w, this.uint(m === 0xdc ? 2 : 4));
    } else if (m === 0xde || m === 0xdf) {
      this.copyMap(w, this.uint(m === 0xde ? 2 : 4));
    } else {
      this.position--;
      this.fail(`${this.describeNext()} is not a value`);
    }
  }

  private copyArray(w: MsgpackWriter, count: number): void {
    this.enter();
    w.arrayHeader(count);
    for (let i = 0; i < count; i++) {
      if (this.tracking) this.steps.push(i);
      this.copyItem(w);
      if (this.tracking) this.steps.pop();
    }
    this.depth--;
  }

  private copyMap(w: MsgpackWriter, count: number): void {
    this.enter();
    w.mapHeader(count);
    const from = w.offset;
    this.mapKeys.enter(count);
    for (let i = 0; i < count; i++) {
      const length = this.stringHeader();
      if (length === undefined) this.fail(`map keys must be strings, got ${this.describeNext()}`);
      const start = this.position;
      const entry = w.offset;
      this.copyString(w, length);
      const refused = this.mapKeys.add(start, length, entry);
      if (refused !== null) this.fail(refused);
      if (this.tracking) this.steps.push(this.text(start, length));
      this.copyItem(w);
      if (this.tracking) this.steps.pop();
    }
    this.mapKeys.leave(w, from);
    this.depth--;
  }

  /** The text of the (checked) UTF-8 bytes at `start`. */
  private text(start: number, length: number): string {
    return this.bytes.toString("utf8", start, start + length);
  }

  /** Copies a string of `length` bytes, checking as it copies that they are valid UTF-8. */
  private copyString(w: MsgpackWriter, length: number): void {
    this.need(length);
    const start = this.position;
    this.position += length;
    if (!w.stringFromUtf8(this.bytes, start, start + length)) this.checkUtf8(start, length);
  }

  /** If the next item is a string, reads its header and returns its length in bytes. */
  private stringHeader(): number | undefined {
    const m = this.bytes[this.position];
    if (m === undefined) return undefined;
    if (m >= 0xa0 && m < 0xc0) {
      this.position++;
      return m & 0x1f;
    }
    if (m < 0xd9 || m > 0xdb) return undefined;
    this.position++;
    return this.uint(1 << (m - 0xd9));
  }

  /**
   * Checks that the `length` bytes from `start` (which are there) are valid UTF-8; returns whether
   * they are plain ASCII (then any decoding of them is the same, and latin1 is the fastest).
   */
  private checkUtf8(start: number, length: number): boolean {
    const bytes = this.bytes;
    const end = start + length;
    for (let i = start; i < end; i++) {
      if ((bytes[i] as number) >= 0x80) {
        if (!isUtf8(bytes.subarray(start, end))) this.fail("a string that is not valid UTF-8");
        return false;
      }
    }
    return true;
  }

  /** The number whose marker `m` was just read. */
  private numberAfter(m: number): number | bigint {
    if (m < 0x80) return m;
    if (m >= 0xe0) return m - 0x100;
    const view = this.view;
    const at = this.position;
    const width = [4, 8, 1, 2, 4, 8, 1, 2, 4, 8][m - 0xca] as number;
    this.need(width);
    this.position += width;
    switch (m) {
      case 0xca:
        return view.getFloat32(at);
      case 0xcb:
        return view.getFloat64(at);
      case 0xcc:
        return view.getUint8(at);
      case 0xcd:
        return view.getUint16(at);
      case 0xce:
        return view.getUint32(at);
      case 0xcf:
        return view.getBigUint64(at);
      case 0xd0:
        return view.getInt8(at);
      case 0xd1:
        return view.getInt16(at);
      case 0xd2:
        return view.getInt32(at);
      default:
        return view.getBigInt64(at);
    }
  }

  private enter(): void {
    if (this.depth === MAX_DEPTH) {
      this.fail(`arrays and maps nested more than ${MAX_DEPTH} deep are not supported`);
    }
    this.depth++;
  }

  private byte(): number {
    this.need(1);
    return this.bytes[this.position++] as number;
  }

  /** Reads a big-endian unsigned integer of `width` (1, 2 or 4) bytes. */
  private uint(width: number): number {
    this.need(width);
    const at = this.position;
    this.position += width;
    if (width === 1) return this.bytes[at] as number;
    return width === 2 ? this.view.getUint16(at) : this.view.getUint32(at);
  }

  private need(count: number): void {
    if (this.position + count > this.bytes.length) {
      this.fail("the bytes end in the middle of an item (truncated)");
    }
  }
}
