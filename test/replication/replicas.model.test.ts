// Three replica processes with different shard counts make seeded random calls and cuts at the
// same time; once all are done and synced, each must hold exactly what a simple model holds
// after replaying the log in its order: contents, live snapshots (ids, parents, timestamps,
// sizes), each snapshot's contents and the diffs between them.
import { fork } from "node:child_process";
import { randomUUID } from "node:crypto";
import pg from "pg";
import { loads } from "swarmstate";
import { describe, expect, it } from "vitest";
import { readChangeset } from "../../src/core/changeset/changeset-reader.js";
import type { LogStep } from "../../src/core/protocol/log-step.js";
import { decodeEntry } from "../../src/replication/log-entry.js";
import { postgresForThisFile } from "../fixtures/postgres.js";

const postgres = postgresForThisFile();
const script = new URL("../fixtures/replica-process.mjs", import.meta.url);
const MAX_HISTORY = 4; // as replica-process.mjs opens the store
const STEPS = 40;

type Row = [string, string, unknown];
interface SnapshotReport {
  id: number;
  parent: number | null;
  timestamp: number;
  sizeBytes: number;
  contents: Row[];
  diffFromPrevious: unknown;
}
interface Report {
  contents: Row[];
  snapshots: SnapshotReport[];
}

/** The store as the log says: plain maps of encoded values, replayed step by step. */
class Model {
  contents = new Map<string, Buffer>();
  readonly live = new Map<
    number,
    { info: Omit<SnapshotReport, "contents" | "diffFromPrevious">; contents: Map<string, Buffer> }
  >();
  private lastId = 0;

  apply(step: LogStep): void {
    switch (step.op) {
      case "set":
        this.contents.set(pairKey(step.namespace, step.key), Buffer.from(step.value));
        return;
      case "delete":
        this.contents.delete(pairKey(step.namespace, step.key));
        return;
      case "clear":
        this.contents = new Map();
        return;
      case "snapshot": {
        const id = this.lastId + 1;
        const beyond = this.live.size + 1 - MAX_HISTORY;
        for (const old of [...this.live.keys()].slice(0, Math.max(0, beyond)))
          this.live.delete(old);
        let sizeBytes = 0;
        for (const bytes of this.contents.values()) sizeBytes += bytes.length;
        const info = {
          id,
          parent: this.lastId === 0 ? null : this.lastId,
          timestamp: step.timestamp,
          sizeBytes,
        };
        this.live.set(id, { info, contents: new Map(this.contents) });
        this.lastId = id;
        return;
      }
      case "restore": {
        const snapshot = this.live.get(step.id);
        if (snapshot !== undefined) this.contents = new Map(snapshot.contents);
        return;
      }
      case "release":
        this.live.delete(step.id);
        return;
      case "apply": {
        const { removed, put } = readChangeset(step.changeset, "apply");
        for (let i = 0; i < removed.length; i += 2) {
          this.contents.delete(pairKey(removed[i] as string, removed[i + 1] as string));
        }
        for (let i = 0; i < put.length; i += 3) {
          const bytes = Buffer.from(put[i + 2] as string, "latin1");
          this.contents.set(pairKey(put[i] as string, put[i + 1] as string), bytes);
        }
        return;
      }
    }
  }
}

function pairKey(namespace: string, key: string): string {
  return JSON.stringify([namespace, key]);
}

/** Rows sorted as the store lists them: namespace, then key. */
function rowsOf(contents: Map<string, Buffer>): Row[] {
  return [...contents.entries()]
    .map(([pair, bytes]) => [...(JSON.parse(pair) as [string, string]), loads(bytes)] as Row)
    .sort(([n1, k1], [n2, k2]) => (n1 < n2 ? -1 : n1 > n2 ? 1 : k1 < k2 ? -1 : k1 > k2 ? 1 : 0));
}

function diffOf(later: Map<string, Buffer>, earlier: Map<string, Buffer>) {
  const pairs = (keys: string[]) =>
    rowsOf(new Map(keys.map((key) => [key, Buffer.from([0xc0])]))).map(([n, k]) => [n, k]);
  return {
    added: pairs([...later.keys()].filter((key) => !earlier.has(key))),
    removed: pairs([...earlier.keys()].filter((key) => !later.has(key))),
    changed: pairs(
      [...later.keys()].filter(
        (key) => earlier.has(key) && !earlier.get(key)?.equals(later.get(key) as Buffer),
      ),
    ),
  };
}

/** Runs one replica process to its report; `go` lets it sync once every replica is done. */
function runReplica(url: string, name: string, shards: number, seed: number, go: Promise<void>) {
  const child = fork(script, [url, name, String(shards), String(seed), String(STEPS)], {
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let doneResolve: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    doneResolve = resolve;
  });
  const report = new Promise<Report>((resolve, reject) => {
    child.on("message", (message: { done?: true; report?: Report; error?: string }) => {
      if (message.done) doneResolve();
      if (message.report) resolve(message.report);
      if (message.error) reject(new Error(`replica with ${shards} shards: ${message.error}`));
    });
    child.once("exit", (code) =>
      reject(new Error(`replica with ${shards} shards exited with ${code}`)),
    );
  });
  void go.then(() => child.connected && child.send("sync"));
  return { child, done, report };
}

describe("replicas in three processes", () => {
  it("converge on the model of their log, whatever their shard counts", async () => {
    const seed = Number(process.env.SWARMSTATE_SEED ?? Date.now() % 2 ** 31);
    const { url } = postgres();
    const name = randomUUID();
    let letThemSync: () => void = () => {};
    const go = new Promise<void>((resolve) => {
      letThemSync = resolve;
    });
    const replicas = [1, 2, 0].map((shards, i) => runReplica(url, name, shards, seed + i, go));
    try {
      await Promise.all(replicas.map((replica) => replica.done));
      letThemSync();
      const reports = await Promise.all(replicas.map((replica) => replica.report));

      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client
        .query<{ pos: string; entry: Buffer }>(
          "SELECT pos, entry FROM swarmstate.log WHERE store = $1 ORDER BY pos",
          [name],
        )
        .finally(() => client.end());
      expect(rows.map((row) => Number(row.pos))).toEqual(rows.map((_, i) => i + 1));
      const model = new Model();
      for (const row of rows) for (const step of decodeEntry(row.entry)) model.apply(step);

      const live = [...model.live.values()];
      const expected: Report = {
        contents: rowsOf(model.contents),
        snapshots: live.map((snapshot, index) => {
          const previous = live[index - 1];
          return {
            ...snapshot.info,
            contents: rowsOf(snapshot.contents),
            diffFromPrevious:
              previous === undefined ? null : diffOf(snapshot.contents, previous.contents),
          };
        }),
      };
      for (const [index, report] of reports.entries()) {
        expect(report, `seed ${seed}, replica ${index} of ${rows.length} entries`).toEqual(
          expected,
        );
      }
    } finally {
      for (const { child } of replicas) child.kill();
    }
  }, 60_000);
});
