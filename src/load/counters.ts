/**
 * Operation counters shared by every agent thread and the main thread, in one
 * `SharedArrayBuffer`: agents add with `Atomics.add` as their calls complete, and the
 * main thread reads them for the live ops/s without a message to anyone. 32-bit counters
 * overflow after 2^31 operations, hours beyond any run this tool makes.
 */

/** What is counted. */
export const COUNTED = ["get", "set", "delete", "step"] as const;

/** One of `COUNTED`. */
export type Counted = (typeof COUNTED)[number];

/** A view of the shared counters; build one per thread over the same buffer. */
export class OpCounters {
  private readonly cells: Int32Array;

  /** Views `buffer`, or new zeroed counters when none is given. */
  constructor(readonly buffer = new SharedArrayBuffer(COUNTED.length * 4)) {
    this.cells = new Int32Array(buffer);
  }

  /** Counts `n` more of `what`. */
  add(what: Counted, n = 1): void {
    Atomics.add(this.cells, COUNTED.indexOf(what), n);
  }

  /** How many of `what` so far. */
  read(what: Counted): number {
    return Atomics.load(this.cells, COUNTED.indexOf(what));
  }

  /** Operations on the store so far (gets, sets and deletes). */
  operations(): number {
    return this.read("get") + this.read("set") + this.read("delete");
  }
}
