/**
 * `shards: 0`: the one shard lives in the store's own thread. The store's own client reaches it
 * through an in-process channel (batches run one per microtask, as they would in a worker);
 * clients in other threads through MessagePorts served by this thread.
 */
import { MessageChannel } from "node:worker_threads";
import { rebuildError, type SerializedError, serializeError } from "../core/errors.js";
import type { CutCommit, CutOutcome } from "../core/protocol/batch-format.js";
import type { ClientId, CutReport } from "../core/protocol/cut.js";
import { type DataPort, localPortPair } from "../core/protocol/port.js";
import type { RecoveryDecision, ShardFindings } from "../durable/recovery.js";
import type { DurableShardOptions, RecoveredShard } from "../shard/shard-persistence.js";
import { ShardServer } from "../shard/shard-server.js";
import type { ExitFlush, ShardHost } from "./shard-host.js";

export class LocalShardHost implements ShardHost {
  private readonly server: ShardServer;

  /** @param onLost called once if the shard becomes unusable (its files failed). */
  constructor(onLost: (error: Error) => void) {
    this.server = new ShardServer(onLost);
  }

  connect(client: ClientId, sameThread: boolean, commits: SharedArrayBuffer): DataPort {
    if (sameThread) {
      const [clientEnd, shardEnd] = localPortPair();
      this.server.attach(client, shardEnd, commits);
      return clientEnd;
    }
    const { port1, port2 } = new MessageChannel();
    // A served port alone must not keep the store's thread alive; the client keeps its own.
    port2.unref();
    this.server.attach(client, port2, commits);
    return port1;
  }

  async open(options: DurableShardOptions): Promise<ShardFindings> {
    // As in a worker thread, the error crosses as data and is rebuilt (a copy of its class).
    try {
      return this.server.open(options);
    } catch (error) {
      throw rebuildError(serializeError(error));
    }
  }

  recover(decision: RecoveryDecision): Promise<RecoveredShard> {
    return this.server.recover(decision);
  }

  async prepare(): Promise<CutReport> {
    return this.server.prepare();
  }

  commit(commit: CutCommit): Promise<CutOutcome> {
    return this.server.commit(commit);
  }

  startExitFlush(): ExitFlush {
    // In this very thread, whose exit listener cannot wait: the shard commits before returning.
    void this.server.seal();
    return { wait: () => true };
  }

  close(failure?: SerializedError): Promise<number | null> {
    return this.server.shutdown(failure ?? null);
  }
}
