// comlink's transfer handlers are one table per thread, shared with every other user of comlink:
// importing swarmstate must leave it alone, and serving or reaching a store registers
// swarmstate's handlers once. Each of the first two checks runs in a fresh worker thread
// (test/fixtures/transfer-handler-probe.mjs), whose table nobody touched before it.
import { once } from "node:events";
import { Worker } from "node:worker_threads";
import { type TransferHandler, transferHandlers } from "comlink";
import { describe, expect, it } from "vitest";

const comlinkOwn = new Map(transferHandlers);

interface ProbeReport {
  before: string[];
  /** Each handler after, and whether it is still comlink's own. */
  after: [name: string, comlinks: boolean][];
  unchanged?: boolean;
}

async function probe(mode: "import" | "connect"): Promise<ProbeReport> {
  const worker = new Worker(new URL("../fixtures/transfer-handler-probe.mjs", import.meta.url), {
    workerData: mode,
  });
  try {
    const [report] = (await Promise.race([
      once(worker, "message"),
      once(worker, "error").then(([error]) => Promise.reject(error)),
    ])) as [ProbeReport];
    return report;
  } finally {
    await worker.terminate();
  }
}

describe("comlink transfer handlers", () => {
  it("are left untouched by importing swarmstate", async () => {
    const report = await probe("import");
    expect(report.before).toEqual(["proxy", "throw"]);
    expect(report.after).toEqual([
      ["proxy", true],
      ["throw", true],
    ]);
  });

  it("are registered once, by the first exposeStore or connectStore of the thread", async () => {
    const report = await probe("connect");
    expect(report.before).toEqual(["proxy", "throw"]);
    expect([...report.after].sort()).toEqual([
      ["proxy", true],
      ["swarmstate:snapshot", false],
      ["throw", false],
    ]);
    expect(report.unchanged).toBe(true);
  });

  it("keep comlink's own wire format for errors, adding a field for swarmstate's", async () => {
    const { Store, exposeStore, ShardFailedError } = await import("swarmstate");
    const store = new Store({ shards: 0 });
    exposeStore(store);
    await store.close();
    const ours = transferHandlers.get("throw") as TransferHandler<unknown, unknown>;
    const theirs = comlinkOwn.get("throw") as TransferHandler<unknown, unknown>;

    const plain = { value: new Error("not ours") };
    expect(ours.serialize(plain)).toEqual(theirs.serialize(plain));

    const failed = { value: new ShardFailedError(1, "gone", { cause: new Error("exit 1") }) };
    const [wire] = ours.serialize(failed);
    const [comlinkWire] = theirs.serialize(failed);
    expect(wire).toEqual({
      ...(comlinkWire as object),
      swarmstate: {
        name: "ShardFailedError",
        message: "shard 1 failed: gone",
        shard: 1,
        cause: { name: "Error", message: "exit 1" },
      },
    });
  });
});
