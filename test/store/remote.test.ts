import type { MessagePort, Worker } from "node:worker_threads";
import type { Remote } from "comlink";
import {
  BadChangesetError,
  connectStore,
  type Diff,
  exposeStore,
  ShardFailedError,
  Snapshot,
  SnapshotReleasedError,
  Store,
  StoreClosedError,
  SwarmStateError,
} from "swarmstate";
import { afterEach, describe, expect, it, vi } from "vitest";
// The built package's own modules, as "swarmstate" is: one copy of the library, so errors
// rebuilt by its handlers are instances of the classes imported above.
import { shardOf } from "../../dist/core/protocol/hash.js";
import { Coordinator } from "../../dist/store/coordinator.js";
import { serve } from "../../dist/store/expose-store.js";
import { hostFactoryFor } from "../../dist/store/hosts.js";
import { startAgentOn as startAgentThread } from "../fixtures/agent.js";

interface Agent {
  writeBurst(namespace: string, count: number): Promise<void>;
  snapshot(): Promise<Snapshot>;
  restore(snapshot: Snapshot): Promise<void>;
  diff(snapshot: Snapshot, base: Snapshot): Promise<Diff>;
  changes(snapshot: Snapshot, base: Snapshot): Promise<Uint8Array>;
  apply(changeset: Uint8Array): Promise<void>;
  snapshotIds(): Promise<number[]>;
  readFrom(snapshot: Snapshot, namespace: string, key: string): Promise<unknown>;
  writeThenDie(namespace: string): Promise<void>;
  burstForever(namespaces: string[]): Promise<void>;
  throwError(name: string): Promise<void>;
  close(): Promise<void>;
}

const agentScript = new URL("../fixtures/remote-agent.mjs", import.meta.url);
const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function openStore(shards: number): Store {
  const store = new Store({ shards });
  cleanup.push(() => store.close());
  return store;
}

/** Starts an agent thread connected to `store`; returns its comlink handle and its thread. */
function startAgent(store: Store): { agent: Remote<Agent>; worker: Worker } {
  return startAgentOn(exposeStore(store));
}

/** Starts an agent thread connected to the store served on `storePort`. */
function startAgentOn(storePort: MessagePort): { agent: Remote<Agent>; worker: Worker } {
  const started = startAgentThread<Agent>(storePort, agentScript);
  cleanup.push(() => started.worker.terminate());
  return started;
}

