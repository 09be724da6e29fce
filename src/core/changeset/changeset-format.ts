/**
 * The changeset format and its version, stated here once; changeset-writer.ts writes it
 * (`snapshot.changes(base)`) and changeset-reader.ts reads it (`store.apply(changeset)`), and no
 * other code knows it.
 *
 * Version 1. A changeset is one msgpack map, which any msgpack library reads:
 *
 *     format   "swarmstate.changeset"
 *     version  1
 *     store    id of the store it comes from (a string)
 *     base     id of the snapshot it starts from
 *     target   id of the snapshot it leads to
 *     removed  [[namespace, key], …]          in base, not in target
 *     put      [[namespace, key, value], …]   added or changed, with the target's value
 *
 * `removed` and `put` are each sorted by namespace, then key (JavaScript string order), and
 * name each pair once in both together. Values are embedded as themselves (msgpack values, not
 * bytes): their stored encodings, spliced in without being decoded.
 *
 * Writing: the seven fields in that order, headers in their smallest form (as msgpackr writes
 * them); test/fixtures/changeset-v1.msgpack pins the bytes. Reading: the fields in any order,
 * each once, nothing else; the lists sorted as above; every value copied into our canonical
 * encoding (core/codec/msgpack-reader.ts), so a changeset written by another library stores exactly
 * what `set` would store for the value it decodes to. Anything else is a {@link BadChangesetError}
 * naming the field and the path in it. A later version bumps `version` and keeps a reader here
 * for each older one.
 */
import type { ChangesToApply } from "../protocol/batch-format.js";

export const CHANGESET_FORMAT = "swarmstate.changeset";
export const CHANGESET_VERSION = 1;
/** The fields of a changeset, in the order they are written. */
export const CHANGESET_FIELDS = [
  "format",
  "version",
  "store",
  "base",
  "target",
  "removed",
  "put",
] as const;

/** The fields of a changeset besides its lists. */
export interface ChangesetHeader {
  store: string;
  base: number;
  target: number;
}

/** A changeset as read: its lists flat, values in our own encoding (latin1, as stored). */
export interface Changeset extends ChangesetHeader, ChangesToApply {}
