/**
 * A `Snapshot` as it crosses a thread boundary: its store's id and what describes it. The
 * receiving thread binds it to its own handle on that store (see client/backends.ts).
 */
import { SwarmStateError } from "../core/errors.js";
import { reachableFor } from "./backends.js";
import { createSnapshot, type Snapshot, type SnapshotInfo, storeIdOf } from "./snapshot.js";

export interface SnapshotOnTheWire {
  storeId: string;
  info: SnapshotInfo;
}

export function toWire(snapshot: Snapshot): SnapshotOnTheWire {
  const { id, parent, timestamp, sizeBytes } = snapshot;
  return { storeId: storeIdOf(snapshot), info: { id, parent, timestamp, sizeBytes } };
}

/**
 * Rebuilds a snapshot that crossed a thread boundary, bound to this thread's way to its store.
 * @throws SwarmStateError when this thread neither holds that store nor is connected to it.
 */
export function fromWire({ storeId, info }: SnapshotOnTheWire): Snapshot {
  const backend = reachableFor(storeId);
  if (backend === undefined) {
    throw new SwarmStateError(
      `snapshot ${info.id} belongs to a store this thread is not connected to (use connectStore)`,
    );
  }
  return createSnapshot(backend, info);
}
