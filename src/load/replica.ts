/**
 * `--replica`: a second store kept in step with the first by changesets alone. At every kept
 * checkpoint it applies `checkpoint.changes(mirrored)`, where `mirrored` is the checkpoint it
 * last caught up with; after a rollback that is a checkpoint of the abandoned branch, so the
 * next changeset crosses from one branch to the other. It never sees a write, a restore or a
 * clear of the source; at the end its entries must be exactly the source's.
 *
 * The mirrored snapshot must outlive the checkpoints' own releases (a rollback releases the
 * branch it leaves): the loop asks {@link Replica.mirrors} before releasing one, and releases
 * the one the replica leaves behind once no checkpoint holds it.
 */
import { performance } from "node:perf_hooks";
import type { Snapshot, StoreApi } from "../index.js";
import { Histogram } from "./histogram.js";
import { readContents } from "./store-contents.js";
import { compareCopies } from "./verify.js";

/** What keeping the replica in step cost. */
export interface ReplicaCosts {
  changesets: number;
  /** Bytes of all the changesets together. */
  bytes: number;
  changes: Histogram;
  apply: Histogram;
}

export class Replica {
  readonly costs: ReplicaCosts = {
    changesets: 0,
    bytes: 0,
    changes: new Histogram(),
    apply: new Histogram(),
  };
  private mirrored: Snapshot | null = null;

  /** @param store the replica: a store of its own, empty at the start */
  constructor(readonly store: StoreApi) {}

  /** Whether `snapshot` is the one whose contents the replica holds. */
  mirrors(snapshot: Snapshot): boolean {
    return snapshot === this.mirrored;
  }

  /** The replica, empty, mirrors `snapshot` of an empty source. */
  start(snapshot: Snapshot): void {
    this.mirrored = snapshot;
  }

  /**
   * Catches up with `target`: applies the changeset from the snapshot mirrored so far. Returns
   * that snapshot, which the caller releases unless a checkpoint still holds it.
   */
  async follow(target: Snapshot): Promise<Snapshot> {
    const left = this.mirrored;
    if (left === null) throw new Error("the replica was not started");
    let started = performance.now();
    const changeset = await target.changes(left);
    this.costs.changes.record(performance.now() - started);
    started = performance.now();
    await this.store.apply(changeset);
    this.costs.apply.record(performance.now() - started);
    this.costs.changesets++;
    this.costs.bytes += changeset.byteLength;
    this.mirrored = target;
    return left;
  }

  /** Releases the snapshot it mirrors (the run is over). */
  async release(): Promise<void> {
    await this.mirrored?.release();
    this.mirrored = null;
  }

  /**
   * How the replica's entries differ from `source` (every key of the source store with the
   * digest of its value, see store-contents.ts) and from its encoded size.
   */
  async compare(source: Map<string, string>, sourceBytes: number): Promise<string[]> {
    const differences = compareCopies(source, await readContents(this.store));
    const snapshot = await this.store.snapshot();
    if (snapshot.sizeBytes !== sourceBytes) {
      differences.push(
        `the replica's values take ${snapshot.sizeBytes} bytes encoded, the store's ${sourceBytes}`,
      );
    }
    await snapshot.release();
    return differences;
  }
}
