/**
 * The replica's one follower: it reads the log in order from the replica's position and feeds
 * each entry's steps to the local shards through a client of its own, like the calls of one more
 * client. Every replica applies the same entries in the same order, so every replica holds the
 * same contents, snapshot ids and snapshot list at the same position, whatever its shard count.
 *
 * Invariants:
 * - `position` is the last entry applied: entries are applied once each, in log order, and the
 *   entry after `position` is the next one read. A row that is not `position + 1` (a gap) or
 *   an entry that does not read is damage: the follower stops there, before applying any of
 *   that entry, and the replica fails with `StoreDamagedError` naming the position.
 * - An entry this replica appended (its origin) gives its steps' outcomes to the caller waiting
 *   for it (`expect`), whichever way the follower learned of it.
 * - It reads when woken: by a notification of a head beyond what it holds, by a caller waiting
 *   for a position (`reach`), by a timer (a missed notification, a lost connection); then it
 *   reads until the log has nothing more.
 * - Its own appender's entries, whose positions the append statement returned, are offered to
 *   it (`offer`) and applied from memory when they are next, without reading them back: the
 *   write that waits for them is saved a round trip. They are the log's rows all the same.
 *   Having applied them it reads nothing more unless woken again: what others appended after
 *   them comes with its own notification.
 */

import type { StoreClient } from "../client/data-path.js";
import type { Changeset } from "../core/changeset/changeset-format.js";
import { readChangeset } from "../core/changeset/changeset-reader.js";
import {
  BadChangesetError,
  LogUnavailableError,
  StoreDamagedError,
  serializeError,
} from "../core/errors.js";
import type { LogStep, LogStepOutcome } from "../core/protocol/log-step.js";
import type { LogConnection } from "./connection.js";
import { decodeEntry, EntryShapeError } from "./log-entry.js";
import type { LogRow, LogTable } from "./log-table.js";

/** Entries read per statement. */
const READ_BATCH = 500;
/** How often a follower reads without being woken: the bound on a missed notification. */
const POLL_MS = 1_000;

/** A step ready to apply: a changeset already read, so that reading it cannot fail midway. */
type Ready =
  | Exclude<LogStep, { op: "apply" }>
  | { op: "apply"; changeset: Changeset; bytes: Uint8Array };

export class Follower {
  /** The position of the last entry applied. */
  private position = 0;
  private reading = false;
  private again = false;
  private failure: Error | null = null;
  private readonly awaiting = new Map<number, (outcomes: Promise<LogStepOutcome[]>) => void>();
  private readonly reached: {
    position: number;
    resolve: () => void;
    reject: (e: Error) => void;
  }[] = [];
  private readonly timer: NodeJS.Timeout;
  /** Entries offered by this replica's appender, by position, until applied. */
  private readonly offered = new Map<number, LogRow>();
  /** The highest position offered so far. */
  private offeredUpTo = 0;

  constructor(
    private readonly table: LogTable,
    private readonly connection: LogConnection,
    private readonly applier: StoreClient,
    private readonly origin: string,
    /**
     * Where damage, or any failure other than the database being unreachable, is reported:
     * the replica stops serving.
     */
    private readonly failed: (error: Error) => void,
    /** Names the log in a damage report (the server, schema and store, no password). */
    private readonly where: string,
  ) {
    this.timer = setInterval(() => this.wake(), POLL_MS).unref();
  }

  /**
   * A notification: the log's head is `head`. Nothing to read if this replica has applied that
   * far or holds the entries up to there (its own, offered).
   */
  heard(head: number): void {
    if (!(head <= Math.max(this.position, this.offeredUpTo))) this.wake();
  }

  /** Entries this replica appended, committed at the positions given: applied when next. */
  offer(rows: readonly LogRow[]): void {
    for (const row of rows) {
      if (row.pos <= this.position) continue;
      this.offered.set(row.pos, row);
      this.offeredUpTo = Math.max(this.offeredUpTo, row.pos);
    }
    this.wake();
  }

  /** Reads and applies every entry after the position (again, if woken while reading). */
  wake(): void {
    if (this.failure !== null) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    void this.catchUp();
  }

  /**
   * Gives the outcomes of this replica's entry `seq` to `deliver` once it is applied; returns a
   * function that stops waiting for it (its caller gave up).
   */
  expect(seq: number, deliver: (outcomes: Promise<LogStepOutcome[]>) => void): () => void {
    this.awaiting.set(seq, deliver);
    return () => this.awaiting.delete(seq);
  }

