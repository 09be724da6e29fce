/**
 * A persistent map from string to string, for one namespace of a shard: keys hash into small
 * buckets held in an immutable `List`, by linear hashing.
 *
 * Why not an immutable `Map` per namespace: it keeps every entry in its own leaf object plus a
 * `[key, value]` array, about 150 bytes per entry before the key and value themselves. Here an
 * entry costs two slots in a bucket array (16 bytes) and a share of the bucket's header and
 * of the List's trie, which roughly halves a shard's memory for small values.
 *
 * Invariants:
 * - Linear hashing: there are `2^level + split` buckets. A key whose hash has low bits `b`
 *   (`level` bits) lives in bucket `b`, unless `b < split`: that bucket has been split, and
 *   the key lives in the bucket given by its low `level + 1` bits. Each insert that takes the
 *   average load past {@link LOAD} splits one bucket, so growing never rehashes the whole map
 *   (no latency spike) and buckets stay short.
 * - A bucket is a flat `[key0, value0, key1, value1, …]` array, never modified once a map
 *   refers to it: a write copies the bucket (a draft copies each bucket once per batch).
 */
import { List } from "immutable";
import { fnv1a } from "../protocol/hash.js";

type Bucket = string[];

/** Average entries per bucket before a split: short scans, little per-bucket overhead. */
const LOAD = 8;

function indexOf(hash: number, level: number, split: number): number {
  const low = hash & ((1 << level) - 1);
  return low < split ? hash & ((1 << (level + 1)) - 1) : low;
}

function find(
  buckets: List<Bucket>,
  level: number,
  split: number,
  key: string,
): string | undefined {
  return valueIn(buckets.get(indexOf(fnv1a(key), level, split)) as Bucket, key);
}

function valueIn(bucket: Bucket, key: string): string | undefined {
  for (let i = 0; i < bucket.length; i += 2) {
    if (bucket[i] === key) return bucket[i + 1];
  }
  return undefined;
}

function* keysIn(buckets: List<Bucket>): Generator<string> {
  for (const bucket of buckets) {
    for (let i = 0; i < bucket.length; i += 2) yield bucket[i] as string;
  }
}

export class BucketMap {
  static readonly EMPTY = new BucketMap(List([[]]), 0, 0, 0);

  private constructor(
    private readonly buckets: List<Bucket>,
    /** Number of entries. */
    readonly size: number,
    private readonly level: number,
    private readonly split: number,
  ) {}

  get(key: string): string | undefined {
    return find(this.buckets, this.level, this.split, key);
  }

  /** Keys in no particular order. */
  keys(): Generator<string> {
    return keysIn(this.buckets);
  }

  /**
   * Keys whose values differ between this map and `other` (present in one only, or with other
   * values). Buckets the two share are skipped, so two versions of one map compare in time
   * proportional to what changed between them; maps of different shapes compare key by key.
   */
  *differingKeys(other: BucketMap): Generator<string> {
    if (other === this) return;
    if (other.level !== this.level || other.split !== this.split) {
      for (const key of this.keys()) if (other.get(key) !== this.get(key)) yield key;
      for (const key of other.keys()) if (this.get(key) === undefined) yield key;
      return;
    }
    for (let i = 0; i < this.buckets.size; i++) {
      const mine = this.buckets.get(i) as Bucket;
      const theirs = other.buckets.get(i) as Bucket;
      if (mine === theirs) continue;
      for (let j = 0; j < mine.length; j += 2) {
        const key = mine[j] as string;
        if (valueIn(theirs, key) !== mine[j + 1]) yield key;
      }
      for (let j = 0; j < theirs.length; j += 2) {
        const key = theirs[j] as string;
        if (valueIn(mine, key) === undefined) yield key;
      }
    }
  }

  /** A draft to apply many writes to, then `finish()` into a new map. */
  draft(): BucketMapDraft {
    return new BucketMapDraft(this, this.buckets, this.size, this.level, this.split);
  }

  /** @internal used by drafts. */
  static of(buckets: List<Bucket>, size: number, level: number, split: number): BucketMap {
    return new BucketMap(buckets, size, level, split);
  }
}

/**
 * A working copy: mutates its own copies of buckets, never those of the map it came from, so
 * a bucket is copied at most once however many writes the draft takes. Readable while drafted.
 */
export class BucketMapDraft {
  private buckets: List<Bucket>;
  /** Buckets this draft created, and so may change in place. */
  private readonly owned = new Set<Bucket>();
  private altered = false;

  constructor(
    private readonly origin: BucketMap,
    buckets: List<Bucket>,
    private entries: number,
    private level: number,
    private split: number,
  ) {
    this.buckets = buckets.asMutable();
  }

  get size(): number {
    return this.entries;
  }

  get(key: string): string | undefined {
    return find(this.buckets, this.level, this.split, key);
  }

  keys(): Generator<string> {
    return keysIn(this.buckets);
  }

  /** Sets `key`; returns the previous value (`=== value` means nothing changed). */
  set(key: string, value: string): string | undefined {
    const index = indexOf(fnv1a(key), this.level, this.split);
    const bucket = this.buckets.get(index) as Bucket;
    for (let i = 0; i < bucket.length; i += 2) {
      if (bucket[i] === key) {
        const previous = bucket[i + 1];
        if (previous !== value) this.own(index, bucket)[i + 1] = value;
        return previous;
      }
    }
    this.own(index, bucket).push(key, value);
    this.entries++;
    if (this.entries > LOAD * this.buckets.size) this.splitNext();
    return undefined;
  }

  /** Removes `key`; returns its value, or `undefined` if it was absent. */
  remove(key: string): string | undefined {
    const index = indexOf(fnv1a(key), this.level, this.split);
    const bucket = this.buckets.get(index) as Bucket;
    for (let i = 0; i < bucket.length; i += 2) {
      if (bucket[i] === key) {
        const previous = bucket[i + 1];
        this.own(index, bucket).splice(i, 2);
        this.entries--;
        return previous;
      }
    }
    return undefined;
  }

  /** The map as drafted (the original one if nothing changed). The draft is done with. */
  finish(): BucketMap {
    if (!this.altered) return this.origin;
    return BucketMap.of(this.buckets.asImmutable(), this.entries, this.level, this.split);
  }

  private own(index: number, bucket: Bucket): Bucket {
    this.altered = true;
    if (this.owned.has(bucket)) return bucket;
    const copy = bucket.slice();
    this.owned.add(copy);
    this.buckets = this.buckets.set(index, copy);
    return copy;
  }

  /** Splits bucket `split` between itself and a new last bucket, by hash bit `level`. */
  private splitNext(): void {
    const source = this.buckets.get(this.split) as Bucket;
    const stay: Bucket = [];
    const move: Bucket = [];
    for (let i = 0; i < source.length; i += 2) {
      const target = fnv1a(source[i] as string) & (1 << this.level) ? move : stay;
      target.push(source[i] as string, source[i + 1] as string);
    }
    this.owned.add(stay);
    this.owned.add(move);
    this.buckets = this.buckets.set(this.split, stay).push(move);
    this.split++;
    if (this.split === 1 << this.level) {
      this.level++;
      this.split = 0;
    }
  }
}
