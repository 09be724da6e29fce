/**
 * The value rules: what a stored value may contain, checked before anything is encoded.
 *
 * msgpackr alone would happily encode a `Date` (as an extension), a `Map`, or a class instance
 * (as a plain map), and loop forever on a cycle; none of that reads back as what was stored,
 * so such values are refused at the call, naming the path into the value.
 */

/** What a value may be: what msgpack can carry portably, nested arbitrarily. */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Value[]
  | { [key: string]: Value };

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Throws `TypeError` (or `RangeError` for a bigint) naming where `value` breaks the value rules. */
export function checkValue(value: unknown, path: string): void {
  if (value === undefined) throw new TypeError(`${path}: undefined is not supported`);
  checkNested(value, path, new Set());
}

function checkNested(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
      return;
    case "bigint":
      if (value < INT64_MIN || value > UINT64_MAX) {
        throw new RangeError(`${path}: bigint ${value} does not fit in 64 bits`);
      }
      return;
    case "undefined":
      throw new TypeError(`${path}: undefined is not supported inside an array`);
    case "function":
      throw new TypeError(`${path}: functions cannot be stored`);
    case "symbol":
      throw new TypeError(`${path}: symbols cannot be stored`);
  }
  if (value === null || value instanceof Uint8Array) return;
  const object = value as object;
  if (ancestors.has(object)) throw new TypeError(`${path}: cyclic structures are not supported`);
  ancestors.add(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) checkNested(object[i], `${path}[${i}]`, ancestors);
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      const kind = typeof proto?.constructor === "function" ? proto.constructor.name : "object";
      throw new TypeError(`${path}: ${kind || "class instance"} is not supported`);
    }
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = record[key];
      if (child === undefined) continue; // left out, as JSON.stringify does
      const childPath = IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      // Decoders (msgpackr included) cannot create an own "__proto__" property safely.
      if (key === "__proto__")
        throw new TypeError(`${childPath}: the key "__proto__" is not supported`);
      checkNested(child, childPath, ancestors);
    }
  }
  ancestors.delete(object);
}
