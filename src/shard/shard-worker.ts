/**
 * A shard worker thread: hosts exactly one shard for the thread's whole life. Clients' batches
 * reach it on their own channels (see shard-server.ts); piscina delivers only the control tasks
 * below, one at a time, in the order the store's coordinator sent them.
 *
 * A thread that was never sent `init` holds no shard. That is what a replacement thread looks
 * like after piscina restarts a crashed worker, so it refuses every task instead of serving an
 * empty shard; the clients' channels to the dead thread have closed, so they fail with
 * `ShardFailedError`. A failure of the shard's files ends the thread the same way.
 */
import type { MessagePort } from "node:worker_threads";
import { type SerializedError, serializeError } from "../core/errors.js";
import type { CutCommit, CutOutcome } from "../core/protocol/batch-format.js";
import type { ClientId, CutReport } from "../core/protocol/cut.js";
import type { RecoveryDecision, ShardFindings } from "../durable/recovery.js";
import type { DurableShardOptions, RecoveredShard } from "./shard-persistence.js";
import { ShardServer } from "./shard-server.js";

/** What the coordinator asks of a shard's thread. */
export type ShardTask =
  | { kind: "init"; exitPort: MessagePort }
  | { kind: "open"; options: DurableShardOptions }
  | { kind: "recover"; decision: RecoveryDecision }
  | { kind: "attach"; client: ClientId; port: MessagePort; commits: SharedArrayBuffer }
  | { kind: "prepare" }
  | { kind: "commit"; commit: CutCommit }
  | { kind: "shutdown"; failure: SerializedError | null };

/** A task's answer, or why it failed (errors keep their class this way, see core/errors.ts). */
export type TaskResult<T> = { ok: T } | { failure: SerializedError };

let server: ShardServer | undefined;

export default function handle(
  task: ShardTask,
):
  | null
  | TaskResult<CutReport>
  | TaskResult<ShardFindings>
  | Promise<CutOutcome | TaskResult<RecoveredShard> | number | null> {
  if (task.kind === "init") {
    if (server !== undefined) throw new Error("this thread already hosts a shard");
    const shard = new ShardServer((error) => {
      // The shard's files failed under it: its state can no longer be trusted to match them.
      setImmediate(() => {
        throw error;
      });
    });
    server = shard;
    answerExitFlushes(task.exitPort, shard);
    return null;
  }
  if (server === undefined) {
    throw new Error("its worker thread was replaced and the shard's state is lost");
  }
  switch (task.kind) {
    case "open":
      return attempt(() => (server as ShardServer).open(task.options));
    case "recover":
      return (server as ShardServer).recover(task.decision).then(
        (ok) => ({ ok }),
        (error: unknown) => ({ failure: serializeError(error) }),
      );
    case "attach":
      server.attach(task.client, task.port, task.commits);
      return null;
    case "prepare":
      return attempt(() => (server as ShardServer).prepare());
    case "commit":
      return server.commit(task.commit);
    case "shutdown":
      return server.shutdown(task.failure);
  }
}

/**
 * The store's thread is ending (see store/worker-host.ts, `startExitFlush`): it waits, blocked, for
 * this shard to say that everything it logged is on disk. The port must not keep this thread alive.
 */
function answerExitFlushes(port: MessagePort, shard: ShardServer): void {
  port.on("message", (signal: Int32Array) => {
    const done = () => {
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    };
    shard.seal().then(done, done);
  });
  port.unref();
}

function attempt<T>(work: () => T): TaskResult<T> {
  try {
    return { ok: work() };
  } catch (error) {
    return { failure: serializeError(error) };
  }
}
