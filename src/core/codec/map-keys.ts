/**
 * The keys of the maps a `MsgpackReader` is copying, innermost map last, kept as positions in
 * its input. They hold two of the reader's rules (msgpack-reader.ts): a key appears once in its
 * map and is never `__proto__`; and a map one of whose keys is an array index is copied in
 * JavaScript's property order (such keys first, ascending, then the others as they came), as a
 * decoded object would be walked.
 *
 * Reused map after map: a map allocates nothing (but, past `SMALL_MAP` keys, a Set to find
 * repeats). Invariant: `keys[open[d].base..used)` are the keys read so far of the open maps
 * from depth `d` in, three numbers each: where the key starts, its length, and where its entry
 * starts in the copy.
 */
import type { MsgpackWriter } from "./msgpack-writer.js";

/** Small maps look for a repeated key by a linear search, larger ones with a Set. */
const SMALL_MAP = 8;
/** The largest array index, 2^32 - 2: JavaScript orders such keys first, ascending. */
const MAX_INDEX = 4294967294;
const INDEX = /^(?:0|[1-9]\d*)$/;
/** The one key refused for itself: no decoder can give it back as an own property safely. */
const PROTO = Buffer.from("__proto__");

/** One open map. */
interface OpenMap {
  /** Where its keys start in `keys`. */
  base: number;
  /** Whether one of its keys is an array index. */
  indexKeys: boolean;
  /** Its keys as text, if it is large. */
  texts: Set<string> | null;
}

export class MapKeys {
  private readonly keys: number[] = [];
  private used = 0;
  /** The open maps, innermost at `depth - 1`; kept for reuse past `depth`. */
  private readonly open: OpenMap[] = [];
  private depth = 0;

  constructor(private readonly bytes: Buffer) {}

  /** Forgets every open map (a new value is being copied). */
  reset(): void {
    this.used = 0;
    this.depth = 0;
  }

  /** A map of `count` entries is opened inside the open ones. */
  enter(count: number): void {
    let map = this.open[this.depth];
    if (map === undefined) {
      map = { base: 0, indexKeys: false, texts: null };
      this.open[this.depth] = map;
    }
    map.base = this.used;
    map.indexKeys = false;
    map.texts = count > SMALL_MAP ? new Set() : null;
    this.depth++;
  }

  /**
   * The innermost map's next key: `length` bytes (valid UTF-8) at `start`, its entry starting
   * at `entry` in the copy. Returns why the key is refused, or `null`.
   */
  add(start: number, length: number, entry: number): string | null {
    const map = this.open[this.depth - 1] as OpenMap;
    if (length === PROTO.length && sameBytes(this.bytes, start, length, PROTO)) {
      return 'the key "__proto__" is not supported';
    }
    const texts = map.texts;
    if (
      texts === null
        ? this.repeats(map.base, start, length)
        : texts.size === texts.add(this.text(start, length)).size
    ) {
      return `the key ${JSON.stringify(this.text(start, length))} appears twice in one map`;
    }
    const keys = this.keys;
    const top = this.used;
    keys[top] = start;
    keys[top + 1] = length;
    keys[top + 2] = entry;
    this.used = top + 3;
    // Array indices start with a digit: the rest skip the test.
    if (!map.indexKeys && ((this.bytes[start] as number) - 0x30) >>> 0 < 10) {
      map.indexKeys = isArrayIndex(this.text(start, length));
    }
    return null;
  }

  /** The innermost map is copied, from `from` in `w`: puts it in property order, leaves it. */
  leave(w: MsgpackWriter, from: number): void {
    const map = this.open[--this.depth] as OpenMap;
    if (map.indexKeys) this.inPropertyOrder(w, from, map.base);
    this.used = map.base;
    map.texts = null;
  }

  /** Whether the key at `start` is one of the map's keys so far (from `base` in `keys`). */
  private repeats(base: number, start: number, length: number): boolean {
    const keys = this.keys;
    for (let k = base; k < this.used; k += 3) {
      const other = keys[k] as number;
      if (keys[k + 1] === length && sameBytes(this.bytes, other, length, this.bytes, start)) {
        return true;
      }
    }
    return false;
  }

  /** Reorders a copied map's entries as JavaScript orders an object's keys. */
  private inPropertyOrder(w: MsgpackWriter, from: number, base: number): void {
    const keys = this.keys;
    const entries = [];
    for (let k = base; k < this.used; k += 3) {
      const key = this.text(keys[k] as number, keys[k + 1] as number);
      const end = k + 3 < this.used ? (keys[k + 5] as number) : w.offset;
      entries.push({
        index: isArrayIndex(key) ? Number(key) : -1,
        range: [keys[k + 2] as number, end] as const,
      });
    }
    const indices = entries.filter((e) => e.index >= 0).sort((a, b) => a.index - b.index);
    const others = entries.filter((e) => e.index < 0);
    w.reorder(
      from,
      [...indices, ...others].map((e) => e.range),
    );
  }

  /** The text of the (checked) UTF-8 bytes at `start`. */
  private text(start: number, length: number): string {
    return this.bytes.toString("utf8", start, start + length);
  }
}

/** Whether the `length` bytes of `a` at `aStart` are those of `b` from `bStart` (default 0). */
export function sameBytes(
  a: Uint8Array,
  aStart: number,
  length: number,
  b: Uint8Array,
  bStart = 0,
): boolean {
  for (let i = 0; i < length; i++) if (a[aStart + i] !== b[bStart + i]) return false;
  return true;
}

function isArrayIndex(key: string): boolean {
  return key.length <= 10 && INDEX.test(key) && Number(key) <= MAX_INDEX;
}
