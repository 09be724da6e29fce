/**
 * Checks of call arguments at the public boundary. Every message names the method and the
 * argument (and, for values, the path inside it), and a refused call has changed nothing.
 */
import { typeName } from "../core/type-name.js";
import { checkValue, isWellFormed, type Value } from "../core/value.js";

export function checkName(method: string, argument: string, name: unknown): asserts name is string {
  if (typeof name !== "string") {
    throw new TypeError(`${method}: ${argument} must be a string, got ${typeName(name)}`);
  }
  if (!isWellFormed(name)) {
    // Namespaces and keys travel as msgpack (UTF-8) in diffs and listings: see isWellFormed.
    throw new TypeError(`${method}: ${argument} has a lone surrogate (not valid Unicode)`);
  }
}

export function checkStoredValue(
  method: string,
  path: string,
  value: unknown,
): asserts value is Value {
  try {
    checkValue(value, path);
  } catch (error) {
    (error as Error).message = `${method}: ${(error as Error).message}`;
    throw error;
  }
}

/** Validates every item before any is applied, so one bad item refuses the whole call. */
export function checkItems(items: unknown): asserts items is [string, string, Value][] {
  const list = checkList("setMany", "items", items);
  list.forEach((item, i) => {
    if (!Array.isArray(item) || item.length !== 3) {
      throw new TypeError(`setMany: items[${i}] must be a [namespace, key, value] triple`);
    }
    checkName("setMany", `items[${i}][0] (namespace)`, item[0]);
    checkName("setMany", `items[${i}][1] (key)`, item[1]);
    checkStoredValue("setMany", `items[${i}][2]`, item[2]);
  });
}

export function checkPairs(pairs: unknown): asserts pairs is [string, string][] {
  const list = checkList("getMany", "pairs", pairs);
  list.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`getMany: pairs[${i}] must be a [namespace, key] pair`);
    }
    checkName("getMany", `pairs[${i}][0] (namespace)`, pair[0]);
    checkName("getMany", `pairs[${i}][1] (key)`, pair[1]);
  });
}

function checkList(method: string, argument: string, list: unknown): unknown[] {
  if (!Array.isArray(list)) {
    throw new TypeError(`${method}: ${argument} must be an array, got ${typeName(list)}`);
  }
  return list;
}
