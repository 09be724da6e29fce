/**
 * A shard worker thread: hosts exactly one shard for the thread's whole life. Clients' batches
 * reach it on their own channels (see shard-server.ts); piscina delivers only the control tasks
 * below, one at a time, in the order the store's coordinator sent them.
 *
 * A thread that was never sent `init` holds no shard. That is what a replacement thread looks
 * like after piscina restarts a crashed worker, so it refuses every task instead of serving an
 * empty shard; the clients' channels to the dead thread have closed, so they fail with
 * `ShardFailedError`.
 */
import type { MessagePort } from "node:worker_threads";
import type { CutCommit, CutOutcome } from "../core/batch-format.js";
import type { ClientId, CutReport } from "../core/cut.js";
import { ShardServer } from "./shard-server.js";

/** What the coordinator asks of a shard's thread. */
export type ShardTask =
  | { kind: "init" }
  | { kind: "attach"; client: ClientId; port: MessagePort }
  | { kind: "prepare" }
  | { kind: "commit"; commit: CutCommit }
  | { kind: "shutdown" };

let server: ShardServer | undefined;

export default function handle(task: ShardTask): null | CutReport | Promise<CutOutcome> {
  if (task.kind === "init") {
    if (server !== undefined) throw new Error("this thread already hosts a shard");
    server = new ShardServer();
    return null;
  }
  if (server === undefined) {
    throw new Error("its worker thread was replaced and the shard's state is lost");
  }
  switch (task.kind) {
    case "attach":
      server.attach(task.client, task.port);
      return null;
    case "prepare":
      return server.prepare();
    case "commit":
      return server.commit(task.commit);
    case "shutdown":
      server.shutdown();
      return null;
  }
}
