// The checkpoint loop's protocol with agents in this thread (AgentLoop directly, no worker
// threads) over an in-thread store: checkpoints, audits and rollbacks pass on an honest store,
// and each kind of store misbehaviour is caught by the check meant for it.
import { afterEach, describe, expect, it } from "vitest";
import { Store, type StoreApi } from "../../src/index.js";
import { AgentLoop } from "../../src/load/agent-loop.js";
import { CheckpointLoop, type RunPlan, type RunResult } from "../../src/load/checkpoint-loop.js";
import { OpCounters } from "../../src/load/counters.js";
import { Replica } from "../../src/load/replica.js";

const stores: Store[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
});

/** A seed whose plan rolls back past the newest checkpoint (found by trying seeds). */
const SEED_WITH_OLDER_ROLLBACK = 0;

const plan: RunPlan = {
  steps: 60,
  durationSeconds: null,
  checkpoints: 6,
  failures: 2,
  seed: 3,
  sabotage: false,
  sabotageReplica: false,
};

/** A real in-thread store, except for the methods `misbehave` returns for it. */
function storeWith(misbehave: (real: Store) => Partial<StoreApi> = () => ({})): StoreApi {
  const store = new Store({ shards: 0 });
  stores.push(store);
  const overrides = misbehave(store);
  return new Proxy(store, {
    get(target, name) {
      if (name in overrides) return overrides[name as keyof StoreApi];
      const value = Reflect.get(target, name, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as StoreApi;
}

async function run(
  store: StoreApi,
  changes: Partial<RunPlan> = {},
  replica: Replica | null = null,
): Promise<RunResult> {
  const counters = new OpCounters();
  const agents = [0, 1, 2].map(
    (agent) => new AgentLoop(store, { agent, agents: 3, seed: 3, valueSize: 200 }, counters),
  );
  const quiet = { checkpointTaken() {}, rolledBack() {} };
  return new CheckpointLoop(store, agents, { ...plan, ...changes }, quiet, replica).run();
}

describe("the checkpoint loop", () => {
  it("checkpoints, audits and rolls back an honest store without a difference", async () => {
    const result = await run(storeWith());
    expect(result.differences).toEqual([]);
    expect(result.audits).toBe(6);
    // A run in steps is reproducible: these figures follow from the plan and its seed alone.
    expect(result.rollbacks).toEqual([
      { at: 2, to: 1, writesUndone: 156 },
      { at: 5, to: 4, writesUndone: 156 },
    ]);
    expect(result.fullChecks).toBe(3); // after each rollback, and at the end
    expect(result.stepsRun).toBe(180);
    expect(result.stepsKept).toBe(120);
    expect(result.final?.entries).toBe(153);
  });

  it("ends in the same state for the same seed", async () => {
    const [a, b] = [await run(storeWith()), await run(storeWith())];
    expect(a.final?.fingerprint).toBe(b.final?.fingerprint);
    const other = await run(storeWith(), { seed: 4 });
    expect(other.final?.fingerprint).not.toBe(a.final?.fingerprint);
  });

  it("catches a write the store acknowledged but lost, in the next audit", async () => {
    const lossy = storeWith((real) => ({
      set: (namespace, key, value) =>
        namespace === "memory-1" && key === "fact-3"
          ? Promise.resolve()
          : real.set(namespace, key, value),
    }));
    const result = await run(lossy);
    expect(result.failedCheck).toMatch(/^audit of checkpoint \d+/);
    expect(result.differences).toEqual([
      "memory-1/fact-3: the ledgers say added (last written by agent-1 at step 3 (epoch 1)), " +
        "the store's diff does not",
    ]);
  });

  it("catches a restore that did not happen, in the check after the rollback", async () => {
    const result = await run(storeWith(() => ({ restore: () => Promise.resolve() })));
    expect(result.failedCheck).toBe("check after rolling back to checkpoint 1");
    expect(result.differences).toHaveLength(86);
  });

  it("catches an agent resuming from the wrong state, at its first read", async () => {
    let reads = 0;
    const stale = storeWith((real) => ({
      get: ((namespace: string, key: string) =>
        namespace === "agent-2" && ++reads === 10
          ? Promise.resolve(undefined)
          : real.get(namespace, key)) as StoreApi["get"],
    }));
    const result = await run(stale);
    expect(result.failedCheck).toBe("agent-2 read agent-2/state");
    expect(result.differences[0]).toMatch(/^got nothing, its ledger says .+/);
  });

  it("catches a value changed behind the agents' backs (--sabotage), in the final check", async () => {
    const result = await run(storeWith(), { sabotage: true });
    expect(result.failedCheck).toBe("final check");
    expect(result.differences).toEqual([
      expect.stringMatching(/^workflow\/task-0: the store holds a different value/),
    ]);
  });

  it("keeps a replica equal by changesets, across a rollback to an older checkpoint", async () => {
    const [store, copy] = [storeWith(), storeWith()];
    const replica = new Replica(copy);
    const result = await run(store, { seed: SEED_WITH_OLDER_ROLLBACK }, replica);
    expect(result.rollbacks.some(({ at, to }) => to < at - 1)).toBe(true);
    expect(result.differences).toEqual([]);
    expect(result.replicaMatched).toBe(true);
    expect(replica.costs.changesets).toBe(result.checkpointsKept);
    // Every snapshot was released: the checkpoints', and the one the replica mirrored last.
    expect(await store.snapshots()).toEqual([]);
    expect(await copy.snapshots()).toEqual([]);
  });

  it("catches a changeset the replica did not apply, in the replica check", async () => {
    let applied = 0;
    const skipping = storeWith((real) => ({
      apply: (changeset) => (++applied === 3 ? Promise.resolve() : real.apply(changeset)),
    }));
    const result = await run(storeWith(), {}, new Replica(skipping));
    expect(result.failedCheck).toBe("the replica check (its entries against the store's)");
    expect(result.replicaMatched).toBe(false);
    expect(result.differences.length).toBeGreaterThan(0);
    expect(result.differences.at(-1)).toMatch(/^the replica's values take \d+ bytes encoded/);
  });
});
