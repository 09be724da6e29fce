/**
 * What the ledgers say the store holds: every agent's ledger entries folded, in epoch order,
 * into one map from key to the digest of its value and who wrote it.
 *
 * Why a fold is exact: within an epoch every key has at most one writer (agents own their
 * namespaces, and each workflow task has one owner per epoch), and epochs are separated by
 * barriers. So the last entry for a key, across all ledgers, is the last write the store
 * applied to it. Two agents writing one key in one epoch would make that order unknowable; the
 * fold refuses it rather than guess.
 */
import { idOf, type LedgerEntry } from "./ledger.js";

/** The last write of one key, as the ledgers tell it. */
export interface ExpectedValue {
  digest: string;
  agent: number;
  step: number;
  epoch: number;
}

/** Keys and value digests the store must hold, by `idOf(namespace, key)`. */
export class ExpectedState {
  private constructor(private readonly values: Map<string, ExpectedValue>) {}

  /** Nothing written yet. */
  static empty(): ExpectedState {
    return new ExpectedState(new Map());
  }

  /** An independent copy: a checkpoint keeps one, unaffected by later folds. */
  copy(): ExpectedState {
    return new ExpectedState(new Map(this.values));
  }

  /** Number of keys. */
  get size(): number {
    return this.values.size;
  }

  /** The last write of a key, or `undefined` if it holds nothing. */
  get(id: string): ExpectedValue | undefined {
    return this.values.get(id);
  }

  /** Every key, each with its last write. */
  entries(): IterableIterator<[string, ExpectedValue]> {
    return this.values.entries();
  }

  /**
   * Folds in one agent's new ledger entries (all from one epoch or later than anything folded
   * so far). Returns the keys they touched.
   * @throws Error if another agent wrote one of these keys in the same epoch.
   */
  fold(agent: number, entries: readonly LedgerEntry[]): Set<string> {
    const touched = new Set<string>();
    for (const { namespace, key, digest, step, epoch } of entries) {
      const id = idOf(namespace, key);
      const last = this.values.get(id);
      if (last !== undefined && last.agent !== agent && last.epoch === epoch) {
        throw new Error(
          `${namespace}/${key} was written by agent-${last.agent} and agent-${agent} in epoch ` +
            `${epoch}: the order of their writes is unknowable`,
        );
      }
      if (digest === null) this.values.delete(id);
      else this.values.set(id, { digest, agent, step, epoch });
      touched.add(id);
    }
    return touched;
  }
}
