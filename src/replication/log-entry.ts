/**
 * A log entry's bytes: msgpack of `[VERSION, steps]`, each step an array led by its op:
 *
 *   ["set", namespace, key, value bytes]    ["delete", namespace, key]    ["clear"]
 *   ["snapshot", timestamp]    ["restore", id]    ["apply", changeset bytes]    ["release", id]
 *
 * Arrays rather than maps: an entry of a thousand sets is a thousand small arrays. Reading
 * checks every field, so that an entry a replica cannot apply exactly is refused whole
 * (`EntryShapeError`, which the follower reports as damage at the entry's position) before any
 * of it is applied.
 */
import { Packr } from "msgpackr";
import type { LogStep } from "../core/protocol/log-step.js";

/** Version 1: the steps above. */
const VERSION = 1;

const packr = new Packr({ useRecords: false, moreTypes: false, mapsAsObjects: true });

/** An entry that is not what this release writes; `message` says where. */
export class EntryShapeError extends Error {
  override readonly name = "EntryShapeError";
}

export function encodeEntry(steps: readonly LogStep[]): Uint8Array {
  return packr.pack([VERSION, steps.map(stepToArray)]);
}

function stepToArray(step: LogStep): unknown[] {
  switch (step.op) {
    case "set":
      return ["set", step.namespace, step.key, step.value];
    case "delete":
      return ["delete", step.namespace, step.key];
    case "clear":
      return ["clear"];
    case "snapshot":
      return ["snapshot", step.timestamp];
    case "restore":
      return ["restore", step.id];
    case "apply":
      return ["apply", step.changeset];
    case "release":
      return ["release", step.id];
  }
}

export function decodeEntry(bytes: Uint8Array): LogStep[] {
  let decoded: unknown;
  try {
    decoded = packr.unpack(bytes);
  } catch (error) {
    throw new EntryShapeError(`not msgpack (${(error as Error).message})`);
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) {
    throw new EntryShapeError("expected [version, steps]");
  }
  const [version, steps] = decoded as [unknown, unknown];
  if (version !== VERSION) {
    throw new EntryShapeError(`version ${String(version)}; this release reads version ${VERSION}`);
  }
  if (!Array.isArray(steps)) throw new EntryShapeError("its steps are not an array");
  return steps.map((step: unknown, index) => stepFromArray(step, `steps[${index}]`));
}

function stepFromArray(step: unknown, where: string): LogStep {
  if (!Array.isArray(step)) throw new EntryShapeError(`${where}: not an array`);
  const field = (index: number) => new Field(step[index], `${where}[${index}]`);
  const arity = (length: number) => {
    if (step.length !== length) {
      throw new EntryShapeError(
        `${where}: ${step[0]} takes ${length - 1} fields, found ${step.length - 1}`,
      );
    }
  };
  switch (step[0]) {
    case "set":
      arity(4);
      return {
        op: "set",
        namespace: field(1).string(),
        key: field(2).string(),
        value: field(3).bytes(),
      };
    case "delete":
      arity(3);
      return { op: "delete", namespace: field(1).string(), key: field(2).string() };
    case "clear":
      arity(1);
      return { op: "clear" };
    case "snapshot":
      arity(2);
      return { op: "snapshot", timestamp: field(1).number() };
    case "restore":
      arity(2);
      return { op: "restore", id: field(1).id() };
    case "apply":
      arity(2);
      return { op: "apply", changeset: field(1).bytes() };
    case "release":
      arity(2);
      return { op: "release", id: field(1).id() };
    default:
      throw new EntryShapeError(
        `${where}[0]: unknown op ${JSON.stringify(step[0]) ?? String(step[0])}`,
      );
  }
}

/** One field of a step, read as the type it must have. */
class Field {
  constructor(
    private readonly value: unknown,
    private readonly where: string,
  ) {}

  string(): string {
    if (typeof this.value !== "string") this.fail("a string");
    return this.value as string;
  }

  bytes(): Uint8Array {
    if (!(this.value instanceof Uint8Array)) this.fail("bytes");
    return this.value as Uint8Array;
  }

  number(): number {
    if (typeof this.value !== "number" || !Number.isFinite(this.value)) this.fail("a number");
    return this.value as number;
  }

  /** A snapshot id: an integer from 1. */
  id(): number {
    if (!Number.isSafeInteger(this.value) || (this.value as number) < 1) this.fail("a snapshot id");
    return this.value as number;
  }

  private fail(expected: string): never {
    throw new EntryShapeError(`${this.where}: expected ${expected}`);
  }
}
