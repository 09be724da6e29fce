/**
 * One store's rows in `<schema>.stores` and `<schema>.log` (schema.ts), and the statements that
 * read and write them.
 *
 * **The order.** An append is one statement: it adds n to the store's `head` and inserts its
 * entries at the n positions after the old head. The `UPDATE` holds the store's row lock until
 * the transaction ends, and a concurrent append waits for it and then reads the committed head.
 * So positions are given in commit order, every committed position is below every position not
 * yet committed, and a reader's `pos > $last` never skips an entry that commits later (the trap
 * of a `bigserial`, taken at insert and visible at commit). The log has no gap: a follower that
 * finds one has found damage. The price is one append at a time per store, which the appender
 * makes up for by appending many batches per statement (appender.ts).
 *
 * **Exactly once.** Every entry carries its identity `(origin, seq)`, unique per store. A retry
 * of an append whose outcome is unknown either inserts or fails on that constraint, so nothing
 * is in the log twice; the appender then asks `contains` which it was.
 *
 * **Wake-ups.** The append statement notifies the schema's channel with the store's name and
 * its new head, once per statement. It is a wake-up only: the follower reads the log itself.
 */
import type { ClientBase } from "pg";
import { quoted } from "./schema.js";

/** One entry as read back: its position, its batch's identity and its bytes. */
export interface LogRow {
  pos: number;
  origin: string;
  seq: number;
  entry: Uint8Array;
}

/** What `open` learns of the store: its row, created by the first replica. */
export interface StoreRow {
  id: string;
  maxHistory: number | null;
  head: number;
}

/** An entry to append: its seq under this replica's origin, and its bytes. */
export interface Outgoing {
  seq: number;
  entry: Uint8Array;
}

export class LogTable {
  /** The LISTEN channel: one per schema, the store's name in the payload. */
  readonly channel: string;
  private readonly sql: {
    create: string;
    row: string;
    append: string;
    read: string;
    contains: string;
  };

  constructor(
    readonly schema: string,
    readonly name: string,
  ) {
    const s = quoted(schema);
    this.channel = `${schema}_log`;
    this.sql = {
      create: `INSERT INTO ${s}.stores (name, id, max_history) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO NOTHING`,
      row: `SELECT id::text, max_history, head FROM ${s}.stores WHERE name = $1`,
      append: `
        WITH h AS (
          UPDATE ${s}.stores SET head = head + cardinality($3::bigint[])
          WHERE name = $1 RETURNING head - cardinality($3::bigint[]) AS base
        ), ins AS (
          INSERT INTO ${s}.log (store, pos, origin, seq, entry)
          SELECT $1, h.base + e.n, $2, e.seq, e.entry
          FROM h, unnest($3::bigint[], $4::bytea[]) WITH ORDINALITY AS e(seq, entry, n)
          RETURNING pos
        )
        SELECT pg_notify($5, $1 || ' ' || max(pos)) AS notified, max(pos) AS head FROM ins`,
      read: `SELECT pos, origin::text, seq, entry FROM ${s}.log
             WHERE store = $1 AND pos > $2 ORDER BY pos LIMIT $3`,
      contains: `SELECT 1 FROM ${s}.log WHERE store = $1 AND origin = $2 AND seq = $3`,
    };
  }

  /** The store's row, created with `id` and `maxHistory` if this is its first replica. */
  async open(client: ClientBase, id: string, maxHistory: number | null): Promise<StoreRow> {
    await client.query(this.sql.create, [this.name, id, maxHistory]);
    const { rows } = await client.query<{ id: string; max_history: string | null; head: string }>(
      this.sql.row,
      [this.name],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`the row of store "${this.name}" vanished`);
    return {
      id: row.id,
      maxHistory: row.max_history === null ? null : Number(row.max_history),
      head: Number(row.head),
    };
  }

  /** The position of the last entry committed. */
  async head(client: ClientBase): Promise<number> {
    const { rows } = await client.query<{ head: string }>(this.sql.row, [this.name]);
    return Number(rows[0]?.head ?? 0);
  }

  /** Appends `entries` (in this order) under `origin`; resolves to the last one's position. */
  async append(client: ClientBase, origin: string, entries: readonly Outgoing[]): Promise<number> {
    const { rows } = await client.query<{ head: string | null }>({
      name: `swarmstate-append-${this.schema}`,
      text: this.sql.append,
      values: [
        this.name,
        origin,
        entries.map((entry) => entry.seq),
        entries.map((entry) =>
          Buffer.from(entry.entry.buffer, entry.entry.byteOffset, entry.entry.byteLength),
        ),
        this.channel,
      ],
    });
    const head = rows[0]?.head;
    if (head == null) throw new Error(`store "${this.name}" has no row in ${this.schema}.stores`);
    return Number(head);
  }

  /** Up to `limit` entries after position `after`, in order. */
  async read(client: ClientBase, after: number, limit: number): Promise<LogRow[]> {
    const { rows } = await client.query<{
      pos: string;
      origin: string;
      seq: string;
      entry: Buffer;
    }>({
      name: `swarmstate-read-${this.schema}`,
      text: this.sql.read,
      values: [this.name, after, limit],
    });
    return rows.map((row) => ({
      pos: Number(row.pos),
      origin: row.origin,
      seq: Number(row.seq),
      entry: row.entry,
    }));
  }

  /** Whether the entry `(origin, seq)` is in the log. */
  async contains(client: ClientBase, origin: string, seq: number): Promise<boolean> {
    const { rowCount } = await client.query(this.sql.contains, [this.name, origin, seq]);
    return (rowCount ?? 0) > 0;
  }
}
