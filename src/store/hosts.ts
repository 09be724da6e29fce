/** Which host each shard gets: the store's own thread for `shards: 0`, else a worker thread each. */
import { LocalShardHost } from "./local-host.js";
import type { ShardHost } from "./shard-host.js";
import { DEFAULT_WORKER_URL, WorkerShardHost } from "./worker-host.js";

/** Creates the host of shard `index`; `onLost` reports a host whose thread died. */
export type HostFactory = (index: number, onLost: (error: Error) => void) => ShardHost;

/** `workerUrl` is the shard worker script (tests substitute fixtures that wrap the real one). */
export function hostFactoryFor(shards: number, workerUrl: URL = DEFAULT_WORKER_URL): HostFactory {
  if (shards === 0) return (_index, onLost) => new LocalShardHost(onLost);
  return (_index, onLost) => new WorkerShardHost(workerUrl, onLost);
}
