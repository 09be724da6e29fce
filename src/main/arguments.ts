/**
 * Checks of call arguments at the public boundary. Every message names the method and the
 * argument (and, for values, the path inside it), and a refused call has changed nothing.
 */
import { describe } from "../core/describe.js";
import { encodeValue, isWellFormed } from "../core/value.js";

export function checkName(method: string, argument: string, name: unknown): asserts name is string {
  if (typeof name !== "string") {
    throw new TypeError(`${method}: ${argument} must be a string, got ${describe(name)}`);
  }
  if (!isWellFormed(name)) {
    // Namespaces and keys travel as msgpack (UTF-8) in diffs and listings: see isWellFormed.
    throw new TypeError(`${method}: ${argument} has a lone surrogate (not valid Unicode)`);
  }
}

/**
 * Checks a value against the value rules and encodes it, in one walk (see value.ts), in the
 * caller's thread: what is checked is what is stored, and a bad value fails the call there.
 */
export function encodeStoredValue(method: string, path: string, value: unknown): Uint8Array {
  return encodeValue(value, `${method}: ${path}`);
}

/** An item of `setMany`, its value encoded. */
export type EncodedItem = [namespace: string, key: string, encoded: Uint8Array];

/** Checks and encodes every item before any is applied, so one bad item refuses the whole call. */
export function encodeItems(items: unknown): EncodedItem[] {
  const list = checkList("setMany", "items", items);
  return list.map((item, i): EncodedItem => {
    if (!Array.isArray(item) || item.length !== 3) {
      throw new TypeError(`setMany: items[${i}] must be a [namespace, key, value] triple`);
    }
    const [namespace, key, value] = item as unknown[];
    checkName("setMany", `items[${i}][0] (namespace)`, namespace);
    checkName("setMany", `items[${i}][1] (key)`, key);
    return [namespace, key, encodeStoredValue("setMany", `items[${i}][2]`, value)];
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
    throw new TypeError(`${method}: ${argument} must be an array, got ${describe(list)}`);
  }
  return list;
}
