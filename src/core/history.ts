/**
 * A shard's snapshot history: a tree of the states it was snapshotted in, each node carrying the
 * journal of writes that led from its parent to it. Restoring moves the head to an older node,
 * so later snapshots start a branch.
 *
 * Invariants:
 * - A node's id is larger than its parent's (ids are handed out in increasing order and a new
 *   node always hangs below an existing one), so walking up from the larger id finds the
 *   lowest common ancestor of two nodes without storing depths.
 * - Genesis (id 0, the empty state) is never released: every shard starts there.
 * - A released node drops its state at once, freeing whatever it alone kept alive. It stays in
 *   the tree only while it joins two or more branches; with one branch below it, its journal is
 *   folded into that branch and the node disappears; with none, it is removed and its parent is
 *   reconsidered. So journals are compacted as snapshots are released, and the tree holds at
 *   most about twice as many nodes as there are live snapshots.
 * - A request for a snapshot the shard no longer holds is a coordinator bug (it never sends one
 *   after a release it ordered), so it throws instead of answering from some other state.
 */
import { SwarmStateError } from "./errors.js";
import { Journal } from "./journal.js";
import { EMPTY_STATE, type ShardState } from "./state.js";

interface HistoryNode {
  readonly id: number;
  /** `null` only for genesis. */
  parent: HistoryNode | null;
  /** Writes from the parent's state to this node's state. */
  journal: Journal;
  /** `null` once released. */
  state: ShardState | null;
  readonly children: Set<HistoryNode>;
}

export const GENESIS_ID = 0;

export class History {
  private readonly live = new Map<number, HistoryNode>();
  /** The node the current state descends from, and the writes made since. */
  private head: HistoryNode;
  private headJournal = new Journal();
  /** Highest id ever taken: ids are never reused, even after a release. */
  private highestId = GENESIS_ID;

  constructor() {
    const genesis: HistoryNode = {
      id: GENESIS_ID,
      parent: null,
      journal: new Journal(),
      state: EMPTY_STATE,
      children: new Set(),
    };
    this.live.set(GENESIS_ID, genesis);
    this.head = genesis;
  }

  /** Number of snapshots held, genesis included. */
  get liveCount(): number {
    return this.live.size;
  }

  recordWrite(namespace: string, key: string): void {
    this.headJournal.record(namespace, key);
  }

  recordClear(): void {
    this.headJournal.cleared = true;
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
  }

  /** Moves the head to snapshot `id` and returns its state, which becomes the current one. */
  checkout(id: number): ShardState {
    const node = this.node(id);
    const previous = this.head;
    this.head = node;
    this.headJournal = new Journal();
    this.compact(previous);
    return node.state as ShardState;
  }

  release(id: number): void {
    if (id === GENESIS_ID) return;
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

  /** Removes or folds away released nodes that no longer join branches (see the invariants). */
  private compact(start: HistoryNode): void {
    let node = start;
    while (node.state === null && node.parent !== null) {
      const parent = node.parent;
      const headHere = this.head === node;
      const branches = node.children.size + (headHere ? 1 : 0);
      if (branches >= 2) return;
      parent.children.delete(node);
      if (branches === 0) {
        node = parent; // the parent lost a branch: it may be foldable now
        continue;
      }
      if (headHere) {
        this.headJournal = Journal.concat(node.journal, this.headJournal);
        this.head = parent;
      } else {
        const [child] = node.children as Set<HistoryNode> & Iterable<HistoryNode>;
        const only = child as HistoryNode;
        only.journal = Journal.concat(node.journal, only.journal);
        only.parent = parent;
        parent.children.add(only);
      }
      return;
    }
  }
}
