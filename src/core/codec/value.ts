/**
 * The value rules, enforced while a value is encoded: one walk reads each property of the
 * value exactly once, checks what it read and writes its msgpack bytes at once.
 *
 * Invariant: what was checked is exactly what is stored. A getter or a Proxy that answers
 * differently on a second read cannot slip a refused value past the check, because there is
 * no second read. An error thrown while reading (a getter, a Proxy trap) propagates unchanged:
 * it is the caller's own error, and nothing was stored.
 *
 * msgpackr alone would happily encode a `Date` (as an extension), a `Map`, or a class instance
 * (as a plain map), and loop forever on a cycle; none of that reads back as what was stored,
 * so such values are refused at the call, naming the path into the value.
 */
import { MsgpackWriter } from "./msgpack-writer.js";
import { formatPath, type Step } from "./value-path.js";

/** What a value may be: what msgpack can carry portably, nested up to {@link MAX_DEPTH} deep. */
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
 * How deep arrays and objects may nest: a value with 512 nested arrays (`[[…[1]…]]`) is
 * stored, one with 513 is refused with a `RangeError`. Decoding (msgpackr) recurses once per
 * level, and every thread that may read a value must be able to: 512 levels take well under a
 * fifth of the smallest stack a Node thread gets by default (the main thread's), whatever the
 * caller's own stack already holds. Real agent state nests a few levels.
 */
export const MAX_DEPTH = 512;

/**
 * Whether `text` is valid Unicode (no lone surrogate). msgpack strings are UTF-8, which cannot
 * carry a lone surrogate: it would be stored as U+FFFD, a different string, so such strings are
 * refused instead. (`isWellFormed` is in Node 20; TypeScript's ES2023 lib does not declare it.)
 */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/**
 * Checks `value` against the value rules and encodes it as msgpack, in one walk.
 *
 * The bytes are a view that is never written over (see msgpack-writer.ts): they stay valid,
 * but must be copied before they are transferred to another thread.
 *
 * @param root how messages name the value, e.g. `"set: value"`.
 * @throws TypeError naming the path into the value where it breaks the rules; RangeError for a
 *   bigint beyond 64 bits or nesting beyond {@link MAX_DEPTH}; whatever a getter threw.
 */
export function encodeValue(value: unknown, root: string): Buffer {
  return withEncoder((encoder) => encoder.encode(value, root));
}

/** The encoder not in use, or `null` while one is (a getter may itself encode a value). */
let spare: ValueEncoder | null = null;

function withEncoder<T>(use: (encoder: ValueEncoder) => T): T {
  const encoder = spare ?? new ValueEncoder();
  spare = null;
  try {
    return use(encoder);
  } finally {
    spare = encoder;
  }
}

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
const LONE_SURROGATE = "has a lone surrogate (not valid Unicode), which msgpack cannot store";
const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * Walks a value depth-first, writing as it goes, with the path to the current position as a
 * stack of steps (see value-path.ts).
 */
class ValueEncoder {
  private readonly writer = new MsgpackWriter();
  private readonly steps: Step[] = [];
  /**
   * The arrays and objects enclosing the current position, outermost first: their count is the
   * depth. A linear search for cycles beats a Set here (no hashing, nothing to allocate) and
   * costs at most MAX_DEPTH comparisons a container.
   */
  private readonly ancestors: object[] = [];
  private root = "";

  encode(value: unknown, root: string): Buffer {
    this.root = root;
    // Left over only by a refused value.
    if (this.steps.length > 0) this.steps.length = 0;
    if (this.ancestors.length > 0) this.ancestors.length = 0;
    this.writer.begin();
    if (value === undefined) throw new TypeError(`${root}: undefined is not supported`);
    this.write(value);
    return this.writer.finish();
  }

  private write(value: unknown): void {
    switch (typeof value) {
      case "string":
        if (!isWellFormed(value)) throw this.refusal(LONE_SURROGATE);
        this.writer.string(value);
        return;
      case "number":
        this.writer.number(value);
        return;
      case "boolean":
        this.writer.boolean(value);
        return;
      case "bigint":
        if (value < INT64_MIN || value > UINT64_MAX) {
          throw new RangeError(`${this.path()}: bigint ${value} does not fit in 64 bits`);
        }
        this.writer.bigint(value);
        return;
      case "undefined":
        throw this.refusal("undefined is not supported inside an array");
      case "function":
        throw this.refusal("functions cannot be stored");
      case "symbol":
        throw this.refusal("symbols cannot be stored");
    }
    if (value === null) {
      this.writer.nil();
      return;
    }
    if (value instanceof Uint8Array) {
      this.writer.bytes(value);
      return;
    }
    const object = value as object;
    const isArray = Array.isArray(object);
    if (!isArray) {
      // Before the depth: a Date is refused as a Date wherever it is, not as one level too many.
      const proto = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) throw this.refusal(prototypeProblem(proto));
    }
    if (this.ancestors.includes(object)) throw this.refusal("cyclic structures are not supported");
    if (this.ancestors.length === MAX_DEPTH) {
      throw new RangeError(
        `${this.path()}: arrays and objects nested more than ${MAX_DEPTH} deep are not supported`,
      );
    }
    this.ancestors.push(object);
    if (isArray) this.writeArray(object as unknown[]);
    else this.writeRecord(object);
    this.ancestors.pop();
  }

  private writeArray(array: unknown[]): void {
    const length = array.length;
    // msgpack arrays hold elements only: a named property would be dropped. (A hole is refused
    // as `undefined` below, so a count above the length can only be named properties.)
    if (Object.keys(array).length > length) this.refuseNamedProperty(array);
    this.refuseSymbolKeys(array);
    this.writer.arrayHeader(length);
    for (let i = 0; i < length; i++) {
      this.steps.push(i);
      this.write(array[i]);
      this.steps.pop();
    }
  }

  /** Refuses an enumerable symbol-keyed property of `object`. */
  private refuseSymbolKeys(object: object): void {
    for (const symbol of Object.getOwnPropertySymbols(object)) {
      // Would be dropped by msgpack, which has no symbols: refused like a symbol value.
      if (isEnumerable.call(object, symbol)) {
        this.steps.push(symbol);
        throw this.refusal("symbol keys cannot be stored");
      }
    }
  }

  /** Refuses `array`'s first enumerable own property that is not an element. */
  private refuseNamedProperty(array: unknown[]): never {
    const named = Object.keys(array).find((key) => !isArrayIndex(key, array.length));
    this.steps.push(named as string);
    throw this.refusal("arrays with named properties are not supported");
  }

  private writeRecord(object: object): void {
    const record = object as Record<string | symbol, unknown>;
    const keys = Object.keys(record);
    this.refuseSymbolKeys(record);
    const header = this.writer.mapHeader(keys.length);
    let count = 0;
    for (const key of keys) {
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
      this.writer.string(key);
      this.steps.push(key);
      this.write(child);
      this.steps.pop();
      count++;
    }
    if (count !== keys.length) this.writer.fixMapHeader(header, keys.length, count);
  }

  private path(): string {
    return formatPath(this.root, this.steps);
  }

  private refusal(problem: string): TypeError {
    return new TypeError(`${this.path()}: ${problem}`);
  }
}

/** Whether `key` names an element of an array of `length` (a canonical index below it). */
function isArrayIndex(key: string, length: number): boolean {
  const index = Number(key);
  return Number.isInteger(index) && index >= 0 && index < length && String(index) === key;
}

/** Why an object with prototype `proto` (not Object.prototype, not null) is refused. */
function prototypeProblem(proto: object): string {
  const maker = (proto as { constructor?: unknown }).constructor;
  const isClass = typeof maker === "function" && maker.prototype === proto;
  // "Object" here is another realm's Object (a vm context): its plain objects are not ours.
  if (isClass && maker.name !== "" && maker.name !== "Object")
    return `${maker.name} is not supported`;
  return "objects whose prototype is neither Object.prototype nor null are not supported";
}
