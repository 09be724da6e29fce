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
 * **Exactly once.** Every entry carries its identity `(origin, seq)`, unique per store, so
 * nothing is in the log twice. An append whose answer was lost may still commit later: its
 * statement can sit in a frozen server or a dead connection's buffers. So each session of a
 * replica's appender first takes a new `epoch` (`fence`), and an append commits only while its
 * session's epoch is the replica's: it locks the replica's row and checks it, and `fence` takes
 * the same lock. Once a session has fenced, every append of the earlier ones has committed or
 * never will, and `found` tells which: the appender resends exactly the others.
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

/** An append refused because a later session of its replica fenced it off. */
export class FencedError extends Error {
  override readonly name = "FencedError";
}

/** An entry to append: its seq under this replica's origin, and its bytes. */
export interface Outgoing {
  seq: number;
  entry: Uint8Array;
}

export class LogTable {
  /**
   * The LISTEN channel: the schema's own name (a channel is an identifier, at most 63 bytes, as
   * the schema's is), the store's name in the payload.
   */
  readonly channel: string;
  private readonly sql: {
    create: string;
    row: string;
    append: string;
    read: string;
    fence: string;
    found: string;
  };

  constructor(
    readonly schema: string,
    readonly name: string,
  ) {
    const s = quoted(schema);
    this.channel = schema;
    this.sql = {
      create: `INSERT INTO ${s}.stores (name, id, max_history) VALUES ($1, $2, $3)
               ON CONFLICT (name) DO NOTHING`,
      row: `SELECT id::text, max_history, head FROM ${s}.stores WHERE name = $1`,
      append: `
        WITH fence AS (
          UPDATE ${s}.replicas SET epoch = epoch
          WHERE store = $1 AND origin = $2 AND epoch = $6 RETURNING 1
        ), h AS (
          UPDATE ${s}.stores SET head = head + cardinality($3::bigint[])
          WHERE name = $1 AND EXISTS (SELECT FROM fence)
          RETURNING head - cardinality($3::bigint[]) AS base
        ), ins AS (
          INSERT INTO ${s}.log (store, pos, origin, seq, entry)
          SELECT $1, h.base + e.n, $2, e.seq, e.entry
          FROM h, unnest($3::bigint[], $4::bytea[]) WITH ORDINALITY AS e(seq, entry, n)
          RETURNING pos
        )
        SELECT pg_notify($5, $1 || ' ' || max(pos)) AS notified, max(pos) AS head FROM ins`,
      read: `SELECT pos, origin::text, seq, entry FROM ${s}.log
             WHERE store = $1 AND pos > $2 ORDER BY pos LIMIT $3`,
      fence: `INSERT INTO ${s}.replicas (store, origin, epoch) VALUES ($1, $2, 1)
              ON CONFLICT (store, origin) DO UPDATE SET epoch = ${s}.replicas.epoch + 1
              RETURNING epoch`,
      found: `SELECT seq FROM ${s}.log WHERE store = $1 AND origin = $2 AND seq = ANY($3::bigint[])`,
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

  /**
   * Appends `entries` (in this order) under `origin`, if `epoch` is still its session's;
   * resolves to the last one's position. A `FencedError` if a later session fenced it off.
   */
  async append(
    client: ClientBase,
    origin: string,
    epoch: number,
    entries: readonly Outgoing[],
  ): Promise<number> {
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
        epoch,
      ],
    });
    const head = rows[0]?.head;
    if (head == null) {
      throw new FencedError(`the append of epoch ${epoch} was fenced off by a later session`);
    }
    return Number(head);
  }

  /**
   * Starts a new session of `origin`'s appends: returns its epoch. From its commit on, no
   * append of an earlier session can commit (see the module comment).
   */
  async fence(client: ClientBase, origin: string): Promise<number> {
    const { rows } = await client.query<{ epoch: string }>(this.sql.fence, [this.name, origin]);
    return Number(rows[0]?.epoch);
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

  /** Which of `origin`'s entries `seqs` are in the log. */
  async found(client: ClientBase, origin: string, seqs: readonly number[]): Promise<Set<number>> {
    const { rows } = await client.query<{ seq: string }>(this.sql.found, [this.name, origin, seqs]);
    return new Set(rows.map((row) => Number(row.seq)));
  }
}
