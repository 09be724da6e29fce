import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeValue } from "../../src/core/codec/value.js";
import {
  type CutAction,
  type CutCommit,
  Op,
  type Reply,
} from "../../src/core/protocol/batch-format.js";
import { COMMIT_WORD_BYTES } from "../../src/core/protocol/commit-word.js";
import { type ClientId, type CutNeed, decideCut } from "../../src/core/protocol/cut.js";
import { type DataPort, localPortPair } from "../../src/core/protocol/port.js";
import type { DurableShardOptions } from "../../src/shard/shard-persistence.js";
import { ShardServer } from "../../src/shard/shard-server.js";

/** A client of one shard, in-process: posts batches, collects replies. */
function connect(server: ShardServer, client: number) {
  const [mine, theirs] = localPortPair();
  server.attach(client, theirs, new SharedArrayBuffer(COMMIT_WORD_BYTES));
  const replies: Reply[] = [];
  mine.on("message", (reply) => replies.push(reply as Reply));
  let seq = 0;
  const post = (ops: (number | string)[]) => {
    seq++;
    mine.postMessage({ seq, sent: [seq], writers: [], ops });
  };
  return { port: mine as DataPort, replies, post };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

const fail = (error: Error) => {
  throw error;
};

/** A commit of cut `cut` with nothing known on disk (a memory store's). */
function commitOf(cut: number, need: CutNeed, forget: ClientId[], action: CutAction): CutCommit {
  return { cut, need, forget, action, committed: 0 };
}

describe("ShardServer", () => {
  it("answers each client on its own channel, in the order it sent", async () => {
    const server = new ShardServer(fail);
    const a = connect(server, 1);
    const b = connect(server, 2);
    a.post([Op.size]);
    b.post([Op.has, "n", "k"]);
    a.post([Op.keys, "n"]);
    await settle();
    expect(a.replies).toEqual([{ results: [0] }, { results: [[]] }]);
    expect(b.replies).toEqual([{ results: [false] }]);
  });

  it("forgets a client whose channel closed, and no cut waits for it", async () => {
    const server = new ShardServer(fail);
    const a = connect(server, 1);
    a.post([Op.size]);
    await settle();
    expect(server.prepare()).toEqual([{ client: 1, last: [1], closed: false }]);
    await server.commit(commitOf(1, [], [], { kind: "abort" }));
    a.port.close();
    await settle();
    expect(server.connectedClients).toBe(0);
    const report = server.prepare();
    expect(report).toEqual([{ client: 1, last: [1], closed: true }]);
    // Another shard saw a later batch of client 1 that never came here: the cut still ends.
    // Closed everywhere, the client is forgotten at this cut.
    const { needs, forget } = decideCut(
      [report, [{ client: 1, last: [5], closed: true }]],
      1,
      null,
    );
    expect(forget).toEqual([1]);
    const action = { kind: "clear" } as const;
    await expect(server.commit(commitOf(2, needs[0] ?? [], forget, action))).resolves.toEqual({
      bytes: 0,
      durable: 2,
    });
    expect(server.prepare()).toEqual([]);
  });

  it("holds batches that arrive during a cut, then applies them after it", async () => {
    const server = new ShardServer(fail);
    const a = connect(server, 1);
    const report = server.prepare();
    a.post([Op.size]); // arrives while prepared: after the cut
    await settle();
    expect(a.replies).toEqual([]);
    const { needs } = decideCut([report], 1, null);
    const action: CutAction = { kind: "snapshot", id: 1, parent: null, timestamp: 0, release: [] };
    await expect(server.commit(commitOf(1, needs[0] ?? [], [], action))).resolves.toEqual({
      bytes: 0,
      durable: 1,
    });
    expect(a.replies).toEqual([{ results: [0] }]);
  });

  it("says goodbye to every client when the store closes", async () => {
    const server = new ShardServer(fail);
    const a = connect(server, 1);
    const closed = new Promise((resolve) => a.port.on("close", () => resolve("closed")));
    server.shutdown();
    await expect(closed).resolves.toBe("closed");
    expect(a.replies).toEqual(["swarmstate:goodbye"]);
    expect(server.connectedClients).toBe(0);
  });

  it("sealed as its process ends, logs and acknowledges nothing more, and is on disk", async () => {
    const dir = mkdtempSync(join(tmpdir(), "swarmstate-seal-"));
    const options: DurableShardOptions = {
      dir,
      identity: { shard: 0, shards: 1, store: "sealed-store" },
      durability: "async",
      session: 1,
      reached: null,
    };
    const noDrops = { dropCuts: [], dropFrom: [] };
    try {
      const server = new ShardServer(fail);
      server.open(options);
      await server.recover(noDrops);
      const a = connect(server, 1);
      a.post([Op.set, "n", "before", encodeValue(1, "value").toString("latin1")]);
      await settle();
      expect(a.replies).toEqual([{ results: [] }]);
      await server.seal();
      a.post([Op.set, "n", "after", encodeValue(2, "value").toString("latin1")]);
      await settle();
      expect(a.replies).toHaveLength(1);
      a.port.close();
      await server.shutdown();

      const reopened = new ShardServer(fail);
      const findings = reopened.open({ ...options, session: 2 });
      expect(findings.batches.map(({ client, seq }) => [client, seq])).toEqual([["1:1", 1]]);
      await reopened.recover(noDrops);
      await reopened.shutdown();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
