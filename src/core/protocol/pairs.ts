/**
 * Sorted `(namespace, key)` lists as they cross threads (`PackedPairs`): each namespace once,
 * with how many keys follow it, and every key joined into one string, with their lengths.
 *
 * Why this shape: a diff or a listing can hold a million pairs. Structured clone copies a few
 * large strings and typed arrays as flat memory, where a million small strings (or their
 * msgpack encoding, measured at ~150 ns a string to pack) cost a visit each. The receiver cuts
 * the keys back out a slice at a time (`PairsReader`), so it can yield between slices.
 */
import type { PackedPairs } from "./batch-format.js";

/** A `(namespace, key)` pair, as every sorted listing (keys of a snapshot, a diff) gives them. */
export type Pair = [namespace: string, key: string];

/** What happened between two snapshots; each list sorted by namespace, then key. */
export interface Diff {
  /** In this snapshot, not in the base. */
  added: [string, string][];
  /** In the base, not in this snapshot. */
  removed: [string, string][];
  /** In both, with different values (encodings not byte-identical). */
  changed: [string, string][];
}

/** Gathers pairs in sorted order (namespace, then key) into `PackedPairs`. */
export class PairsBuilder {
  private readonly namespaces: string[] = [];
  private readonly counts: number[] = [];
  private readonly keys: string[] = [];

  add(namespace: string, key: string): void {
    const last = this.namespaces.length - 1;
    if (last < 0 || this.namespaces[last] !== namespace) {
      this.namespaces.push(namespace);
      this.counts.push(1);
    } else {
      this.counts[last] = (this.counts[last] as number) + 1;
    }
    this.keys.push(key);
  }

  /** The list; its typed arrays are fresh, so they can be transferred. */
  finish(): PackedPairs {
    const lengths = new Uint32Array(this.keys.length);
    for (let i = 0; i < this.keys.length; i++) lengths[i] = (this.keys[i] as string).length;
    return {
      namespaces: this.namespaces,
      counts: Uint32Array.from(this.counts),
      keys: this.keys.join(""),
      lengths,
    };
  }
}

/** Reads a `PackedPairs` back, a slice at a time. */
export class PairsReader {
  private namespace = 0;
  /** Keys left in the current namespace. */
  private left: number;
  private key = 0;
  private offset = 0;

  constructor(private readonly packed: PackedPairs) {
    this.left = packed.counts[0] ?? 0;
  }

  get done(): boolean {
    return this.key >= this.packed.lengths.length;
  }

  /** Appends up to `max` more pairs to `into`. */
  read(max: number, into: Pair[]): void {
    const { namespaces, counts, keys, lengths } = this.packed;
    const end = Math.min(lengths.length, this.key + max);
    while (this.key < end) {
      while (this.left === 0) this.left = counts[++this.namespace] as number;
      const namespace = namespaces[this.namespace] as string;
      const next = this.offset + (lengths[this.key] as number);
      into.push([namespace, keys.slice(this.offset, next)]);
      this.offset = next;
      this.key++;
      this.left--;
    }
  }
}

/** Every pair of `packed`, in order. */
export function unpackPairs(packed: PackedPairs): Pair[] {
  const pairs: Pair[] = [];
  new PairsReader(packed).read(Number.POSITIVE_INFINITY, pairs);
  return pairs;
}
