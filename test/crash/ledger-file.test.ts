import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { LedgerWriter, readLedger } from "../../src/crash/ledger-file.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("the crash test's ledger", () => {
  it("cuts off a line a killed writer left short before appending after it", () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmstate-ledger-"));
    dirs.push(dir);
    const file = join(dir, "ledger.jsonl");
    const start = `${JSON.stringify({ t: "start", shards: 2, durability: "sync" })}\n`;
    const session = `${JSON.stringify({ t: "session", session: 1, pid: 7 })}\n`;
    const cutShort = `{"t":"do","unit":{"op":"burst","n":1,"calls":[["set","ns3"`;
    writeFileSync(file, start + session + cutShort);
    expect(readLedger(file).sessions[0]?.units).toEqual([]); // the short line is ignored
    const writer = new LedgerWriter(file);
    writer.append({ t: "recovered", kept: 0 });
    writer.close();
    expect(readFileSync(file, "utf8")).toBe(
      `${start}${session}${JSON.stringify({ t: "recovered", kept: 0 })}\n`,
    );
    expect(readLedger(file).sessions[0]?.recovered).toEqual({ t: "recovered", kept: 0 });
  });
});
