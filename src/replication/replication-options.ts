/**
 * `StoreOptions.replication`, checked at the constructor: a `TypeError` or `RangeError` naming
 * the field, never a failure later inside the database. The URL's password never appears in
 * a message: errors name the server with `redactedUrl`.
 */
import { checkOptionFields } from "../client/arguments.js";
import { typeName } from "../core/codec/type-name.js";

/** Where a replicated store's log lives (`StoreOptions.replication`). */
export interface ReplicationOptions {
  /** A PostgreSQL connection URL: `postgres://` or `postgresql://`. */
  url: string;
  /** The store's name in that database: 1 to 63 of `A-Z a-z 0-9 _ . -`. */
  name: string;
  /** The schema holding the tables, created on first use; default `"swarmstate"`. */
  schema?: string;
  /**
   * Milliseconds a call waits for the database before it rejects with `LogUnavailableError`;
   * default 10000.
   */
  timeout?: number;
}

/** The options, checked and with their defaults. */
export interface Replication {
  url: string;
  name: string;
  schema: string;
  timeout: number;
}

export const DEFAULT_SCHEMA = "swarmstate";
export const DEFAULT_TIMEOUT_MS = 10_000;
/** A timer's limit (2^31 - 1 ms, about 24.8 days): Node fires longer ones at once. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A store's name: what the contract allows, so it is safe in any message or payload. */
const NAME = /^[A-Za-z0-9_.-]{1,63}$/;
/**
 * A schema: an unquoted SQL identifier (Postgres's limit is 63 bytes), written in SQL as a
 * quoted identifier; since it can hold no quote, it can never end the quoting.
 */
const SCHEMA = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const KNOWN = ["url", "name", "schema", "timeout"];

export function resolveReplication(options: unknown): Replication {
  const where = "options.replication";
  checkOptionFields(where, options, KNOWN, "field");
  const { url, name, schema, timeout } = options as Partial<ReplicationOptions>;
  if (typeof url !== "string") {
    throw new TypeError(`${where}.url: expected a string, got ${typeName(url)}`);
  }
  checkUrl(url);
  if (typeof name !== "string") {
    throw new TypeError(`${where}.name: expected a string, got ${typeName(name)}`);
  }
  if (!NAME.test(name)) {
    throw new RangeError(
      `${where}.name: expected 1 to 63 of A-Z, a-z, 0-9, "_", "." and "-", got ${JSON.stringify(name)}`,
    );
  }
  if (schema !== undefined && typeof schema !== "string") {
    throw new TypeError(`${where}.schema: expected a string, got ${typeName(schema)}`);
  }
  if (schema !== undefined && !SCHEMA.test(schema)) {
    throw new RangeError(
      `${where}.schema: expected a letter or "_", then up to 62 letters, digits or "_", got ${JSON.stringify(schema)}`,
    );
  }
  if (timeout !== undefined && typeof timeout !== "number") {
    throw new TypeError(
      `${where}.timeout: expected a number of milliseconds, got ${typeName(timeout)}`,
    );
  }
  if (
    timeout !== undefined &&
    !(Number.isInteger(timeout) && timeout >= 1 && timeout <= MAX_TIMEOUT_MS)
  ) {
    throw new RangeError(
      `${where}.timeout: expected an integer from 1 to ${MAX_TIMEOUT_MS} (ms), got ${timeout}`,
    );
  }
  return { url, name, schema: schema ?? DEFAULT_SCHEMA, timeout: timeout ?? DEFAULT_TIMEOUT_MS };
}

/** A PostgreSQL URL, or a `TypeError` that names it without its password. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      "options.replication.url: expected a URL such as postgres://user@host:5432/database",
    );
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new TypeError(
      `options.replication.url: expected a postgres:// or postgresql:// URL, got ${redactedUrl(url)}`,
    );
  }
}

/** `url` with any password replaced by `***`, fit for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    for (const key of [...parsed.searchParams.keys()]) {
      if (/pass/i.test(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return "(a URL that does not parse)";
  }
}
