/**
 * swarmstate: a state store for Node.js agent systems. Everything public is exported here.
 */
export { dumps, loads } from "./core/codec.js";
export {
  BadChangesetError,
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
export { MAX_DEPTH, type Value } from "./core/value.js";
export { type Diff, Snapshot } from "./main/snapshot.js";
export { Store } from "./main/store.js";
export type { StoreApi } from "./main/store-api.js";
export { DEFAULT_SHARDS, type StoreOptions } from "./main/store-options.js";
export { connectStore, exposeStore, RemoteStore } from "./remote/index.js";
