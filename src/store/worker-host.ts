/**
 * A shard in its own worker thread, started and watched by piscina.
 *
 * Piscina carries the coordinator's control tasks (attach a client, the two phases of a cut),
 * one at a time in the order sent, and reports a thread that dies; clients' batches never go
 * through it: each client has its own MessagePort to the thread (see core/protocol/port.ts).
 *
 * One single-thread pool per shard rather than one pool whose `loadBalancer` routes each task to
 * its shard's worker: a shard needs one particular thread, not a free one, and with a pool per
 * shard that thread is simply the pool's only worker; a replacement worker after a crash cannot
 * be mistaken for another shard's. (Measured on a 2-core machine, bench/cases/pool-routing.ts:
 * a one-task round trip p50 78 µs against 85 µs through a loadBalancer.)
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import { rebuildError, type SerializedError } from "../core/errors.js";
import type { CutCommit, CutOutcome } from "../core/protocol/batch-format.js";
import type { ClientId, CutReport } from "../core/protocol/cut.js";
import type { DataPort } from "../core/protocol/port.js";
import type { RecoveryDecision, ShardFindings } from "../durable/recovery.js";
import type { DurableShardOptions, RecoveredShard } from "../shard/shard-persistence.js";
import type { ShardTask, TaskResult } from "../shard/shard-worker.js";
import type { ExitFlush, ShardHost } from "./shard-host.js";

export const DEFAULT_WORKER_URL = new URL("../shard/shard-worker.js", import.meta.url);

export class WorkerShardHost implements ShardHost {
  private readonly pool: Piscina;
  private closing = false;
  /** The thread is gone (died, or stopped by `close`): nobody would answer an exit flush. */
  private lost = false;
  /** Reports the thread's death, once, with its cause where piscina gives one. */
  private readonly report: (error: Error) => void;
  /** Carries exit flush requests (see `startExitFlush`), outside piscina's task queue. */
  private readonly exitPort: MessagePort;

  /** @param onLost called once if the worker dies (in a task or while idle). */
  constructor(workerUrl: URL, onLost: (error: Error) => void) {
    this.pool = new Piscina({
      filename: workerUrl.href,
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.POSITIVE_INFINITY,
      recordTiming: false,
      // The thread must keep its event loop turning between tasks, to serve the clients'
      // channels: by default an idle piscina worker blocks in `Atomics.wait` instead.
      atomics: "disabled",
    });
    // A worker that dies fails the task in flight with its error, or else emits it as an
    // "error" event (which unhandled would crash the process); piscina emits "workerDestroy"
    // first, so that one waits a turn for the cause to be reported before it.
    this.report = (error) => {
      if (this.lost) return;
      this.lost = true;
      onLost(error);
    };
    this.pool.on("error", this.report);
    this.pool.on("workerDestroy", () => {
      if (this.closing) {
        this.lost = true;
        return;
      }
      setImmediate(() => this.report(new Error("its worker thread exited")));
    });
    const { port1, port2 } = new MessageChannel();
    port1.unref();
    this.exitPort = port1;
    this.send({ kind: "init", exitPort: port2 }, [port2]);
  }

  connect(client: ClientId, _sameThread: boolean, commits: SharedArrayBuffer): DataPort {
    const { port1, port2 } = new MessageChannel();
    this.send({ kind: "attach", client, port: port2, commits }, [port2]);
    return port1;
  }

  async open(options: DurableShardOptions): Promise<ShardFindings> {
    return outcomeOf(await this.pool.run({ kind: "open", options } satisfies ShardTask));
  }

  async recover(decision: RecoveryDecision): Promise<RecoveredShard> {
    return outcomeOf(await this.pool.run({ kind: "recover", decision } satisfies ShardTask));
  }

  async prepare(): Promise<CutReport> {
    return outcomeOf(await this.pool.run({ kind: "prepare" } satisfies ShardTask));
  }

  commit(commit: CutCommit): Promise<CutOutcome> {
    return this.pool.run({ kind: "commit", commit } satisfies ShardTask);
  }

  startExitFlush(): ExitFlush {
    if (this.lost) return { wait: () => false };
    const signal = new Int32Array(new SharedArrayBuffer(4));
    this.exitPort.postMessage(signal);
    return {
      wait(ms) {
        return Atomics.wait(signal, 0, 0, ms) !== "timed-out";
      },
    };
  }

  async close(failure?: SerializedError): Promise<number | null> {
    const position: number | null = await this.pool
      .run({ kind: "shutdown", failure: failure ?? null } satisfies ShardTask)
      .catch(() => null);
    this.closing = true;
    await this.pool.destroy();
    return position;
  }

  /**
   * Sends a task whose answer nobody awaits. Its failure is not reported: a dead thread is
   * reported by the pool's events, and piscina can reject such a task spuriously (seen:
   * "MessagePort in transfer list is already detached" for an attach that took effect).
   */
  private send(task: ShardTask, transferList?: MessagePort[]): void {
    this.pool.run(task, transferList ? { transferList } : {}).catch(() => {});
  }
}

/** A task's answer, or its error rebuilt with its class. */
function outcomeOf<T>(result: TaskResult<T>): T {
  if ("failure" in result) throw rebuildError(result.failure);
  return result.ok;
}
