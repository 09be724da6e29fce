/**
 * The checkpoints a run holds: each a snapshot of the store plus what verification needs to
 * return to it, namely every agent's ledger position and the ledgers' fold at that moment.
 *
 * Only the last few are kept; older snapshots are released (the store then folds their
 * journals away). Rolling back to a checkpoint releases every newer one: they belong to the
 * abandoned branch, and their ledger positions point past the truncated ledgers. A snapshot
 * someone else still needs (`pinned`: the one a replica mirrors) is left to them to release.
 */
import type { Snapshot } from "../index.js";
import type { ExpectedState } from "./expected-state.js";
import type { Random } from "./random.js";

/** A point the run can roll back to. */
export interface Checkpoint {
  /** 0 for the empty store at the start, then the number of the barrier that took it. */
  number: number;
  snapshot: Snapshot;
  /** Each agent's ledger position. */
  positions: number[];
  /** What the ledgers said the store held. */
  expected: ExpectedState;
}

/** The checkpoints held, oldest first. */
export class Checkpoints {
  private readonly held: Checkpoint[] = [];

  /**
   * @param keep how many to hold at most
   * @param pinned whether a snapshot must outlive its checkpoint (its user releases it)
   */
  constructor(
    private readonly keep: number,
    private readonly pinned: (snapshot: Snapshot) => boolean = () => false,
  ) {}

  /** Whether a checkpoint held here has `snapshot`. */
  holds(snapshot: Snapshot): boolean {
    return this.held.some((checkpoint) => checkpoint.snapshot === snapshot);
  }

  /** The newest one. */
  latest(): Checkpoint {
    const last = this.held.at(-1);
    if (last === undefined) throw new Error("no checkpoint taken yet");
    return last;
  }

  /** Holds `checkpoint` as the newest; releases the oldest if more than `keep` are held. */
  async add(checkpoint: Checkpoint): Promise<void> {
    this.held.push(checkpoint);
    while (this.held.length > this.keep) await this.release(this.held.shift());
  }

  /** Where a rollback goes: usually the newest checkpoint, one time in four an older one. */
  chooseTarget(random: Random): Checkpoint {
    if (this.held.length > 1 && random.next() < 0.25) {
      return this.held[random.int(this.held.length - 1)] as Checkpoint;
    }
    return this.latest();
  }

  /** Makes `target` the newest again, releasing every checkpoint taken after it. */
  async rollBackTo(target: Checkpoint): Promise<void> {
    while (this.latest() !== target) await this.release(this.held.pop());
  }

  /** Releases them all. */
  async releaseAll(): Promise<void> {
    for (const checkpoint of this.held.splice(0)) await this.release(checkpoint);
  }

  private async release(checkpoint: Checkpoint | undefined): Promise<void> {
    if (checkpoint !== undefined && !this.pinned(checkpoint.snapshot)) {
      await checkpoint.snapshot.release();
    }
  }
}
