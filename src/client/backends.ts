/**
 * What a snapshot needs from its store (`SnapshotBackend`), and, per store id, the handles in
 * this thread that reach that store (the `Store` itself, or a client of it): a snapshot whose
 * own handle closed is served by another one of its store, and a snapshot arriving from another
 * thread is bound to one here (see client/snapshot-wire.ts). Weak, so an abandoned store is not
 * kept alive by this table.
 */

import type { Value } from "../core/codec/value.js";
import type { Diff, Pair } from "../core/protocol/pairs.js";

/**
 * What a snapshot needs from its store. Each method checks that the store is usable and the
 * snapshot still held, and rejects with `StoreClosedError` / `SnapshotReleasedError` if not.
 */
export interface SnapshotBackend {
  /** Same for every backend reaching the same store. */
  readonly storeId: string;
  snapshotKeys(id: number): Promise<Pair[]>;
  snapshotGet(id: number, namespace: string, key: string): Promise<Value | undefined>;
  diff(id: number, baseId: number): Promise<Diff>;
  changes(id: number, baseId: number): Promise<Uint8Array>;
  release(id: number): Promise<void>;
}

const reachable = new Map<string, Set<WeakRef<SnapshotBackend>>>();

/** Whether `backend` is open (registered and not yet closed). */
export function isReachable(backend: SnapshotBackend): boolean {
  for (const ref of reachable.get(backend.storeId) ?? []) if (ref.deref() === backend) return true;
  return false;
}

/** An open backend of store `storeId` in this thread, if there is one. */
export function reachableFor(storeId: string): SnapshotBackend | undefined {
  const refs = reachable.get(storeId);
  for (const ref of refs ?? []) {
    const backend = ref.deref();
    if (backend !== undefined) return backend;
    refs?.delete(ref); // collected without being closed
  }
  return undefined;
}

/** Lets snapshots of `backend`'s store be used in this thread through it. */
export function makeReachable(backend: SnapshotBackend): void {
  let refs = reachable.get(backend.storeId);
  if (refs === undefined) {
    refs = new Set();
    reachable.set(backend.storeId, refs);
  }
  refs.add(new WeakRef(backend));
}

/** Undoes `makeReachable` (the backend closed). */
export function makeUnreachable(backend: SnapshotBackend): void {
  const refs = reachable.get(backend.storeId);
  for (const ref of refs ?? []) if (ref.deref() === backend) refs?.delete(ref);
  if (refs?.size === 0) reachable.delete(backend.storeId);
}

/**
 * Gives `backend` its store's id, learned after it was made (a replicated store learns it from
 * its log as it opens: logged-client.ts), keeping it reachable if it was.
 */
export function adoptStoreId(
  backend: SnapshotBackend & { storeId: string },
  storeId: string,
): void {
  const wasReachable = isReachable(backend);
  if (wasReachable) makeUnreachable(backend);
  backend.storeId = storeId;
  if (wasReachable) makeReachable(backend);
}