describe("remote stores", () => {
  it("give another thread the same store, with snapshots usable from either side", async () => {
    const store = openStore(2);
    const { agent } = startAgent(store);
    await agent.writeBurst("agent-a", 500);
    expect(await store.size()).toBe(500);
    expect(await store.get("agent-a", "k42")).toEqual({ i: 42 });

    const fromAgent = await agent.snapshot(); // a Snapshot crossing threads
    expect(fromAgent).toBeInstanceOf(Snapshot);
    await store.set("agent-a", "k0", "changed here");
    const here = await store.snapshot();
    expect(await here.diff(fromAgent)).toEqual({
      added: [],
      removed: [],
      changed: [["agent-a", "k0"]],
    });
    expect(await agent.diff(here, fromAgent)).toEqual({
      added: [],
      removed: [],
      changed: [["agent-a", "k0"]],
    });
    await agent.restore(fromAgent);
    expect(await store.get("agent-a", "k0")).toEqual({ i: 0 });
  });

  it("list snapshots, write changesets and apply them from another thread", async () => {
    const store = openStore(2);
    const { agent } = startAgent(store);
    await agent.writeBurst("agent-a", 50);
    const base = await store.snapshot();
    await agent.writeBurst("agent-b", 20);
    const target = await agent.snapshot();
    expect(await agent.snapshotIds()).toEqual([1, 2]);
    await base.release();
    expect(await agent.snapshotIds()).toEqual([2]);

    await store.clear();
    const cleared = await store.snapshot();
    const changeset = await agent.changes(target, cleared); // computed in the agent's thread
    expect(Buffer.from(changeset)).toEqual(Buffer.from(await target.changes(cleared)));

    const replica = openStore(0);
    const { agent: replicaAgent } = startAgent(replica);
    await replicaAgent.apply(changeset);
    expect(await replica.size()).toBe(70);
    expect(await replica.get("agent-b", "k19")).toEqual({ i: 19 });
    const refused = await replicaAgent.apply(changeset.subarray(0, 40)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadChangesetError);
    expect(await replica.size()).toBe(70);
  });

  it("keep error classes across threads", async () => {
    const store = openStore(1);
    const { agent } = startAgent(store);
    const snap = await store.snapshot();
    await snap.release();
    const error = await agent.readFrom(snap, "n", "k").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotReleasedError);
    expect((error as Error).message).toContain("snapshot 1 was released");
  });

  it("keep every error class, with its code, shard and cause, through comlink's throw", async () => {
    const store = openStore(0);
    const { agent } = startAgent(store);
    const thrown: [new (...args: never[]) => Error, Record<string, unknown>][] = [
      [SwarmStateError, { code: "ERR_SWARMSTATE" }],
      [StoreClosedError, { code: "ERR_SWARMSTATE_CLOSED" }],
      [SnapshotReleasedError, { code: "ERR_SWARMSTATE_SNAPSHOT_RELEASED" }],
      [
        ShardFailedError,
        {
          code: "ERR_SWARMSTATE_SHARD_FAILED",
          shard: 3,
          message: "shard 3 failed: thrown in the agent",
        },
      ],
      [BadChangesetError, { code: "ERR_SWARMSTATE_BAD_CHANGESET" }],
      [TypeError, {}],
      [RangeError, {}],
    ];
    for (const [kind, fields] of thrown) {
      const error = await agent.throwError(kind.name).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(kind);
      expect(error).toMatchObject({ name: kind.name, message: "thrown in the agent", ...fields });
      expect(((error as Error).cause as Error).message).toBe("the cause");
    }
    // Any other error is what comlink alone makes of it: a plain Error with the message.
    const other = await agent.throwError("Error").catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Error);
    expect(other).not.toBeInstanceOf(SwarmStateError);
    expect((other as Error).message).toBe("thrown in the agent");
  });

  it("check arguments and values in the client's thread, as Store does", async () => {
    const store = openStore(1);
    const client = await connectStore(exposeStore(store));
    cleanup.push(() => client.close());
    await expect(client.set("n", "k", { when: new Date() } as never)).rejects.toThrow(
      "set: value.when: Date is not supported",
    );
    await expect(client.setMany([["n", "k", 1], 5] as never)).rejects.toThrow(TypeError);
    expect(await store.size()).toBe(0);
    await client.set("n", "k", { big: 2n ** 60n, bytes: new Uint8Array([1, 2]) });
    expect(await client.get("n", "k")).toEqual(await store.get("n", "k"));
    expect(await client.get("n", "missing", "default")).toBe("default");
    expect(
      await client.getMany([
        ["n", "missing"],
        ["n", "k"],
      ]),
    ).toEqual([undefined, { big: 2n ** 60n, bytes: new Uint8Array([1, 2]) }]);
    expect([client.shards, client.maxHistory, client.codec]).toEqual([1, null, "msgpack"]);
    // Read back as stored, through snapshots too: -0 stays -0 (a float64, not the integer 0).
    await client.set("n", "zero", -0);
    const snap = await client.snapshot();
    expect(Object.is(await snap.get("n", "zero"), -0)).toBe(true);
    expect(Object.is(await client.get("n", "zero"), -0)).toBe(true);
  });

  it("send the calls a client makes in one tick as one message", async () => {
    const store = openStore(2);
    const port = exposeStore(store);
    let messages = 0;
    const post = port.postMessage.bind(port);
    port.postMessage = (...args: Parameters<MessagePort["postMessage"]>) => {
      messages++;
      post(...args);
    };
    const client = await connectStore(port);
    cleanup.push(() => client.close());
    const before = messages;
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) calls.push(client.set(`ns${i % 7}`, `k${i}`, i));
    calls.push(client.delete("ns0", "k0"));
    const snap = client.snapshot();
    await Promise.all(calls);
    expect(messages - before).toBe(1);
    // The snapshot holds all 1000 writes and the delete: values 1..999, encoded as msgpack
    // integers of 1 byte (1..127), 2 (128..255) and 3 (256..999).
    expect((await snap).sizeBytes).toBe(127 * 1 + 128 * 2 + 744 * 3);
    expect(await client.size()).toBe(999);
  });

  it("keep each client's order while many clients interleave", async () => {
    const store = openStore(2);
    const clients = await Promise.all([0, 1, 2].map(() => connectStore(exposeStore(store))));
    for (const client of clients) cleanup.push(() => client.close());
    await Promise.all(
      clients.map(async (client, c) => {
        const calls: Promise<unknown>[] = [];
        for (let i = 0; i < 200; i++) calls.push(client.set("shared", `c${c}`, i));
        calls.push(client.delete("shared", `c${c}`), client.set("shared", `c${c}`, "last"));
        await Promise.all(calls);
      }),
    );
    expect(
      await store.getMany([
        ["shared", "c0"],
        ["shared", "c1"],
        ["shared", "c2"],
      ]),
    ).toEqual(["last", "last", "last"]);
  });

  it("keep snapshots usable through any client of the store, after the one that took them closes", async () => {
    const store = openStore(1);
    const first = await connectStore(exposeStore(store));
    const second = await connectStore(exposeStore(store));
    cleanup.push(() => second.close());
    await first.set("n", "k", 1);
    const taken = await first.snapshot();
    await first.close();
    await second.set("n", "k", 2);
    const later = await second.snapshot();
    expect(await later.diff(taken)).toEqual({ added: [], removed: [], changed: [["n", "k"]] });
    expect(await taken.get("n", "k")).toBe(1);
    await second.restore(taken);
    expect(await store.get("n", "k")).toBe(1);
  });

  it("refuse snapshots of another store and reject with StoreClosedError once closed", async () => {
    const store = openStore(1);
    const other = openStore(0);
    const client = await connectStore(exposeStore(store));
    const foreign = await other.snapshot();
    await expect(client.restore(foreign)).rejects.toBeInstanceOf(SwarmStateError);
    await client.close();
    await expect(client.get("n", "k")).rejects.toBeInstanceOf(StoreClosedError);

    const second = await connectStore(exposeStore(store));
    // Made as the store closes: applied if it reaches its shard first, else refused; answered
    // either way, never left waiting.
    const pending = second.set("n", "k", 1).then(
      () => "applied",
      (error: unknown) => error,
    );
    await store.close();
    const outcome = await pending;
    if (outcome !== "applied") expect(outcome).toBeInstanceOf(StoreClosedError);
    await expect(second.size()).rejects.toBeInstanceOf(StoreClosedError);
  });

  it("carry on when a client thread is killed mid-burst, leaving no shard with part of a batch", async () => {
    const store = openStore(2);
    const namespaces = ["d0", "d1", "d2", "d3", "d4", "d5"];
    // Both shards hold some of them.
    expect(new Set(namespaces.map((ns) => shardOf(ns, 2)))).toEqual(new Set([0, 1]));
    const { agent, worker } = startAgent(store);
    void agent.burstForever(namespaces).catch(() => {});
    await vi.waitFor(async () => expect(await store.has("d0", "b50")).toBe(true));
    await worker.terminate();
    // Cuts still complete and other clients carry on.
    const after = await store.snapshot();
    const other = startAgent(store).agent;
    await other.writeBurst("other", 100);
    expect(await store.size()).toBeGreaterThan(100);
    // Per shard, the dead client's bursts form a prefix, each one whole: every namespace of the
    // shard holds b0…b(m-1) for the same m. Across shards m differs by at most the one flush the
    // thread was killed in the middle of posting.
    const pairs = await after.keys();
    const reached = [0, 1].map((shard) => {
      const counts = namespaces
        .filter((ns) => shardOf(ns, 2) === shard)
        .map(async (ns) => {
          const keys = pairs.filter(([n]) => n === ns).map(([, key]) => key);
          expect(keys.sort()).toEqual(
            Array.from({ length: keys.length }, (_, n) => `b${n}`).sort(),
          );
          return keys.length;
        });
      return Promise.all(counts);
    });
    const [first, second] = await Promise.all(reached);
    expect(new Set(first).size).toBe(1);
    expect(new Set(second).size).toBe(1);
    expect(Math.abs((first?.[0] ?? 0) - (second?.[0] ?? 0))).toBeLessThanOrEqual(1);
  });

  it("fail every client with ShardFailedError naming the shard when a shard dies", async () => {
    // The store's shards are the crashing fixture: a set in "crash-now" kills shard 1.
    const crashing = new URL("../fixtures/crashing-shard-worker.mjs", import.meta.url);
    const coordinator = new Coordinator(2, hostFactoryFor(2, crashing), null);
    cleanup.push(() => coordinator.close());
    const { agent } = startAgentOn(serve(coordinator, 2, null));
    await agent.writeBurst("healthy", 10);
    const error = await agent.writeBurst("crash-now", 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardFailedError);
    expect(error).toMatchObject({ shard: 1, message: "shard 1 failed: its worker thread exited" });
    const later = await agent.writeBurst("healthy", 1).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(ShardFailedError);
    expect(later).toMatchObject({ shard: 1 });
    await vi.waitFor(() => expect(() => coordinator.own.ensureUsable()).toThrow("shard 1 failed"));
  });

  it("lose nothing already applied when a client thread dies", async () => {
    const store = openStore(2);
    const { agent, worker } = startAgent(store);
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    void agent.writeThenDie("dying").catch(() => {});
    await exited;
    expect(await store.keys("dying")).toEqual(Array.from({ length: 10 }, (_, i) => `applied${i}`));
    expect(await store.get("dying", "applied9")).toBe(9);
  });
});
