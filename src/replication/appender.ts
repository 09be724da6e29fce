/**
 * The replica's one appender: it takes the entries of every local client, in the order they
 * arrive (each client sends its own in call order), and appends them to the log, every entry
 * waiting at that moment in one statement: while one append is in flight the next one fills,
 * so many clients' batches share one round trip and one commit.
 *
 * Invariants:
 * - Entries are appended in arrival order: one append at a time, each taking a prefix of the
 *   queue; after a failure nothing is sent before the failed append's fate is known.
 * - Each entry has one identity `(origin, seq)`, given on arrival and kept across retries, and
 *   is in the log at most once (log-table.ts).
 * - An append whose outcome is unknown (the connection broke, the database did not answer in
 *   time) is settled on the next session: it fences off the earlier ones (`fence`), then asks
 *   which of the entries sent are in the log (`found`). Those are done; the others are sent
 *   again, unless their caller has given up (its deadline passed): those are dropped, and from
 *   the fence on they can never be in the log. So a write that rejected is in the log only if
 *   the database committed it before the fence, and then on every replica.
 * - A statement the database refuses for what it is (not for being unreachable) fails its
 *   entries' callers with the database's error.
 */
import type { ClientBase } from "pg";
import { LogUnavailableError } from "../core/errors.js";
import { type LogConnection, pause } from "./connection.js";
import { FencedError, type LogRow, type LogTable, type Outgoing } from "./log-table.js";

/** Most bytes of entries in one append: a statement stays well inside what a server takes. */
const MAX_APPEND_BYTES = 8 * 1024 * 1024;

interface Queued extends Outgoing {
  /** Called once the entry is committed, or with the error that ended its tries. */
  done: (error: Error | null) => void;
  /** Sent in an append whose outcome is not known yet. */
  sent: boolean;
  /** Its caller gave up: dropped if it is not in the log once that is known. */
  abandoned: boolean;
}

/** What a caller can do with an entry it queued. */
export interface Appending {
  readonly seq: number;
  /** The caller gives up waiting (see the module comment). */
  abandon(): void;
}

export class Appender {
  private readonly queue: Queued[] = [];
  private nextSeq = 1;
  private running = false;
  /** This session's epoch (0: no session yet); a new session fences and takes the next. */
  private epoch = 0;
  /** An append failed without an answer: its entries' fate is settled before anything else. */
  private uncertain = false;
  /** An append statement is under way: its answer will wake the follower. */
  appending = false;

  constructor(
    private readonly table: LogTable,
    private readonly connection: LogConnection,
    readonly origin: string,
    /**
     * Called after each committed append: with its entries and their positions when the
     * statement said them (the follower then applies them without reading them back), with
     * nothing when they were found after a lost answer (the follower reads).
     */
    private readonly appended: (rows: LogRow[]) => void,
  ) {}

  /** Starts a session: called by the connection on each new one, before anything is sent. */
  async startSession(client: ClientBase): Promise<void> {
    this.epoch = await this.table.fence(client, this.origin);
  }

  /**
   * Queues `entry`. `done` is called once it is committed (with `null`) or cannot be (with the
   * error); after `abandon()`, perhaps never.
   */
  append(entry: Uint8Array, done: (error: Error | null) => void): Appending {
    const queued: Queued = { seq: this.nextSeq++, entry, done, sent: false, abandoned: false };
    this.queue.push(queued);
    if (!this.running) void this.run();
    return {
      seq: queued.seq,
      abandon: () => {
        queued.abandoned = true;
      },
    };
  }

  private async run(): Promise<void> {
    this.running = true;
    let failures = 0;
    try {
      for (;;) {
        try {
          if (this.uncertain) await this.settle();
          this.dropAbandoned();
          const group = this.takeGroup();
          if (group.length === 0) return;
          await this.send(group);
          failures = 0;
        } catch (error) {
          if (!(error instanceof LogUnavailableError || error instanceof FencedError)) {
            // Not the database being away (a refusal while settling): every caller hears it.
            for (const entry of this.queue.splice(0)) entry.done(error as Error);
            return;
          }
          // Unreachable: try again after a pause, unless no caller waits any more.
          this.dropAbandoned();
          if (this.queue.every((entry) => entry.abandoned)) return;
          await pause(failures++);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** Appends `group`; on no answer, leaves it for `settle`. */
  private async send(group: Queued[]): Promise<void> {
    for (const entry of group) entry.sent = true;
    let head: number;
    this.appending = true;
    try {
      head = await this.connection.use("append", (client) =>
        this.table.append(client, this.origin, this.epoch, group),
      );
    } catch (error) {
      if (error instanceof LogUnavailableError || error instanceof FencedError) {
        this.uncertain = true;
        this.connection.reset(); // settled on a new session, which fences this one off
        throw error;
      }
      // Refused for what it is: its callers hear why; the entries behind it go on.
      this.queue.splice(0, group.length);
      for (const entry of group) entry.done(error as Error);
      return;
    } finally {
      this.appending = false;
    }
    this.queue.splice(0, group.length);
    for (const entry of group) entry.done(null);
    const base = head - group.length;
    this.appended(
      group.map(({ seq, entry }, i) => ({ pos: base + i + 1, origin: this.origin, seq, entry })),
    );
  }

  /**
   * After an append without an answer: on a new session (which fenced the old one off), the
   * entries sent are done if they are in the log, and unsent again if they are not.
   */
  private async settle(): Promise<void> {
    const sent = this.queue.filter((entry) => entry.sent);
    const found = await this.connection.use("append", (client) =>
      this.table.found(
        client,
        this.origin,
        sent.map((entry) => entry.seq),
      ),
    );
    this.uncertain = false;
    for (const entry of sent) entry.sent = false;
    const done = this.queue.filter((entry) => found.has(entry.seq));
    this.queue.splice(0, this.queue.length, ...this.queue.filter((entry) => !found.has(entry.seq)));
    for (const entry of done) entry.done(null);
    if (done.length > 0) this.appended([]);
  }

  /** Drops the entries at the head whose callers gave up and that cannot be in the log. */
  private dropAbandoned(): void {
    if (this.uncertain) return; // not known yet whether they are in the log
    while (this.queue[0]?.abandoned) this.queue.shift();
  }

  /** The entries at the head of the queue that one append takes. */
  private takeGroup(): Queued[] {
    const group: Queued[] = [];
    let bytes = 0;
    for (const entry of this.queue) {
      if (entry.abandoned) break; // dropped before the next append, so nothing behind waits
      if (group.length > 0 && bytes + entry.entry.byteLength > MAX_APPEND_BYTES) break;
      group.push(entry);
      bytes += entry.entry.byteLength;
    }
    return group;
  }
}
