/**
 * The one place where a stored `Value` becomes one of the LangGraph classes' records (their
 * shapes are declared with their layouts: saver-layout.ts, store-layout.ts). Each reader checks
 * the shape, and a checkpoint record its layout version, before anything is taken from it: a
 * value of another shape or version (written by a later release, or by hand) is refused with a
 * `SwarmStateError` naming where it was read, never misread. Writing needs no conversion: every
 * record is a plain value.
 */
import { SwarmStateError, type Value } from "../index.js";
import {
  type Blob,
  CHECKPOINT_RECORD_VERSION,
  type CheckpointRecord,
  type Head,
  type Serialized,
  type StoredWrite,
} from "./saver-layout.js";
import type { StoredItem } from "./store-layout.js";

/** A checkpoint record (`undefined`: none stored). */
export function readCheckpointRecord(
  value: Value | undefined,
  where: string,
): CheckpointRecord | undefined {
  if (value === undefined) return undefined;
  const fields = fieldsOf(value);
  if (fields === null) return refuse(where, "a checkpoint record");
  const { v, parent } = fields;
  if (typeof v === "number" && v !== CHECKPOINT_RECORD_VERSION) {
    throw new SwarmStateError(
      `${where}: a checkpoint record of layout version ${v}, but this release reads ` +
        `version ${CHECKPOINT_RECORD_VERSION} (was it written by a later one?)`,
    );
  }
  const checkpoint = serializedOf(fields.checkpoint);
  const metadata = serializedOf(fields.metadata);
  if (
    v !== CHECKPOINT_RECORD_VERSION ||
    (typeof parent !== "string" && parent !== null) ||
    checkpoint === null ||
    metadata === null
  ) {
    return refuse(where, "a checkpoint record");
  }
  return { v, parent, checkpoint, metadata };
}

/** A thread namespace's head (`undefined`: none stored). */
export function readHead(value: Value | undefined, where: string): Head | undefined {
  if (value === undefined) return undefined;
  const fields = fieldsOf(value);
  const id = fields?.id;
  if (typeof id !== "string") return refuse(where, "a thread's head");
  const record = readCheckpointRecord(fields?.record, `${where}.record`);
  if (record === undefined) return refuse(where, "a thread's head");
  return { id, record };
}

/** A channel's value at one version (`undefined`: none stored). */
export function readBlob(value: Value | undefined, where: string): Blob | undefined {
  if (value === undefined) return undefined;
  return serializedOf(value) ?? refuse(where, "a channel's value");
}

/** A pending write (`undefined`: none stored). */
export function readStoredWrite(value: Value | undefined, where: string): StoredWrite | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value) && value.length === 5) {
    const [taskId, channel, type, bytes, taskPath] = value;
    if (
      typeof taskId === "string" &&
      typeof channel === "string" &&
      typeof type === "string" &&
      bytes instanceof Uint8Array &&
      typeof taskPath === "string"
    ) {
      return [taskId, channel, type, bytes, taskPath];
    }
  }
  return refuse(where, "a pending write");
}

/** A long-term memory item (`undefined`: none stored). */
export function readStoredItem(value: Value | undefined, where: string): StoredItem | undefined {
  if (value === undefined) return undefined;
  const fields = fieldsOf(value);
  const createdAt = fields?.createdAt;
  const updatedAt = fields?.updatedAt;
  if (
    fields === null ||
    !Object.hasOwn(fields, "value") ||
    typeof createdAt !== "number" ||
    typeof updatedAt !== "number"
  ) {
    return refuse(where, "a memory item");
  }
  return { value: fields.value ?? null, createdAt, updatedAt };
}

/** A value's fields, if it is a map (an object that is neither an array nor bytes). */
function fieldsOf(value: Value | undefined): { readonly [key: string]: Value } | null {
  if (typeof value !== "object" || value === null) return null;
  if (Array.isArray(value) || value instanceof Uint8Array) return null;
  return value;
}

/** What LangGraph's serde made of a value: `[type, bytes]`, or `null` for anything else. */
function serializedOf(value: Value | undefined): Serialized | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [type, bytes] = value;
  return typeof type === "string" && bytes instanceof Uint8Array ? [type, bytes] : null;
}

function refuse(where: string, what: string): never {
  throw new SwarmStateError(
    `${where}: not ${what} as this release of swarmstate/langgraph stores one`,
  );
}
