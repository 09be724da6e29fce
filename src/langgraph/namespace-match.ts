/**
 * `listNamespaces`: which paths match its conditions, and how it cuts, orders and pages them,
 * as LangGraph's `InMemoryStore` does (the reference the tests hold `SwarmStateStore` to).
 */
import type { ListNamespacesOperation, MatchCondition } from "@langchain/langgraph-checkpoint";

/** The paths an operation lists, from every non-empty path in the store. */
export function listPaths(paths: readonly string[][], op: ListNamespacesOperation): string[][] {
  let listed = paths.filter((path) =>
    (op.matchConditions ?? []).every((condition) => matchesCondition(condition, path)),
  );
  if (op.maxDepth !== undefined) {
    const depth = op.maxDepth;
    listed = [...new Set(listed.map((path) => path.slice(0, depth).join(":")))].map((joined) =>
      joined.split(":"),
    );
  }
  // LangGraph's order: the labels joined by ":" (which no label contains), compared by locale.
  listed.sort((a, b) => a.join(":").localeCompare(b.join(":")));
  const offset = op.offset ?? 0;
  return listed.slice(offset, offset + (op.limit ?? listed.length));
}

/** A prefix or suffix condition; `"*"` in it matches any one label. */
function matchesCondition({ matchType, path }: MatchCondition, labels: readonly string[]): boolean {
  if (matchType !== "prefix" && matchType !== "suffix") {
    throw new Error(`Unsupported match type: ${matchType}`);
  }
  if (path.length > labels.length) return false;
  const start = matchType === "prefix" ? 0 : labels.length - path.length;
  return path.every((label, i) => label === "*" || labels[start + i] === label);
}
