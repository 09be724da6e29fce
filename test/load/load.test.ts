// `swarmstate load` as users run it: the built CLI in its own process, with agent and shard
// worker threads started from dist/.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Store } from "swarmstate";
import { describe, expect, it } from "vitest";
import type { LoadReport } from "../../src/load/load-report.js";
import { swarmstateWithin, unprivilegedSwarmstate } from "../fixtures/cli.js";
import { closedDirectory } from "../fixtures/unprivileged.js";

const swarmstate = (...args: string[]) => swarmstateWithin(20_000, ...args);

const short = ["--steps", "120", "--agents", "3", "--shards", "2", "--value-size", "512"];

describe("swarmstate load", () => {
  it("runs a short swarm, rolls back, and verifies the store against the ledgers", async () => {
    const { code, stdout, stderr } = await swarmstate("load", ...short, "--json", "--seed", "5");
    expect(stderr).toContain("simulated failure, rolled back to checkpoint");
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as LoadReport;
    expect(report.ok).toBe(true);
    expect(report.settings).toMatchObject({ agents: 3, shards: 2, steps: 120, seed: 5 });
    expect(report.verification).toMatchObject({ audits: 12, fullChecks: 4, differences: [] });
    expect(report.verification.readsChecked).toBeGreaterThan(360 * 2);
    expect(report.checkpoints.rollbacks).toHaveLength(3);
    expect(report.checkpoints.kept).toBe(9);
    expect(report.checkpoints.restore.count).toBe(3);
    expect(report.checkpoints.snapshot.count).toBe(13);
    expect(report.steps.count).toBe(360);
    expect(report.steps.kept).toBeLessThan(360);
    const { get, set, delete: del, all } = report.operations;
    expect(get.count).toBe(2 * 360); // each step reads the agent's state and its task
    expect(all.count).toBe(get.count + set.count + del.count);
    expect(get.p50Ms).toBeGreaterThan(0);
    expect(get.p99Ms).toBeGreaterThanOrEqual(get.p50Ms);
    expect(report.store?.entries).toBeGreaterThan(0);
    expect(report.store?.sizeBytes).toBeGreaterThan(report.store?.entries ?? 0);
    // In bytes (a Node process with threads holds tens of MiB), within the machine's memory.
    expect(report.process.rssBytes).toBeGreaterThan(16 * 2 ** 20);
    expect(report.process.rssBytes).toBeLessThan(totalmem());
    expect(report.process.peakRssBytes).toBeGreaterThanOrEqual(report.process.rssBytes);
    // In milliseconds, and no stall outlasts the run.
    expect(report.process.maxEventLoopStallMs).toBeLessThan(report.elapsedSeconds * 1000);

    // A run counted in steps is reproducible, whatever the number of shards.
    const again = await swarmstate("load", ...short, "--json", "--seed", "5", "--shards", "0");
    expect((JSON.parse(again.stdout) as LoadReport).store?.fingerprint).toBe(
      report.store?.fingerprint,
    );
  });

  it("prints a readable report without --json, with plain progress lines off a terminal", async () => {
    const { code, stdout } = await swarmstate("load", ...short, "--checkpoints", "3");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^checkpoint 1\/3: [\d,]+ ops\/s/m);
    expect(stdout).toContain("verified: the store matched the agents' ledgers at every check");
    expect(stdout).toMatch(/^ {2}get +[\d,]+ +[\d,]+ +[\d.]+ +[\d.]+/m);
    expect(stdout).toContain("longest event-loop stall in the main thread");
  });

  it("keeps a replica in step by changesets, across rollbacks to older checkpoints, equal at the end", async () => {
    // Seed 5 rolls back from checkpoint 4 to 2: the changeset after it crosses branches.
    const args = [...short, "--shards", "1", "--json", "--seed", "5", "--replica"];
    const { code, stdout } = await swarmstate("load", ...args);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as LoadReport;
    expect(report.checkpoints.rollbacks.map(({ at, to }) => [at, to])).toContainEqual([4, 2]);
    expect(report.settings).toMatchObject({ replica: true, sabotageReplica: false });
    expect(report.replica).toMatchObject({ shards: 1, changesets: 9, matched: true });
    expect(report.replica?.bytes).toBeGreaterThan(0);
    expect(report.replica?.apply.count).toBe(9);
    const text = await swarmstate("load", ...short, "--checkpoints", "3", "--replica");
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^replica \(2 shards\): kept in step by 1 changeset \([\d.]+ KB in all\); its [\d,]+ entries equal the store's exactly$/m,
    );
  });

  it("fails with exit code 1 and says what differs when the replica does not match", async () => {
    const { code, stdout, stderr } = await swarmstate(
      "load",
      ...short,
      "--replica",
      "--sabotage-replica",
    );
    expect(code).toBe(1);
    expect(stdout).toContain("FAILED: the replica check");
    expect(stderr).toContain(
      "the replica check (its entries against the store's) found 2 difference(s)",
    );
    expect(stderr).toMatch(/workflow\/task-0: the replica holds \S+, the store \S+/);
    expect(stderr).toMatch(/the replica's values take \d+ bytes encoded, the store's \d+/);
  });

  it("runs on a durable store with --path, leaves it there, and refuses one with entries", async () => {
    const root = mkdtempSync(join(tmpdir(), "swarmstate-load-"));
    try {
      const path = join(root, "store");
      const flags = ["--steps", "40", "--agents", "2", "--shards", "2", "--checkpoints", "4"];
      const { code, stdout } = await swarmstate("load", ...flags, "--path", path, "--json");
      expect(code).toBe(0);
      const report = JSON.parse(stdout) as LoadReport;
      expect(report.ok).toBe(true);
      expect(report.settings.path).toBe(path);
      const store = new Store({ path });
      expect(await store.size()).toBe(report.store?.entries);
      await store.close();

      const again = await swarmstate("load", ...flags, "--path", path);
      expect(again.code).toBe(2);
      expect(again.stderr).toBe(
        `swarmstate load: --path ${path}: it holds a store with ${report.store?.entries} ` +
          "entries; the load checks the whole store against its agents' ledgers, so it needs a " +
          "new or empty one\n",
      );
      writeFileSync(join(root, "notes.txt"), "mine");
      const foreign = await swarmstate("load", ...flags, "--path", root);
      expect([foreign.code, foreign.stderr]).toEqual([
        2,
        `swarmstate load: --path: ${root}: not a swarmstate store (it holds files but no ` +
          "swarmstate.json); choose an empty directory\n",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("fails with exit code 1 and says what differed when the store does not match", async () => {
    const { code, stderr } = await swarmstate("load", ...short, "--sabotage");
    expect(code).toBe(1);
    expect(stderr).toContain("final check found 1 difference(s)");
    expect(stderr).toMatch(/workflow\/task-0: the store holds a different value/);
  });

  it("refuses bad flags with a message and exit code 2", async () => {
    expect(await swarmstate("load", "--agents", "0")).toEqual({
      code: 2,
      stdout: "",
      stderr: "swarmstate load: --agents must be between 1 and 64, got 0\n",
    });
    const unknown = await swarmstate("load", "--agnets", "2");
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      "swarmstate load: unknown flag --agnets (see --help)\n",
    ]);
    const command = await swarmstate("lode");
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("swarmstate: unknown command 'lode'");
  });

  it("refuses a --path it cannot use with one line and exit code 2, creating nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmstate-load-"));
    const closed = closedDirectory();
    try {
      writeFileSync(join(dir, "file"), "mine");
      const throughFile = join(dir, "file", "store");
      expect(await swarmstate("load", ...short, "--path", throughFile)).toEqual({
        code: 2,
        stdout: "",
        stderr:
          `swarmstate load: --path: ${throughFile}: cannot read the store's directory: ` +
          `ENOTDIR: not a directory, stat '${throughFile}'\n`,
      });
      const denied = join(closed.dir, "store");
      expect(await unprivilegedSwarmstate(20_000, "load", ...short, "--path", denied)).toEqual({
        code: 2,
        stdout: "",
        stderr:
          `swarmstate load: --path: ${denied}: cannot create the store's directory: ` +
          `EACCES: permission denied, mkdir '${denied}'\n`,
      });
      expect(readdirSync(dir)).toEqual(["file"]);
      expect(readdirSync(closed.dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      closed.remove();
    }
  });

  it("explains every flag with --help", async () => {
    const { code, stdout } = await swarmstate("load", "--help");
    expect(code).toBe(0);
    for (const flag of [
      "--agents",
      "--steps",
      "--duration",
      "--shards",
      "--path",
      "--value-size",
    ]) {
      expect(stdout).toContain(flag);
    }
    for (const flag of ["--seed", "--checkpoints", "--failures", "--json", "--replica", "--help"]) {
      expect(stdout).toContain(flag);
    }
  });
});
