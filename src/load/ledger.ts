/**
 * An agent's ledger: the writes it committed, in order, each naming its value by digest.
 *
 * The ledger is the independent record verification compares the store against: it is built
 * from what the agent wrote, never from what it read back. A position is a length: a checkpoint
 * records every agent's position, and rolling back to that checkpoint truncates each ledger to
 * it, forgetting exactly the writes the restore undid.
 */
import { createHash } from "node:crypto";
import { dumps, type Value } from "../index.js";

/** One committed write. */
export interface LedgerEntry {
  namespace: string;
  key: string;
  /** `digestOf(value)` of the value written, or `null` for a delete. */
  digest: string | null;
  /** The agent's step that made it. */
  step: number;
  /** The epoch (checkpoint interval) it was made in. */
  epoch: number;
}

/**
 * Names a value by the SHA-1 of its msgpack encoding (base64). The store compares values by
 * their encodings, and encoding is deterministic, so equal digests mean equal stored values.
 */
export function digestOf(value: Value): string {
  return createHash("sha1").update(dumps(value)).digest("base64");
}

/** The `(namespace, key)` of an entry as one string, ordered as the store orders pairs. */
export function idOf(namespace: string, key: string): string {
  // "\u0000" sorts before every other code unit, so ids sort by namespace, then key.
  return `${namespace}\u0000${key}`;
}

/** The `[namespace, key]` pair an id stands for. */
export function pairOf(id: string): [string, string] {
  const cut = id.indexOf("\u0000");
  return [id.slice(0, cut), id.slice(cut + 1)];
}

/** An id as the checks print it: `namespace/key`. */
export function showId(id: string): string {
  const [namespace, key] = pairOf(id);
  return `${namespace}/${key}`;
}

/** An append-only list of committed writes that can be cut back to a position. */
export class Ledger {
  private readonly entries: LedgerEntry[] = [];

  /** Number of entries: the current position. */
  get position(): number {
    return this.entries.length;
  }

  /** Records a write the store acknowledged. */
  append(entry: LedgerEntry): void {
    this.entries.push(entry);
  }

  /** The entries after `position`, in order. */
  since(position: number): LedgerEntry[] {
    return this.entries.slice(position);
  }

  /**
   * Forgets every entry after `position` (a rollback undid them).
   * @throws RangeError if `position` is past the end: a checkpoint cannot be ahead of the ledger.
   */
  truncate(position: number): void {
    if (!Number.isInteger(position) || position < 0 || position > this.entries.length) {
      throw new RangeError(`ledger: cannot truncate to ${position}, it has ${this.position}`);
    }
    this.entries.length = position;
  }

  /** What the ledger says each key it wrote holds now: its last digest (`null`: deleted). */
  latest(): Map<string, string | null> {
    const latest = new Map<string, string | null>();
    for (const entry of this.entries) latest.set(idOf(entry.namespace, entry.key), entry.digest);
    return latest;
  }
}