  /** Resolves once every entry up to `position` is applied. */
  reach(position: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (position <= this.position) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.reached.push({ position, resolve, reject });
      this.wake();
    });
  }

  /** Stops reading; later waits reject with `error`. */
  stop(error: Error): void {
    clearInterval(this.timer);
    this.failure ??= error;
    for (const waiter of this.reached.splice(0)) waiter.reject(this.failure);
  }

  private async catchUp(): Promise<void> {
    this.reading = true;
    try {
      do {
        this.again = false;
        const known = this.takeOffered();
        if (known.length > 0) {
          // Its own entries, next in the log: applied from memory. Whatever follows them wakes
          // it again (a notification), unless a waiter already wants more.
          await this.apply(known);
          if (!this.awaitedBeyond()) continue;
        }
        for (;;) {
          const rows = await this.connection.use("follow", (client) =>
            this.table.read(client, this.position, READ_BATCH),
          );
          if (rows.length > 0) await this.apply(rows);
          if (rows.length < READ_BATCH || this.failure !== null) break;
        }
      } while (this.again && this.failure === null);
    } catch (error) {
      // The database unreachable: the timer tries again, and waiters wait for it (their
      // callers' deadlines bound them). Anything else stops the replica, saying why.
      if (!(error instanceof LogUnavailableError)) this.stopWith(error as Error);
    } finally {
      this.reading = false;
    }
  }

  /** Whether a caller waits for an entry beyond the position (`reach`). */
  private awaitedBeyond(): boolean {
    return this.reached.some((waiter) => waiter.position > this.position);
  }

  /** The offered entries that follow the position without a gap, in order. */
  private takeOffered(): LogRow[] {
    const rows: LogRow[] = [];
    for (const pos of this.offered.keys()) if (pos <= this.position) this.offered.delete(pos);
    for (let pos = this.position + 1; ; pos++) {
      const row = this.offered.get(pos);
      if (row === undefined) return rows;
      this.offered.delete(pos);
      rows.push(row);
    }
  }

  /** Applies `rows` in order; stops at the first one that is damaged, before applying it. */
  private async apply(rows: LogRow[]): Promise<void> {
    const applied: Promise<unknown>[] = [];
    let last = this.position;
    for (const row of rows) {
      let steps: Ready[];
      try {
        if (row.pos !== last + 1) {
          throw new EntryShapeError(`expected entry ${last + 1} next, found entry ${row.pos}`);
        }
        steps = decodeEntry(row.entry).map(ready);
      } catch (error) {
        if (!(error instanceof EntryShapeError || error instanceof BadChangesetError)) throw error;
        await Promise.allSettled(applied);
        this.advance(last);
        this.fail(row.pos, error.message, error);
        return;
      }
      // Every step is called now, in order, in this one turn: a batch of sets between two cuts
      // leaves as one flush (all or nothing), and cuts fall between them in their order.
      const outcomes = Promise.all(steps.map((step) => outcome(this.run(step))));
      applied.push(outcomes);
      if (row.origin === this.origin) {
        const deliver = this.awaiting.get(row.seq);
        this.awaiting.delete(row.seq);
        deliver?.(outcomes);
      }
      last = row.pos;
    }
    await Promise.all(applied);
    this.advance(last);
  }

  private run(step: Ready): Promise<unknown> {
    const client = this.applier;
    switch (step.op) {
      case "set":
        return client.set(step.namespace, step.key, step.value);
      case "delete":
        return client.delete(step.namespace, step.key);
      case "clear":
        return client.clear();
      case "snapshot":
        return client.snapshot(step.timestamp);
      case "restore":
        return client.restore(step.id);
      case "apply":
        return client.apply(step.changeset, step.bytes);
      case "release":
        return client.release(step.id);
    }
  }

  private advance(position: number): void {
    this.position = position;
    for (let i = this.reached.length - 1; i >= 0; i--) {
      const waiter = this.reached[i];
      if (waiter !== undefined && waiter.position <= position) {
        this.reached.splice(i, 1);
        waiter.resolve();
      }
    }
  }

  /** Stops reading for good and reports `error` (see `failed`). */
  private stopWith(error: Error): void {
    if (this.failure !== null) return;
    this.stop(error);
    this.failed(error);
  }

  private fail(position: number, problem: string, cause: Error): void {
    this.stopWith(StoreDamagedError.inLog(this.where, `entry ${position}: ${problem}`, { cause }));
  }
}

/** A step with its changeset read (a `BadChangesetError` here is damage in the log). */
function ready(step: LogStep): Ready {
  if (step.op !== "apply") return step;
  return { op: "apply", changeset: readChangeset(step.changeset, "apply"), bytes: step.changeset };
}

/** A call's outcome, as it travels back to the caller. */
async function outcome(call: Promise<unknown>): Promise<LogStepOutcome> {
  try {
    return { value: await call };
  } catch (error) {
    return { error: serializeError(error) };
  }
}
