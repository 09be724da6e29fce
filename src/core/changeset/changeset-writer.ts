/**
 * Writes a changeset (format: changeset-format.ts) from the shards' parts of a diff with values, a
 * slice at a time: each shard's sorted list is made of whole namespaces, so the changeset's
 * sorted lists are those runs in namespace order, and values are spliced in as stored.
 */

import { MsgpackWriter } from "../codec/msgpack-writer.js";
import type { PackedChanges, PackedPairs } from "../protocol/batch-format.js";
import { CHANGESET_FORMAT, CHANGESET_VERSION, type ChangesetHeader } from "./changeset-format.js";

/** One namespace's pairs in one shard's list: shards' lists are runs of whole namespaces. */
interface Run {
  namespace: string;
  part: number;
  /** Index of its first pair in the part's list. */
  first: number;
  count: number;
  /** Where its first key starts in the list's joined keys. */
  keyOffset: number;
  /** Where its first value starts in the part's joined values (puts only). */
  valueOffset: number;
}

/**
 * Writes a changeset from the shards' parts (each a `PackedChanges`, namespaces disjoint between
 * them), a slice at a time so that the caller can yield between slices.
 */
export class ChangesetWriter {
  private readonly writer = new MsgpackWriter();
  private readonly removed: Run[];
  private readonly put: Run[];
  /** Each part's joined values as bytes, made when first needed. */
  private readonly values: (Buffer | undefined)[];
  private list: "removed" | "put" | "done" = "removed";
  private run = 0;
  /** Pairs of the current run written so far. */
  private written = 0;
  private keyOffset = 0;
  private valueOffset = 0;

  constructor(
    header: ChangesetHeader,
    private readonly parts: readonly PackedChanges[],
  ) {
    this.removed = runsOf(parts.map((part) => part.removed));
    this.put = runsOf(
      parts.map((part) => part.put),
      parts.map((part) => part.valueLengths),
    );
    this.values = parts.map(() => undefined);
    const w = this.writer;
    w.mapHeader(7);
    w.string("format");
    w.string(CHANGESET_FORMAT);
    w.string("version");
    w.number(CHANGESET_VERSION);
    w.string("store");
    w.string(header.store);
    w.string("base");
    w.number(header.base);
    w.string("target");
    w.number(header.target);
    w.string("removed");
    w.arrayHeader(countOf(this.removed));
    this.startRun();
  }

  /** Writes up to `max` more pairs; returns whether the changeset is complete. */
  write(max: number): boolean {
    let budget = max;
    while (budget > 0 && this.list !== "done") {
      const run = (this.list === "removed" ? this.removed : this.put)[this.run];
      if (run === undefined) {
        this.nextList();
        continue;
      }
      const n = Math.min(budget, run.count - this.written);
      this.writePairs(run, n);
      budget -= n;
      if (this.written === run.count) {
        this.run++;
        this.startRun();
      }
    }
    return this.list === "done";
  }

  /** The changeset's bytes, once {@link write} said it is complete. */
  finish(): Uint8Array {
    if (this.list !== "done") throw new Error("the changeset is not complete yet");
    // A copy of its own size: the writer's chunk is larger.
    return new Uint8Array(this.writer.finish());
  }

  private writePairs(run: Run, n: number): void {
    const w = this.writer;
    const part = this.parts[run.part] as PackedChanges;
    const isPut = this.list === "put";
    const { keys, lengths } = isPut ? part.put : part.removed;
    const values = isPut ? this.valuesOf(run.part) : null;
    for (let i = run.first + this.written, end = i + n; i < end; i++) {
      const keyEnd = this.keyOffset + (lengths[i] as number);
      w.arrayHeader(isPut ? 3 : 2);
      w.string(run.namespace);
      w.string(keys.slice(this.keyOffset, keyEnd));
      this.keyOffset = keyEnd;
      if (values !== null) {
        const valueEnd = this.valueOffset + (part.valueLengths[i] as number);
        w.raw(values, this.valueOffset, valueEnd);
        this.valueOffset = valueEnd;
      }
    }
    this.written += n;
  }

  private nextList(): void {
    if (this.list === "put") {
      this.list = "done";
      return;
    }
    this.list = "put";
    this.run = 0;
    this.writer.string("put");
    this.writer.arrayHeader(countOf(this.put));
    this.startRun();
  }

  private startRun(): void {
    const run = (this.list === "removed" ? this.removed : this.put)[this.run];
    this.written = 0;
    this.keyOffset = run?.keyOffset ?? 0;
    this.valueOffset = run?.valueOffset ?? 0;
  }

  private valuesOf(part: number): Buffer {
    let values = this.values[part];
    if (values === undefined) {
      values = Buffer.from((this.parts[part] as PackedChanges).values, "latin1");
      this.values[part] = values;
    }
    return values;
  }
}

/** The runs of every part's list, in namespace order; `valueLengths` for lists of puts. */
function runsOf(lists: PackedPairs[], valueLengths?: Uint32Array[]): Run[] {
  const runs: Run[] = [];
  lists.forEach(({ namespaces, counts, lengths }, part) => {
    const values = valueLengths?.[part];
    let first = 0;
    let keyOffset = 0;
    let valueOffset = 0;
    namespaces.forEach((namespace, n) => {
      const count = counts[n] as number;
      runs.push({ namespace, part, first, count, keyOffset, valueOffset });
      for (let i = first; i < first + count; i++) {
        keyOffset += lengths[i] as number;
        valueOffset += values?.[i] ?? 0;
      }
      first += count;
    });
  });
  // A namespace lives on one shard: no two runs share one.
  return runs.sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
}

function countOf(runs: Run[]): number {
  return runs.reduce((sum, run) => sum + run.count, 0);
}
