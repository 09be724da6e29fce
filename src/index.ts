/**
 * swarmstate: a state store for Node.js agent systems. Everything public is exported here.
 */

// Sharing one store across threads: serve it with `exposeStore`, reach it with `connectStore`.
export { connectStore, RemoteStore } from "./client/remote-store.js";
export { Snapshot } from "./client/snapshot.js";
export type { StoreApi } from "./client/store-api.js";
export { dumps, loads } from "./core/codec/codec.js";
export { MAX_DEPTH, type Value } from "./core/codec/value.js";
export {
  BadChangesetError,
  LogUnavailableError,
  NotAStoreError,
  ShardFailedError,
  SnapshotReleasedError,
  StoreClosedError,
  StoreDamagedError,
  StoreFileError,
  StoreIOError,
  StoreLockedError,
  SwarmStateError,
} from "./core/errors.js";
export type { Diff } from "./core/protocol/pairs.js";
export type { ReplicationOptions } from "./replication/replication-options.js";
export { exposeStore } from "./store/expose-store.js";
export { Store } from "./store/store.js";
export { DEFAULT_SHARDS, type StoreOptions } from "./store/store-options.js";
