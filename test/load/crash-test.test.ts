// `swarmstate crash-test` as users run it: the built CLI in its own process, killing writer
// processes of its own with SIGKILL and checking the reopened store after each kill.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CrashTestReport } from "../../src/crash/crash-report.js";
import { swarmstateWithin, unprivilegedSwarmstate } from "../fixtures/cli.js";
import { closedDirectory } from "../fixtures/unprivileged.js";

const root = mkdtempSync(join(tmpdir(), "swarmstate-crash-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const swarmstate = (...args: string[]) => swarmstateWithin(90_000, ...args);

let dirs = 0;
function freshDir(): string {
  return join(root, `test-${++dirs}`);
}

describe("swarmstate crash-test", () => {
  it("kills the writer 10 times and finds every acknowledged write, batch and snapshot", async () => {
    const path = freshDir();
    const { code, stdout, stderr } = await swarmstate(
      "crash-test",
      ...["--path", path, "--kills", "10", "--shards", "2", "--seed", "7", "--json"],
    );
    expect(stderr).toMatch(/^kill 10\/10: .* as the ledger says$/m);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as CrashTestReport;
    expect(report).toMatchObject({
      ok: true,
      settings: { path, kills: 10, shards: 2, durability: "sync", seed: 7 },
      kills: 10,
      lostWithinAsyncWindow: 0,
      failures: [],
      failedAfterKill: null,
    });
    // How much a writer does before its kill depends on the machine's speed, so only that some
    // writers opened the store and had work acknowledged (the seed decides which kills come
    // while a writer is still opening, the same on every machine).
    expect(report.killedWhileOpening).toBeLessThan(report.kills);
    expect(report.acknowledged.batches).toBeGreaterThan(0);
    expect(report.acknowledged.writes).toBeGreaterThan(report.acknowledged.batches);
    expect(report.acknowledged.snapshots).toBeGreaterThan(0);
    expect(report.snapshotChecks.contents).toBeGreaterThan(0);
    expect(report.reopen.count).toBe(10);
    expect(report.store?.entries).toBeGreaterThan(0);

    // The directory can be continued: first the store as it was left, then more kills.
    const again = await swarmstate("crash-test", "--path", path, "--kills", "1");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^the store as the last run left it: .* as the ledger says$/m);
    expect(again.stdout).toContain("verified: after every kill, every acknowledged write");
    expect(again.stdout).toContain("1 kill of the writer, 2 shards, durability sync");
  }, 120_000);

  it("fails with exit code 1, naming the key, when an acknowledged write goes missing", async () => {
    const { code, stdout, stderr } = await swarmstate(
      "crash-test",
      ...["--path", freshDir(), "--kills", "2", "--shards", "2", "--sabotage"],
    );
    expect(code).toBe(1);
    const deleted = /^sabotage: deleted (\S+) behind the ledger's back$/m.exec(stdout)?.[1];
    expect(deleted).toBeDefined();
    // The first kill that leaves an acknowledged write to delete (with this seed, the first).
    expect(stdout).toMatch(/^FAILED after kill \d: no prefix of the writer's/m);
    expect(stderr).toMatch(/^swarmstate crash-test: the check failed after kill \d:$/m);
    expect(stderr).toMatch(
      new RegExp(
        `^ {2}${deleted}: the ledger says unit \\d+'s item \\d+ \\(a \\w+, acknowledged\\), the store holds nothing$`,
        "m",
      ),
    );
  }, 60_000);

  it("refuses bad flags, and a directory that is not a crash test's, with exit code 2", async () => {
    expect(await swarmstate("crash-test", "--kills", "3")).toEqual({
      code: 2,
      stdout: "",
      stderr: "swarmstate crash-test: --path is required: the directory of the test (see --help)\n",
    });
    const path = freshDir();
    const bad = [
      [["--kills", "0"], "--kills must be between 1 and 100000, got 0"],
      [["--durability", "fast"], "--durability must be sync or async, got 'fast'"],
      [["--shards", "0"], "--shards must be between 1 and 64, got 0"],
      [["--kils", "3"], "unknown flag --kils (see --help)"],
    ] as const;
    for (const [flags, message] of bad) {
      const outcome = await swarmstate("crash-test", "--path", path, ...flags);
      expect([outcome.code, outcome.stderr]).toEqual([2, `swarmstate crash-test: ${message}\n`]);
    }
    const foreign = freshDir();
    mkdirSync(foreign);
    writeFileSync(join(foreign, "notes.txt"), "mine");
    const refused = await swarmstate("crash-test", "--path", foreign);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("not empty and not a crash-test directory");
  });

  it("refuses a --path it cannot use with one line and exit code 2, changing nothing", async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const file = join(dir, "file");
    writeFileSync(file, "mine");
    expect(await swarmstate("crash-test", "--path", file, "--kills", "1")).toEqual({
      code: 2,
      stdout: "",
      stderr: `swarmstate crash-test: --path ${file}: not a directory; choose an empty or new directory\n`,
    });
    const foreign = join(dir, "foreign");
    mkdirSync(foreign);
    writeFileSync(join(foreign, "ledger.jsonl"), "not a ledger\n");
    expect(await swarmstate("crash-test", "--path", foreign, "--kills", "1")).toEqual({
      code: 2,
      stdout: "",
      stderr: `swarmstate crash-test: --path: ${foreign}/ledger.jsonl:1: not a ledger line: not a ledger\n`,
    });
    const closed = closedDirectory();
    try {
      const denied = join(closed.dir, "test");
      expect(
        await unprivilegedSwarmstate(20_000, "crash-test", "--path", denied, "--kills", "1"),
      ).toEqual({
        code: 2,
        stdout: "",
        stderr: `swarmstate crash-test: --path ${denied}: EACCES: permission denied, mkdir '${denied}'\n`,
      });
      expect(readdirSync(closed.dir)).toEqual([]);
    } finally {
      closed.remove();
    }
    expect(readdirSync(dir).sort()).toEqual(["file", "foreign"]);
    expect(readdirSync(foreign)).toEqual(["ledger.jsonl"]);
    expect(readFileSync(join(foreign, "ledger.jsonl"), "utf8")).toBe("not a ledger\n");
    expect(readFileSync(file, "utf8")).toBe("mine");
  });

  it("refuses to continue a test with another shard count or durability", async () => {
    const path = freshDir();
    const first = await swarmstate("crash-test", "--path", path, "--kills", "1", "--shards", "1");
    expect(first.code).toBe(0);
    const shards = await swarmstate("crash-test", "--path", path, "--shards", "2");
    expect(shards.code).toBe(2);
    expect(shards.stderr).toContain(`--shards 2: the crash test in ${path} has 1 shards`);
    const async = await swarmstate("crash-test", "--path", path, "--durability", "async");
    expect(async.code).toBe(2);
    expect(async.stderr).toContain("uses sync (leave --durability out to continue it)");
  }, 60_000);

  it("explains every flag with --help, and is listed in swarmstate --help", async () => {
    const { code, stdout } = await swarmstate("crash-test", "--help");
    expect(code).toBe(0);
    for (const flag of ["--path", "--kills", "--shards", "--durability", "--seed", "--json"]) {
      expect(stdout).toContain(flag);
    }
    expect((await swarmstate("--help")).stdout).toContain("crash-test");
  });
});
