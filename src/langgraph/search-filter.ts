/**
 * The `filter` of a `search`, with the meaning LangGraph's `InMemoryStore` gives it: each entry
 * compares one top-level field of the item's value, either to a value (`===`) or with operators
 * (`$eq $ne $gt $gte $lt $lte $in $nin`; the ordering ones compare as numbers). An object whose
 * keys are not all operators is compared with `===`, so it never matches a stored value.
 */
const OPERATORS = new Set(["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin"]);

export function matchesFilter(
  value: unknown,
  filter: Record<string, unknown> | undefined,
): boolean {
  if (filter === undefined) return true;
  const fields = value as Record<string, unknown>;
  return Object.entries(filter).every(([field, condition]) => compare(fields[field], condition));
}

function compare(actual: unknown, condition: unknown): boolean {
  if (!isOperators(condition)) return actual === condition;
  return Object.entries(condition).every(([op, operand]) => {
    switch (op) {
      case "$eq":
        return actual === operand;
      case "$ne":
        return actual !== operand;
      case "$gt":
        return Number(actual) > Number(operand);
      case "$gte":
        return Number(actual) >= Number(operand);
      case "$lt":
        return Number(actual) < Number(operand);
      case "$lte":
        return Number(actual) <= Number(operand);
      case "$in":
        return Array.isArray(operand) && operand.includes(actual);
      default: // "$nin"
        return !Array.isArray(operand) || !operand.includes(actual);
    }
  });
}

function isOperators(condition: unknown): condition is Record<string, unknown> {
  return (
    typeof condition === "object" &&
    condition !== null &&
    Object.keys(condition).every((key) => OPERATORS.has(key))
  );
}
