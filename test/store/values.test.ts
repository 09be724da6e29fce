/**
 * The value rules through real threads: a `Store` with `shards: 0`, one with a worker shard,
 * and a `RemoteStore` in an agent thread, where values are built, checked and encoded in that
 * thread. Generated values (see test/fixtures/value-specs.ts) must read back exactly as the
 * single read saw them, in every thread, live and through snapshots; refused ones must fail
 * with the model's error at the model's path and change nothing.
 */
import type { Worker } from "node:worker_threads";
import fc from "fast-check";
import { dumps, Store } from "swarmstate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent } from "../fixtures/agent.js";
import {
  build,
  GETTER_FAILED,
  MAX_DEPTH,
  modelOf,
  pathOf,
  sourceOf,
  specArb,
} from "../fixtures/value-specs.js";

type Attempt = { ok: true } | { ok: false; name: string; message: string };
type Method = "set" | "setMany";

/** What the test needs from a client, in the client's own thread. */
interface Client {
  /** Builds the value from `source` and stores it under ("values", "k"). */
  attempt(method: Method, source: string): Promise<Attempt>;
  /** The value under ("values", "k"), live and through a fresh snapshot. */
  read(): Promise<{ value: unknown; inSnapshot: unknown }>;
}

interface ValueAgent {
  attempt(method: Method, source: string, namespace: string, key: string): Promise<Attempt>;
  read(namespace: string, key: string): Promise<{ value: unknown; inSnapshot: unknown }>;
}

const NS = "values";
const CLIENTS = ["shards: 0", "shards: 1 (a worker shard)", "RemoteStore in an agent thread"];
const agentScript = new URL("../fixtures/value-agent.mjs", import.meta.url);

/** A client in this thread: the store itself. */
function local(store: Store): Client {
  return {
    async attempt(method, source) {
      try {
        const value = build(source) as never;
        if (method === "set") await store.set(NS, "k", value);
        else
          await store.setMany([
            [NS, "other", 1],
            [NS, "k", value],
          ]);
        return { ok: true };
      } catch (error) {
        return { ok: false, name: (error as Error).name, message: (error as Error).message };
      }
    },
    async read() {
      const snapshot = await store.snapshot();
      const result = { value: await store.get(NS, "k"), inSnapshot: await snapshot.get(NS, "k") };
      await snapshot.release();
      return result;
    },
  };
}

const stores: Store[] = [];
const workers: Worker[] = [];
const clients: Record<string, { store: Store; client: Client }> = {};

beforeAll(() => {
  const open = (shards: number) => {
    const store = new Store({ shards });
    stores.push(store);
    return store;
  };
  const inThread = open(0);
  clients[CLIENTS[0] as string] = { store: inThread, client: local(inThread) };
  const withWorker = open(1);
  clients[CLIENTS[1] as string] = { store: withWorker, client: local(withWorker) };
  const served = open(2);
  const { agent, worker } = startAgent<ValueAgent>(served, agentScript);
  workers.push(worker);
  clients[CLIENTS[2] as string] = {
    store: served,
    client: {
      attempt: (method, source) => agent.attempt(method, source, NS, "k"),
      read: () => agent.read(NS, "k"),
    },
  };
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.terminate()));
  await Promise.all(stores.map((store) => store.close()));
});

const nested = (levels: number, leaf: string) =>
  `(() => { let v = ${leaf}; for (let i = 0; i < ${levels}; i++) v = [v]; return v; })()`;

describe.each(CLIENTS)("values, %s", (name) => {
  const get = () => clients[name] as { store: Store; client: Client };

  it("store generated values exactly as read once, or refuse them and change nothing", async () => {
    await fc.assert(
      fc.asyncProperty(specArb, fc.constantFrom<Method>("set", "setMany"), async (spec, method) => {
        const { store, client } = get();
        const source = sourceOf(spec);
        const model = modelOf(spec);
        await store.set(NS, "k", "before");
        await store.delete(NS, "other");
        const before = await store.snapshot();
        const attempt = await client.attempt(method, source);
        const after = await store.snapshot();
        try {
          if (model.ok) {
            expect(attempt, source).toEqual({ ok: true });
            expect(await client.read(), source).toEqual({
              value: model.decoded,
              inSnapshot: model.decoded,
            });
            const here = await store.get(NS, "k"); // decoded in this thread
            expect(here, source).toEqual(model.decoded);
            expect(dumps(here as never), source).toEqual(dumps(model.decoded as never));
            return;
          }
          expect(attempt.ok, source).toBe(false);
          const { name: error, message } = attempt as { name: string; message: string };
          expect(error, source).toBe(model.error);
          if (model.error === "Error") {
            expect(message, source).toBe(GETTER_FAILED);
          } else {
            const root = method === "set" ? "set: value" : "setMany: items[1][2]";
            expect(message.startsWith(`${pathOf(root, model.steps)}: `), message).toBe(true);
          }
          expect(await after.diff(before), source).toEqual({ added: [], removed: [], changed: [] });
          expect(await store.get(NS, "k"), source).toBe("before");
          expect(await store.has(NS, "other"), source).toBe(false);
        } finally {
          await Promise.all([before.release(), after.release()]);
        }
      }),
      { seed: 9, numRuns: 100 },
    );
  });

  it(`read values nested ${MAX_DEPTH} deep in every thread, and refuse deeper`, async () => {
    const { store, client } = get();
    // MAX_DEPTH arrays and objects: the arrays, and the innermost object.
    const deepest = build(nested(MAX_DEPTH - 1, "{ at: -0 }"));
    expect(await client.attempt("set", nested(MAX_DEPTH - 1, "{ at: -0 }"))).toEqual({ ok: true });
    expect(await client.read()).toEqual({ value: deepest, inSnapshot: deepest });
    expect(await store.get(NS, "k")).toEqual(deepest);
    // Stored from this thread, read in the client's.
    await store.set(NS, "k", build(nested(MAX_DEPTH - 1, "[]")) as never);
    expect((await client.read()).value).toEqual(build(nested(MAX_DEPTH - 1, "[]")));

    const refused = await client.attempt("set", nested(MAX_DEPTH, "[]"));
    expect(refused).toMatchObject({ ok: false, name: "RangeError" });
    expect((refused as { message: string }).message).toContain(
      `arrays and objects nested more than ${MAX_DEPTH} deep are not supported`,
    );
    expect(await store.get(NS, "k")).toEqual(build(nested(MAX_DEPTH - 1, "[]")));
  });

  it("store -0 as -0, a change from 0", async () => {
    const { store, client } = get();
    await store.set(NS, "k", 0);
    const zero = await store.snapshot();
    expect(await client.attempt("set", "-0")).toEqual({ ok: true });
    const { value, inSnapshot } = await client.read();
    expect([Object.is(value, -0), Object.is(inSnapshot, -0)]).toEqual([true, true]);
    expect(Object.is(await store.get(NS, "k"), -0)).toBe(true);
    const negative = await store.snapshot();
    expect(await negative.diff(zero)).toEqual({ added: [], removed: [], changed: [[NS, "k"]] });
  });
});
