/**
 * How what a store holds differs from what the ledger says it should, by key: which keys
 * differ, and one line per key that says what each side holds, naming the writes by their tags.
 */
import { pairOf } from "../load/ledger.js";
import type { Contents } from "./model.js";

/** Names the write a tag stands for, for a reader: `"unit 12's item 3 (a batch, acknowledged)"`. */
export type Describe = (tag: string) => string;

/** The keys whose tag in `actual` is not the one in `expected` (missing on either side included). */
export function differingIds(expected: Contents, actual: ReadonlyMap<string, string>): Set<string> {
  const ids = new Set<string>();
  for (const [id, tag] of actual) if (expected.get(id) !== tag) ids.add(id);
  for (const [id] of expected) if (!actual.has(id)) ids.add(id);
  return ids;
}

/**
 * How `actual` differs from `expected`, one line per key, sorted: what the ledger says the key
 * holds, and what the store holds.
 */
export function contentDifferences(
  expected: Contents,
  actual: ReadonlyMap<string, string>,
  describe: Describe,
): string[] {
  return [...differingIds(expected, actual)].sort().map((id) => {
    const [namespace, key] = pairOf(id);
    const want = expected.get(id);
    const got = actual.get(id);
    const says = want === undefined ? "nothing" : describe(want);
    const holds = got === undefined ? "nothing" : describe(got);
    return `${namespace}/${key}: the ledger says ${says}, the store holds ${holds}`;
  });
}
