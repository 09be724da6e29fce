import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { StoreLockedError } from "../../src/core/errors.js";
import { type LockStep, lockStore } from "../../src/durable/process-lock.js";
import { scratchPerTest } from "../fixtures/scratch.js";

const scratch = scratchPerTest("swarmstate-lock-");
const contenderScript = fileURLToPath(new URL("../fixtures/lock-contender.mjs", import.meta.url));

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs test/fixtures/lock-contender.mjs to its end, however it ends. */
function contender(rounds: number, kill?: string): Promise<Ended> {
  const args = [contenderScript, scratch(), join(scratch(), "holder"), String(rounds)];
  if (kill !== undefined) args.push(kill);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, args, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
    });
  });
}

/** Takes the lock here and releases it: what the next opener of a store would do. */
function takeAndRelease(): void {
  const release = lockStore(scratch());
  release();
}

const steps: { step: LockStep; count: number }[] = [
  // Taking it: before the claim is written, before it is linked, before the check that no
  // higher claim exists, before the claims below are removed.
  { step: "write", count: 1 },
  { step: "link", count: 1 },
  { step: "list", count: 1 },
  { step: "clean", count: 1 },
  // Releasing it (after one whole round), at each of its steps.
  { step: "write-free", count: 2 },
  { step: "free", count: 2 },
  { step: "remove", count: 2 },
];

describe("the lock of a store directory", () => {
  it("refuses a second holder while the first lives, and is free once it releases", () => {
    const release = lockStore(scratch());
    expect(() => lockStore(scratch())).toThrow(StoreLockedError);
    release();
    takeAndRelease();
  });

  it.each(steps)(
    "is taken over after its holder was killed before step $step",
    async ({ step, count }) => {
      const rounds = count; // each step comes once a round: the count-th is in the last one
      const ended = await contender(rounds, `${step}:${count}`);
      expect(ended).toMatchObject({ signal: "SIGKILL", stderr: "" });
      takeAndRelease();
      // Taken over again once released: no claim is left that names a live process.
      takeAndRelease();
    },
  );

  it("has exactly one holder at a time among many processes, some killed at random steps", async () => {
    const killed = ["link:3", "list:2", "clean:4", "free:3", "remove:1", "write:5"];
    const contenders = [
      ...killed.map((kill) => contender(20, kill)),
      ...killed.map(() => contender(20)),
    ];
    const ended = await Promise.all(contenders);
    for (const one of ended.slice(0, killed.length)) {
      expect(one).toMatchObject({ signal: "SIGKILL", stderr: "" });
    }
    for (const one of ended.slice(killed.length)) {
      expect(one).toMatchObject({ code: 0, stderr: "" });
      expect(JSON.parse(one.stdout)).toMatchObject({ held: 20 });
    }
    // They did contend: some were refused while another held it.
    const refused = ended
      .slice(killed.length)
      .reduce((sum, one) => sum + (JSON.parse(one.stdout) as { refused: number }).refused, 0);
    expect(refused).toBeGreaterThan(0);
    expect(existsSync(join(scratch(), "holder"))).toBe(false);
    takeAndRelease();
  }, 60_000);
});
