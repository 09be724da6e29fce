/**
 * A shard's snapshot history: a tree of the states it was snapshotted in, each node carrying the
 * journal of writes that led from its parent to it. Restoring moves the head to an older node,
 * so later snapshots start a branch.
 *
 * Invariants:
 * - A node's id is larger than its parent's (ids are handed out in increasing order and a new
 *   node always hangs below an existing one), so walking up from the larger id finds the
 *   lowest common ancestor of two nodes without storing depths.
 * - A diff only ever walks between two live snapshots, so a journal matters only if some path
 *   between live snapshots (or between one and a future one) crosses it. Hence:
 *   - while no snapshot is held, writes are not journaled at all (a future snapshot can only be
 *     diffed with snapshots taken after it, along paths that start at it);
 *   - a released node drops its state at once. It stays in the tree only while it joins two or
 *     more branches. With one branch below it, its journal is folded into that branch and it
 *     disappears; with none, it is removed and its parent reconsidered. A released root with
 *     a single branch is removed too, and that branch's journal (now crossed by no path) with
 *     it. So journals are compacted as snapshots are released. Folding merges journals, which
 *     costs what was written, so `restore` never folds (it must cost the same at any size):
 *     a node it leaves with one branch is folded by the next release that walks past it.
 * - The tree starts as one released root (id 0): the empty state nothing refers to.
 * - Ids here are history node ids; the shard maps the store's snapshot ids onto them and refuses
 *   a released one itself (see shard.ts), so a request for a node not held is a bug in the shard
 *   and throws instead of answering from some other state.
 */
import { SwarmStateError } from "../errors.js";
import { Journal } from "./journal.js";
import type { ShardState } from "./state.js";

interface HistoryNode {
  readonly id: number;
  /** `null` for the root. */
  parent: HistoryNode | null;
  /** Writes from the parent's state to this node's state. */
  journal: Journal;
  /** `null` once released. */
  state: ShardState | null;
  readonly children: Set<HistoryNode>;
}

export class History {
  private readonly live = new Map<number, HistoryNode>();
  /** The node the current state descends from, and the writes made since. */
  private head: HistoryNode = {
    id: 0,
    parent: null,
    journal: new Journal(),
    state: null,
    children: new Set(),
  };
  private headJournal = new Journal();
  /** Highest id ever taken: ids are never reused, even after a release. */
  private highestId = 0;

  /** Number of snapshots held. */
  get liveCount(): number {
    return this.live.size;
  }

  recordWrite(namespace: string, key: string): void {
    if (this.live.size > 0) this.headJournal.record(namespace, key);
  }

  recordClear(): void {
    if (this.live.size > 0) this.headJournal.cleared = true;
  }

  /**
   * The id of a held snapshot whose state the current one is, or `null`: the head, when it is
   * held and nothing was written since (while a snapshot is held every write is journaled, and
   * a journal folded into the head's is not empty, so an empty one means no write at all).
   */
  liveHeadId(): number | null {
    return this.head.state !== null && this.headJournal.isEmpty() ? this.head.id : null;
  }

  /**
   * The held snapshots in id order, each with its state and the nearest held snapshot above it
   * in the tree (`null` if none), and the nearest held snapshot at or above the head: what a
   * checkpoint needs to rebuild an equivalent history (see core/replay/shard-script.ts).
   * O(snapshots x depth).
   */
  shape(): {
    nodes: { id: number; state: ShardState; above: number | null }[];
    headBase: number | null;
  } {
    const nearestHeld = (from: HistoryNode | null): number | null => {
      for (let node = from; node !== null; node = node.parent) {
        if (node.state !== null) return node.id;
      }
      return null;
    };
    const nodes = [...this.live.values()]
      .sort((a, b) => a.id - b.id)
      .map((node) => ({
        id: node.id,
        state: node.state as ShardState,
        above: nearestHeld(node.parent),
      }));
    return { nodes, headBase: nearestHeld(this.head) };
  }

  /** Keeps `state` (the current one) as snapshot `id`. O(1). */
  take(id: number, state: ShardState): void {
    if (id <= this.highestId) {
      throw new SwarmStateError(`snapshot id ${id} is not new to this shard`);
    }
    this.highestId = id;
    const node: HistoryNode = {
      id,
      parent: this.head,
      journal: this.headJournal,
      state,
      children: new Set(),
    };
    this.head.children.add(node);
    this.live.set(id, node);
    this.head = node;
    this.headJournal = new Journal();
    this.compact(node.parent as HistoryNode);
  }

  /** Moves the head to snapshot `id` and returns its state, which becomes the current one. */
  checkout(id: number): ShardState {
    const node = this.node(id);
    const previous = this.head;
    this.head = node;
    this.headJournal = new Journal();
    // No folding here: merging journals costs what was written, and restore must cost the same
    // whatever that is. A node left with one branch is folded by a later release passing by.
    this.compact(previous, false);
    return node.state as ShardState;
  }

  release(id: number): void {
    const node = this.node(id);
    node.state = null;
    this.live.delete(id);
    this.compact(node);
  }

  stateOf(id: number): ShardState {
    return this.node(id).state as ShardState;
  }

  /**
   * The journals on the path between two snapshots through their lowest common ancestor: every
   * key that can differ between them is in one of these.
   */
  journalsBetween(idA: number, idB: number): Journal[] {
    let a = this.node(idA);
    let b = this.node(idB);
    const journals: Journal[] = [];
    while (a !== b) {
      if (a.id > b.id) {
        journals.push(a.journal);
        a = a.parent as HistoryNode;
      } else {
        journals.push(b.journal);
        b = b.parent as HistoryNode;
      }
    }
    return journals;
  }

  private node(id: number): HistoryNode {
    const node = this.live.get(id);
    if (node === undefined) throw new SwarmStateError(`this shard holds no snapshot ${id}`);
    return node;
  }

  /**
   * Removes or folds away released nodes that no longer join branches (see the invariants).
   * With `folding` off, only does what is O(1) per node: removals and dropped journals.
   */
  private compact(start: HistoryNode, folding = true): void {
    let node: HistoryNode | null = start;
    while (node !== null && node.state === null) {
      const headHere = this.head === node;
      const branches = node.children.size + (headHere ? 1 : 0);
      if (branches >= 2) return;
      const parent: HistoryNode | null = node.parent;
      if (branches === 0) {
        parent?.children.delete(node); // the parent lost a branch: it may be foldable now
      } else if (headHere) {
        if (parent === null) {
          // A released root whose only branch is the head: no snapshot is held, no path will
          // ever cross these writes.
          this.headJournal = new Journal();
          return;
        }
        if (!folding) return;
        parent.children.delete(node);
        this.headJournal = Journal.concat(node.journal, this.headJournal);
        this.head = parent;
      } else {
        if (parent !== null && !folding) return;
        const [only] = node.children as Set<HistoryNode>;
        const child = only as HistoryNode;
        child.parent = parent;
        if (parent === null) {
          child.journal = new Journal(); // the new root: no path crosses its old edge
          node = child;
          continue;
        }
        child.journal = Journal.concat(node.journal, child.journal);
        parent.children.delete(node);
        parent.children.add(child);
      }
      node = parent;
    }
  }
}
