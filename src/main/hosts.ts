/** Which host each shard gets: the calling thread for `shards: 0`, else a worker thread each. */
import type { HostFactory } from "./coordinator.js";
import { LocalShardHost } from "./local-host.js";
import { DEFAULT_WORKER_URL, WorkerShardHost } from "./worker-host.js";

/** `workerUrl` is the shard worker script (tests substitute fixtures that wrap the real one). */
export function hostFactoryFor(shards: number, workerUrl: URL = DEFAULT_WORKER_URL): HostFactory {
  if (shards === 0) return () => new LocalShardHost();
  return (_index, onLost) => new WorkerShardHost(workerUrl, onLost);
}
