/**
 * The value codec: standard msgpack, with no record or structure extensions, so any msgpack
 * library in any language can read stored state. Values are encoded by the value rules' own
 * walk (value.ts), which checks as it writes, and decoded by msgpackr. Bytes from outside
 * (`loads`) are first read strictly and copied into that same encoding (msgpack-reader.ts), as
 * a changeset's values are: what msgpackr then decodes is bytes we could have written.
 */
import { Packr } from "msgpackr";
import { SwarmStateError } from "../errors.js";
import { MsgpackReadError, MsgpackReader } from "./msgpack-reader.js";
import { MsgpackWriter } from "./msgpack-writer.js";
import { typeName } from "./type-name.js";
import { encodeValue, type Value } from "./value.js";

// `skipValues` is missing from msgpackr's typings, hence the separate object (no excess check).
const options = {
  useRecords: false,
  moreTypes: false,
  mapsAsObjects: true,
  skipValues: [undefined],
  // Decode int64/uint64 as bigint, then turn safe ones into numbers below: msgpackr's "auto"
  // also turns ±2^53 into numbers, which are not safe integers.
  int64AsType: "bigint" as const,
  copyBuffers: true,
};
const packr = new Packr(options);

const UINT64_MARK = 0xcf;
const INT64_MARK = 0xd3;

/**
 * Decodes stored bytes into a fresh value. Trusts them to nest no deeper than
 * the value rules allow, as everything `encodeValue` writes does: decoding recurses.
 */
export function decodeValue(bytes: Uint8Array): Value {
  // msgpackr returns binary as the input's own class: read from a plain view so that bytes come
  // back as a plain Uint8Array wherever the encoded value came from (a Buffer or not).
  const plain = Buffer.isBuffer(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : bytes;
  const value = packr.unpack(plain) as Value;
  // Only bytes holding a 64-bit integer marker can decode to a bigint; the scan is native and
  // far cheaper than walking every decoded value.
  if (bytes.indexOf(UINT64_MARK) === -1 && bytes.indexOf(INT64_MARK) === -1) return value;
  return narrowSafeBigInts(value);
}

function narrowSafeBigInts(value: Value): Value {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (value === null || typeof value !== "object" || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = narrowSafeBigInts(value[i] as Value);
  } else {
    for (const key of Object.keys(value)) value[key] = narrowSafeBigInts(value[key] as Value);
  }
  return value;
}

/**
 * Encodes `value` as standard msgpack, exactly as the store does.
 *
 * @throws TypeError naming the path into the value when it breaks the value rules.
 * @throws RangeError for a bigint that does not fit in 64 bits, or arrays and objects nested
 *   more than 512 deep.
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumps, loads } from "swarmstate";
 *
 * const bytes = dumps({ step: 3 }); // a map of 1: "step" (a string of 4), 3
 * assert.deepEqual(bytes, new Uint8Array([0x81, 0xa4, 0x73, 0x74, 0x65, 0x70, 0x03]));
 * assert.deepEqual(loads(bytes), { step: 3 });
 * ```
 */
export function dumps(value: Value): Uint8Array {
  return new Uint8Array(encodeValue(value, "value"));
}

/**
 * Decodes msgpack bytes, as the store reads values back: safe integers as `number`, larger
 * ones as `bigint`, binary as `Uint8Array`. Foreign bytes are read as strictly as a
 * changeset's values: exactly one value, and nothing a decoder would silently change.
 *
 * @throws TypeError if `bytes` is not a `Uint8Array`; SwarmStateError, naming the path in the
 *   value, if it is not one msgpack value (truncated, or more bytes after it), holds what is
 *   not a value (an extension type, the unused byte 0xc1), nests arrays and maps more than 512
 *   deep, or holds a map whose keys are not distinct strings (or include `__proto__`), or a
 *   string that is not valid UTF-8.
 */
export function loads(bytes: Uint8Array): Value {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`bytes: expected a Uint8Array, got ${typeName(bytes)}`);
  }
  const reader = new MsgpackReader(bytes, "bytes");
  copy ??= new MsgpackWriter();
  try {
    copy.begin();
    reader.value(copy);
    if (!reader.atEnd) reader.fail("more bytes follow the value");
  } catch (error) {
    if (!(error instanceof MsgpackReadError)) throw error;
    throw new SwarmStateError(error.message, { cause: error });
  }
  return decodeValue(copy.finish());
}

/**
 * Where `loads` copies into (decoding copies out of it, so it is reused); made at the first
 * `loads`, not when a thread imports the codec.
 */
let copy: MsgpackWriter | null = null;
