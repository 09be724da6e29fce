/**
 * The replica's one appender: it takes the entries of every local client, in the order they
 * arrive (each client sends its own in call order), and appends them to the log, every entry
 * waiting at that moment in one statement: while one append is in flight the next one fills,
 * so many clients' batches share one round trip and one commit.
 *
 * Invariants:
 * - Entries are appended in arrival order: one append at a time, each taking a prefix of the
 *   queue.
 * - Each entry has one identity `(origin, seq)`, given on arrival, unique in the log
 *   (log-table.ts).
 * - A failed append fails its entries' callers. Whether they are in the log is the database's
 *   to say (the connection may have dropped after its commit): the followers apply what is
 *   there, so every replica agrees either way.
 */
import type { LogConnection } from "./connection.js";
import type { LogTable, Outgoing } from "./log-table.js";

/** Most bytes of entries in one append: a statement stays well inside what a server takes. */
const MAX_APPEND_BYTES = 8 * 1024 * 1024;

interface Queued extends Outgoing {
  /** Called once the entry is committed, or with the error that ended its tries. */
  done: (error: Error | null) => void;
}

export class Appender {
  private readonly queue: Queued[] = [];
  private nextSeq = 1;
  private running = false;

  constructor(
    private readonly table: LogTable,
    private readonly connection: LogConnection,
    readonly origin: string,
    /** Called after each committed append with the new head: the follower reads at once. */
    private readonly appended: (head: number) => void,
  ) {}

  /**
   * Queues `entry`; returns its seq. `done` is called once it is committed (with `null`) or its
   * append failed (with the error).
   */
  append(entry: Uint8Array, done: (error: Error | null) => void): number {
    const seq = this.nextSeq++;
    this.queue.push({ seq, entry, done });
    if (!this.running) void this.run();
    return seq;
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      for (;;) {
        const group = this.takeGroup();
        if (group.length === 0) return;
        try {
          const head = await this.connection.use("append", (client) =>
            this.table.append(client, this.origin, group),
          );
          this.queue.splice(0, group.length);
          for (const entry of group) entry.done(null);
          this.appended(head);
        } catch (error) {
          this.queue.splice(0, group.length);
          for (const entry of group) entry.done(error as Error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The entries at the head of the queue that one append takes. */
  private takeGroup(): Queued[] {
    const group: Queued[] = [];
    let bytes = 0;
    for (const entry of this.queue) {
      if (group.length > 0 && bytes + entry.entry.byteLength > MAX_APPEND_BYTES) break;
      group.push(entry);
      bytes += entry.entry.byteLength;
    }
    return group;
  }
}
