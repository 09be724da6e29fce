/**
 * Checks of call arguments at the public boundary. Every message names the method and the
 * argument (and, for values, the path inside it), and a refused call has changed nothing.
 */
import { typeName } from "../core/codec/type-name.js";
import { encodeValue, isWellFormed } from "../core/codec/value.js";

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

/**
 * Checks an options object at a constructor: an object (not null, not an array) with no field
 * outside `known`. `where` names it in messages ("options", "options.replication"), and `noun`
 * what its fields are called there ("option", "field").
 */
export function checkOptionFields(
  where: string,
  options: unknown,
  known: readonly string[],
  noun: string,
): asserts options is object {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${where}: expected an object, got ${typeName(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new TypeError(`${where}.${name}: unknown ${noun} (known: ${known.join(", ")})`);
    }
  }
}

/**
 * Checks a value against the value rules and encodes it, in one walk (see core/codec/value.ts), in
 * the caller's thread: what is checked is what is stored, and a bad value fails the call there.
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
    checkNamespace("setMany", namespace, `items[${i}][0] (namespace)`);
    checkKey("setMany", key, `items[${i}][1] (key)`);
    return [namespace, key, encodeStoredValue("setMany", `items[${i}][2]`, value)];
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
