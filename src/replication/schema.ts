/**
 * The tables of replicated stores, in a schema of their own, and their version: the one place
 * that creates them and, in a later release, migrates them.
 *
 *   <schema>.version  one row: the layout's version (VERSION)
 *   <schema>.stores   one row per store: its name, its id (shared by every replica: snapshots
 *                     and changesets name it), its maxHistory, and `head`, the position of
 *                     the last entry appended
 *   <schema>.log      the entries, one per appended batch of calls: (store, pos) from 1 with no
 *                     gap, and (store, origin, seq), the batch's identity, unique (log-table.ts)
 *   <schema>.replicas one row per replica that appended (store, origin): its session `epoch`,
 *                     which fences off the appends of its earlier sessions (log-table.ts)
 *
 * Creating is serialized by an advisory lock, so that replicas starting together neither race
 * on `CREATE` nor see half a layout. A database holding a newer version is refused: an older
 * release must not write a layout it does not know.
 *
 * Every value reaches SQL as a parameter. The schema's name is an identifier, which SQL cannot
 * take as one: it is checked (replication-options.ts) and written quoted.
 */
import type { ClientBase } from "pg";
import { SwarmStateError } from "../core/errors.js";

/** Version 1: stores, log, replicas. */
export const VERSION = 1;

/** The first key of this package's advisory locks (the second one says what is locked). */
export const LOCK_SPACE = 0x5357_524d; // "SWRM"

/** The schema's name as SQL writes it. */
export function quoted(schema: string): string {
  return `"${schema}"`;
}

function layout(schema: string): string {
  const s = quoted(schema);
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};
    CREATE TABLE ${s}.version (
      one boolean PRIMARY KEY DEFAULT true CHECK (one),
      version integer NOT NULL
    );
    CREATE TABLE ${s}.stores (
      name text PRIMARY KEY,
      id uuid NOT NULL,
      max_history bigint,
      head bigint NOT NULL DEFAULT 0
    );
    CREATE TABLE ${s}.log (
      store text NOT NULL REFERENCES ${s}.stores (name),
      pos bigint NOT NULL,
      origin uuid NOT NULL,
      seq bigint NOT NULL,
      entry bytea NOT NULL,
      PRIMARY KEY (store, pos),
      UNIQUE (store, origin, seq)
    );
    CREATE TABLE ${s}.replicas (
      store text NOT NULL REFERENCES ${s}.stores (name),
      origin uuid NOT NULL,
      epoch bigint NOT NULL,
      PRIMARY KEY (store, origin)
    );
    INSERT INTO ${s}.version (version) VALUES (${VERSION});`;
}

/** Creates the schema's tables unless they exist; refuses a layout newer than this release's. */
export async function prepareSchema(client: ClientBase, schema: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, hashtext($2))", [LOCK_SPACE, schema]);
    const found = await client.query<{ table: string | null }>(
      "SELECT to_regclass($1)::text AS table",
      [`${quoted(schema)}.version`],
    );
    if (found.rows[0]?.table == null) {
      await client.query(layout(schema));
    } else {
      const { rows } = await client.query<{ version: number }>(
        `SELECT version FROM ${quoted(schema)}.version`,
      );
      const version = rows[0]?.version;
      if (version !== VERSION) {
        throw new SwarmStateError(
          `schema "${schema}" holds swarmstate's tables at version ${version ?? "(none)"}; this release reads version ${VERSION}`,
        );
      }
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
