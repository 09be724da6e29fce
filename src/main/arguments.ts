/**
 * Checks of call arguments at the public boundary. Every message names the method and the
 * argument (and, for values, the path inside it), and a refused call has changed nothing.
 */
import { typeName } from "../core/type-name.js";
import { checkValue, isWellFormed, type Value } from "../core/value.js";

/** Checks a namespace: a string (the empty string included) that is well-formed Unicode. */
export function checkNamespace(
  method: string,
  namespace: unknown,
  argument = "namespace",
): asserts namespace is string {
  checkWellFormedString(method, argument, namespace);
}

/** Checks a key: the same rule as a namespace. */
export function checkKey(method: string, key: unknown, argument = "key"): asserts key is string {
  checkWellFormedString(method, argument, key);
}

function checkWellFormedString(
  method: string,
  argument: string,
  text: unknown,
): asserts text is string {
  if (typeof text !== "string") {
    throw new TypeError(`${method}: ${argument} must be a string, got ${typeName(text)}`);
  }
  if (!isWellFormed(text)) {
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
    checkNamespace("setMany", item[0], `items[${i}][0] (namespace)`);
    checkKey("setMany", item[1], `items[${i}][1] (key)`);
    checkStoredValue("setMany", `items[${i}][2]`, item[2]);
  });
}

export function checkPairs(pairs: unknown): asserts pairs is [string, string][] {
  const list = checkList("getMany", "pairs", pairs);
  list.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new TypeError(`getMany: pairs[${i}] must be a [namespace, key] pair`);
    }
    checkNamespace("getMany", pair[0], `pairs[${i}][0] (namespace)`);
    checkKey("getMany", pair[1], `pairs[${i}][1] (key)`);
  });
}

function checkList(method: string, argument: string, list: unknown): unknown[] {
  if (!Array.isArray(list)) {
    throw new TypeError(`${method}: ${argument} must be an array, got ${typeName(list)}`);
  }
  return list;
}
