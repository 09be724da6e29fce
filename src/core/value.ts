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

/**
 * Whether `text` is valid Unicode (no lone surrogate). msgpack strings are UTF-8, which cannot
 * carry a lone surrogate: it would be stored as U+FFFD, a different string, so such strings are
 * refused instead. (`isWellFormed` is in Node 20; TypeScript's ES2023 lib does not declare it.)
 */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const LONE_SURROGATE = "has a lone surrogate (not valid Unicode), which msgpack cannot store";

/** Throws `TypeError` (or `RangeError` for a bigint) naming where `value` breaks the value rules. */
export function checkValue(value: unknown, path: string): void {
  if (value === undefined) throw new TypeError(`${path}: undefined is not supported`);
  new ValueChecker(path).check(value);
}

/**
 * Walks a value depth-first. The path to the current position is kept as a stack of array
 * indices and property names, joined into a string only when something is refused: building
 * it for every property would cost more than the check itself.
 */
class ValueChecker {
  private readonly steps: (number | string)[] = [];
  private readonly ancestors = new Set<object>();

  constructor(private readonly root: string) {}

  check(value: unknown): void {
    switch (typeof value) {
      case "string":
        if (!isWellFormed(value)) throw this.refusal(LONE_SURROGATE);
        return;
      case "number":
      case "boolean":
        return;
      case "bigint":
        if (value < INT64_MIN || value > UINT64_MAX) {
          throw new RangeError(`${this.path()}: bigint ${value} does not fit in 64 bits`);
        }
        return;
      case "undefined":
        throw this.refusal("undefined is not supported inside an array");
      case "function":
        throw this.refusal("functions cannot be stored");
      case "symbol":
        throw this.refusal("symbols cannot be stored");
    }
    if (value === null || value instanceof Uint8Array) return;
    const object = value as object;
    if (this.ancestors.has(object)) throw this.refusal("cyclic structures are not supported");
    this.ancestors.add(object);
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) this.checkChild(i, object[i]);
    } else {
      const proto = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) {
        const kind = typeof proto?.constructor === "function" ? proto.constructor.name : "";
        throw this.refusal(`${kind || "class instance"} is not supported`);
      }
      const record = object as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        const child = record[key];
        if (child === undefined) continue; // left out, as JSON.stringify does
        if (key === "__proto__" || !isWellFormed(key)) {
          // A lone surrogate cannot be encoded (see isWellFormed), and decoders (msgpackr
          // included) cannot create an own "__proto__" property safely.
          this.steps.push(key);
          throw this.refusal(
            key === "__proto__" ? 'the key "__proto__" is not supported' : `key ${LONE_SURROGATE}`,
          );
        }
        this.checkChild(key, child);
      }
    }
    this.ancestors.delete(object);
  }

  private checkChild(step: number | string, child: unknown): void {
    this.steps.push(step);
    this.check(child);
    this.steps.pop();
  }

  private path(): string {
    let path = this.root;
    for (const step of this.steps) {
      if (typeof step === "number") path += `[${step}]`;
      else path += IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
    }
    return path;
  }

  private refusal(problem: string): TypeError {
    return new TypeError(`${this.path()}: ${problem}`);
  }
}
