/**
 * The crash test's ledger: one file of JSON lines, `<dir>/ledger.jsonl`, the record the store
 * is checked against. The writer appends each line with one `fs.writeSync` before it goes on,
 * so a line written is in the kernel's hands and survives the writer's SIGKILL; a line cut
 * short (the kill landing inside a write) can only be the last one: it is ignored, and cut off
 * before anything is appended.
 *
 * | line                                      | written by | when                             |
 * | ----------------------------------------- | ---------- | -------------------------------- |
 * | `{ t: "start", shards, durability }`      | the runner | once, when the test directory    |
 * |                                           |            | is created                       |
 * | `{ t: "session", session, pid }`          | the writer | its store open (recovered)       |
 * | `{ t: "do", unit }`                       | the writer | before it makes the unit's calls |
 * | `{ t: "ok", n, deleted?, snapshot? }`     | the writer | as the store acknowledges unit   |
 * |                                           |            | `n`: what each delete answered,  |
 * |                                           |            | what the snapshot is             |
 * | `{ t: "recovered", kept, snapshot? }`     | the runner | after a kill, once checked: how  |
 * |                                           |            | many of that session's units the |
 * |                                           |            | store kept, and the snapshot it  |
 * |                                           |            | kept unacknowledged, if any      |
 *
 * A *session* is the lines after one `recovered` (or `start`) up to the next: one writer's life.
 */
import {
  closeSync,
  fstatSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from "node:fs";
import type { LoggedSnapshot, Unit } from "./units.js";

export const LEDGER_FILE = "ledger.jsonl";

export type LedgerLine =
  | { t: "start"; shards: number; durability: "sync" | "async" }
  | { t: "session"; session: number; pid: number }
  | { t: "do"; unit: Unit }
  | { t: "ok"; n: number; deleted?: boolean[]; snapshot?: LoggedSnapshot }
  | { t: "recovered"; kept: number; snapshot?: LoggedSnapshot };

/** A unit as the ledger tells it: what was asked, and what the store answered, if it did. */
export interface LoggedUnit {
  unit: Unit;
  ack: Extract<LedgerLine, { t: "ok" }> | null;
}

/** One writer's life: its units in the order it made them, and what the runner found. */
export interface Session {
  units: LoggedUnit[];
  recovered: Extract<LedgerLine, { t: "recovered" }> | null;
}

/** A ledger file as read back: how the test began, and every writer's session since. */
export interface LedgerContents {
  start: Extract<LedgerLine, { t: "start" }>;
  /** Every session; the last one has not been checked yet (`recovered: null`). */
  sessions: Session[];
  /** The number the next unit gets. */
  nextUnit: number;
}

/** A ledger that makes no sense: written by something else, or damaged. */
export class LedgerError extends Error {
  override readonly name = "LedgerError";
}

/**
 * Appends lines to a ledger, each with one `writeSync`. A line a killed writer cut short is
 * removed first: appended to, it would become a line in the middle that does not read.
 */
export class LedgerWriter {
  private readonly fd: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, "a+");
    cutShortLastLine(this.fd);
  }

  append(line: LedgerLine): void {
    writeSync(this.fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Truncates the file at `fd` after its last newline, if anything follows it. */
function cutShortLastLine(fd: number): void {
  const size = fstatSync(fd).size;
  const chunk = Buffer.alloc(64 * 1024);
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - chunk.length);
    const read = readSync(fd, chunk, 0, end - start, start);
    const newline = chunk.subarray(0, read).lastIndexOf(0x0a);
    if (newline !== -1) {
      if (start + newline + 1 < size) ftruncateSync(fd, start + newline + 1);
      return;
    }
    end = start;
  }
  if (size > 0) ftruncateSync(fd, 0);
}

/**
 * Reads the ledger at `file` into sessions.
 * @throws LedgerError naming the line for anything but a last line cut short.
 */
export function readLedger(file: string): LedgerContents {
  const text = readFileSync(file, "utf8");
  const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
  const lines = complete.split("\n").slice(0, -1);
  let start: LedgerContents["start"] | null = null;
  const sessions: Session[] = [{ units: [], recovered: null }];
  const byNumber = new Map<number, LoggedUnit>();
  let lastUnit = 0;
  lines.forEach((text, index) => {
    const where = `${file}:${index + 1}`;
    let line: LedgerLine;
    try {
      line = JSON.parse(text) as LedgerLine;
    } catch {
      throw new LedgerError(`${where}: not a ledger line: ${text.slice(0, 80)}`);
    }
    const session = sessions.at(-1) as Session;
    if (line.t === "start") {
      if (index !== 0) throw new LedgerError(`${where}: a second start line`);
      start = line;
    } else if (index === 0) {
      throw new LedgerError(`${where}: a crash-test ledger begins with its start line`);
    } else if (line.t === "do") {
      const logged = { unit: line.unit, ack: null };
      session.units.push(logged);
      byNumber.set(line.unit.n, logged);
      lastUnit = Math.max(lastUnit, line.unit.n);
    } else if (line.t === "ok") {
      const logged = byNumber.get(line.n);
      if (logged === undefined || logged.ack !== null || !session.units.includes(logged)) {
        throw new LedgerError(`${where}: acknowledges unit ${line.n}, not one this writer made`);
      }
      logged.ack = line;
    } else if (line.t === "recovered") {
      session.recovered = line;
      sessions.push({ units: [], recovered: null });
    } else if (line.t !== "session") {
      throw new LedgerError(`${where}: unknown line ${text.slice(0, 80)}`);
    }
  });
  if (start === null) throw new LedgerError(`${file}: empty; it begins with its start line`);
  return { start, sessions, nextUnit: lastUnit + 1 };
}
