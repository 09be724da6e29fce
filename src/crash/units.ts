/**
 * What the crash-test writer does to its store, one *unit* at a time, and the values it writes.
 *
 * A unit is what the store keeps or drops whole after a crash: a flush (one tick's calls, sent
 * as one batch per shard) or a cut (snapshot, restore). Units are numbered across the whole run
 * (`n`); item `i` of unit `n` writes the value `writtenValue(n, i)`, so every write in a run has a
 * value of its own, and a value read back names the write that made it (`tagOfValue`): the
 * verifier compares tags, never guesses.
 *
 * | unit       | the writer's call(s)                                     | keys                  |
 * | ---------- | -------------------------------------------------------- | --------------------- |
 * | `batch`    | one `setMany`, its items spread over the namespaces      | `b<n>/<i>`, all new   |
 * | `burst`    | unawaited `set`s and `delete`s made in one tick          | `u<n>/<i>` new, or    |
 * |            |                                                          | existing ones         |
 * | `snapshot` | `snapshot()`                                             |                       |
 * | `restore`  | `restore(snapshot)`                                      |                       |
 * | `release`  | `snapshot.release()` (a flush to every shard)            |                       |
 */
import { dumps, type Snapshot, type Value } from "../index.js";

/** The namespaces written, enough to land on every shard of any shard count the test uses. */
export const NAMESPACES = Array.from({ length: 8 }, (_, i) => `ns${i}`);

/** One call of a burst: a set of a value of its own, or a delete. */
export type Call = ["set" | "delete", namespace: string, key: string];

export type Unit =
  | { op: "batch"; n: number; sets: [namespace: string, key: string][] }
  | { op: "burst"; n: number; calls: Call[] }
  | { op: "snapshot"; n: number }
  | { op: "restore"; n: number; id: number }
  | { op: "release"; n: number; id: number };

/** The units a store-wide cut places (acknowledged only once on disk, in every mode). */
export function isCut(unit: Unit): boolean {
  return unit.op === "snapshot" || unit.op === "restore";
}

/** The units made of writes to keys: a batch or a burst. */
export function isFlush(unit: Unit): unit is Extract<Unit, { op: "batch" | "burst" }> {
  return unit.op === "batch" || unit.op === "burst";
}

/**
 * What a snapshot is, besides its contents, as the store described it and the writer logged it
 * (not the durable store's own record of a snapshot, `durable/log-records.ts`).
 */
export interface LoggedSnapshot {
  id: number;
  parent: number | null;
  timestamp: number;
  sizeBytes: number;
}

/** A snapshot's facts, as the writer logs them and the check reads them back. */
export function factsOf({ id, parent, timestamp, sizeBytes }: Snapshot): LoggedSnapshot {
  return { id, parent, timestamp, sizeBytes };
}

/** The value item `i` of unit `n` writes: its own, between a few and a few hundred bytes. */
export function writtenValue(n: number, i: number): Value {
  return { unit: n, item: i, text: "v".repeat(8 + ((n * 31 + i * 7) % 256)) };
}

/** The tag naming the write of item `i` of unit `n`. */
export function tagOf(n: number, i: number): string {
  return `${n}.${i}`;
}

/** The unit and item a tag names. */
export function parseTag(tag: string): [n: number, i: number] {
  const dot = tag.indexOf(".");
  return [Number(tag.slice(0, dot)), Number(tag.slice(dot + 1))];
}

/**
 * The tag of the write that made `value`, or `null` if no write of the test makes exactly
 * these bytes (a value damaged, or written by someone else).
 */
export function tagOfValue(value: Value | undefined): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  if (value instanceof Uint8Array) return null;
  const { unit, item } = value as { unit?: unknown; item?: unknown };
  if (!Number.isSafeInteger(unit) || !Number.isSafeInteger(item)) return null;
  const expected = dumps(writtenValue(unit as number, item as number));
  return Buffer.from(dumps(value)).equals(expected) ? tagOf(unit as number, item as number) : null;
}
