import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Store } from "swarmstate";
import { afterEach, describe, expect, it } from "vitest";
import { type Ended, runToEnd } from "../fixtures/ended.js";

const run = promisify(execFile);
const entry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
const forgetful = fileURLToPath(new URL("../fixtures/forgetful-program.mjs", import.meta.url));

/** Longer than any of these programs takes; one that hangs is killed at this bound and fails. */
const BOUND_MS = 20_000;

type Work = "one-set" | "full";
type Ending = "natural" | "exit" | "throw";

/** Runs the forgetful program (see its file); settles when it has ended. */
function runForgetful(options: object, work: Work, ending: Ending): Promise<Ended> {
  const args = [forgetful, JSON.stringify(options), work, ending];
  return runToEnd(process.execPath, args, BOUND_MS);
}

describe("process lifecycle", () => {
  it("lets a program that closes its store exit on its own", async () => {
    const program = `
      const { Store } = await import(${JSON.stringify(entry)});
      const store = new Store({ shards: 2 });
      await store.set("n", "k", { ok: true });
      const snap = await store.snapshot();
      console.log(JSON.stringify(await snap.get("n", "k")));
      await store.close();
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], {
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('{"ok":true}');
  });

  it("lets an agent thread that never closes its RemoteStore exit once its work is done", async () => {
    // The agent's last call is still in flight when its script ends: the thread must wait for
    // the answer (it posts it), then exit although its client was never closed. (The worker
    // inherits --input-type=module.)
    const agent = `
      const { parentPort, workerData } = await import("node:worker_threads");
      const { connectStore } = await import(${JSON.stringify(entry)});
      const remote = await connectStore(workerData.port);
      await remote.set("n", "k", { step: 1 });
      remote.get("n", "k").then((value) => parentPort.postMessage(value));
    `;
    const program = `
      const { Worker } = await import("node:worker_threads");
      const { Store, exposeStore } = await import(${JSON.stringify(entry)});
      const store = new Store({ shards: 1 });
      const port = exposeStore(store);
      const worker = new Worker(${JSON.stringify(agent)}, {
        eval: true, workerData: { port }, transferList: [port],
      });
      worker.on("message", (value) => console.log(JSON.stringify(value)));
      await new Promise((resolve) => worker.once("exit", resolve));
      console.log("agent exited");
      await store.close();
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], {
      timeout: 20_000,
    });
    expect(stdout.trim().split("\n")).toEqual(['{"step":1}', "agent exited"]);
  });

  describe("a program that never calls close() ends by itself", () => {
    /** What every ending prints: the acknowledgement, then, for a thrown error, the error. */
    const expectEnded = (ended: Ended, ending: Ending) => {
      expect(ended.stdout).toBe("acknowledged\n");
      if (ending === "throw") {
        expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 1, signal: null });
        expect(ended.stderr).toContain("the program failed after its last acknowledgement");
      } else {
        expect(ended).toMatchObject({ code: 0, signal: null, stderr: "" });
      }
    };

    const memoryStores = [{ shards: 0 }, { shards: 1 }, { shards: 2 }, {}];
    for (const options of memoryStores) {
      for (const work of ["one-set", "full"] as const) {
        it(`in memory, ${JSON.stringify(options)}, ${work}, when its work is done`, async () => {
          const ended = await runForgetful(options, work, "natural");
          expect(ended).toEqual({ code: 0, signal: null, stdout: "acknowledged\n", stderr: "" });
        });
      }
    }
    for (const options of [{ shards: 0 }, { shards: 2 }]) {
      for (const ending of ["exit", "throw"] as const) {
        it(`in memory, ${JSON.stringify(options)}, ending ${ending}`, async () => {
          expectEnded(await runForgetful(options, "full", ending), ending);
        });
      }
    }

    const dirs: string[] = [];
    afterEach(() => {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    const durableStores = [
      { shards: 0, durability: "sync" },
      { shards: 0, durability: "async" },
      { shards: 2, durability: "sync" },
      { shards: 2, durability: "async" },
      { shards: 1, durability: "async" },
    ];
    for (const options of durableStores) {
      for (const ending of ["natural", "exit", "throw"] as const) {
        it(`durable, ${JSON.stringify(options)}, ending ${ending}, keeps all it acknowledged`, async () => {
          const dir = mkdtempSync(join(tmpdir(), "swarmstate-forgetful-"));
          dirs.push(dir);
          const path = join(dir, "store");
          expectEnded(await runForgetful({ ...options, path }, "full", ending), ending);
          const reopened = new Store({ path });
          try {
            expect(await reopened.size()).toBe(1001);
            expect(await reopened.get("ns-5", "key-999")).toEqual({
              i: 999,
              pad: "x".repeat(10_000),
            });
            const [snapshot, ...more] = await reopened.snapshots();
            expect(more).toEqual([]);
            expect(await snapshot?.get("first", "key")).toEqual({ awaited: true });
            expect(await snapshot?.get("ns-0", "key-0")).toBeUndefined();
          } finally {
            await reopened.close();
          }
        });
      }
    }
  });
});
