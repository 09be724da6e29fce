/**
 * A change journal: which `(namespace, key)` pairs were written during one stretch of a shard's
 * history. Diffs read journals instead of the store, so a diff costs what was written.
 *
 * Invariant: a key that may differ between the start and the end of the stretch is in the
 * journal (it may also hold keys whose value ended up unchanged: diff compares values). A
 * `clear()` is recorded as `cleared` rather than as every key, so clearing stays O(1); a diff
 * that crosses a cleared stretch compares the two states in full instead.
 */
export class Journal {
  /** Written keys, grouped by namespace so a diff can skip whole namespaces. */
  readonly written = new Map<string, Set<string>>();
  /** Whether `clear()` ran during this stretch. */
  cleared = false;
  /** Number of distinct `(namespace, key)` pairs in `written`. */
  size = 0;

  record(namespace: string, key: string): void {
    let keys = this.written.get(namespace);
    if (keys === undefined) {
      keys = new Set();
      this.written.set(namespace, keys);
    }
    const before = keys.size;
    keys.add(key);
    this.size += keys.size - before;
  }

  isEmpty(): boolean {
    return this.size === 0 && !this.cleared;
  }

  /**
   * The journal of two consecutive stretches, reusing the larger of the two so that compacting a
   * long history costs the smaller side each time. Both inputs must not be used afterwards.
   */
  static concat(first: Journal, second: Journal): Journal {
    const [large, small] = first.size >= second.size ? [first, second] : [second, first];
    for (const [namespace, keys] of small.written) {
      for (const key of keys) large.record(namespace, key);
    }
    large.cleared ||= small.cleared;
    return large;
  }
}
