/**
 * What changes a shard, as a flat list that can be written down and replayed: the writes of a
 * client's batch, and what a cut does. A durable shard logs these as it applies them and
 * replays them when it reopens (see durable/), so replaying a shard's mutations from an empty
 * shard rebuilds it exactly: contents, snapshots under the same ids, and their history.
 *
 * Flat on purpose, like a batch (core/protocol/batch-format.ts): each code is followed by its
 * arguments. Values are encoded values in their in-memory form (latin1 strings, see
 * core/state/state.ts).
 */
import {
  ARITY,
  type Batch,
  type ChangesToApply,
  type CutAction,
  Op,
  type OpCode,
} from "../protocol/batch-format.js";
import type { Shard } from "../state/shard.js";

/** Mutation codes; each is followed by the arguments listed. */
export const Mut = {
  /** namespace, key, encoded value */
  set: 1,
  /** namespace, key */
  delete: 2,
  /** snapshot id */
  release: 3,
  /** snapshot id */
  snapshot: 4,
  /** snapshot id */
  restore: 5,
  /** (none) */
  clear: 6,
} as const;

export type MutCode = (typeof Mut)[keyof typeof Mut];

/** Arguments following each code. */
export const MUT_ARITY: Readonly<Record<MutCode, number>> = { 1: 3, 2: 2, 3: 1, 4: 1, 5: 1, 6: 0 };

/** Codes, each followed by its arguments. */
export type Mutations = (number | string)[];

/** The batch ops that write, and the mutation each is logged as (with the same arguments). */
const WRITE_OPS: Partial<Record<OpCode, MutCode>> = {
  [Op.set]: Mut.set,
  [Op.delete]: Mut.delete,
  [Op.release]: Mut.release,
};

/** The writes of a client's batch (sets, deletes, releases), in order; reads are left out. */
export function mutationsOfBatch(batch: Batch): Mutations {
  const { ops } = batch;
  const mutations: Mutations = [];
  let i = 0;
  while (i < ops.length) {
    const code = ops[i] as OpCode;
    const arity = ARITY[code];
    const mut = WRITE_OPS[code];
    if (mut !== undefined) {
      mutations.push(mut);
      for (let k = i + 1; k <= i + arity; k++) mutations.push(ops[k] as number | string);
    }
    i += 1 + arity;
  }
  return mutations;
}

/** What a cut's action does to a shard (`release`: the snapshots `maxHistory` lets go with it). */
export function mutationsOfCut(action: CutAction): Mutations {
  switch (action.kind) {
    case "snapshot":
      return [Mut.snapshot, action.id, ...action.release.flatMap((id) => [Mut.release, id])];
    case "restore":
      return [Mut.restore, action.id];
    case "clear":
      return [Mut.clear];
    case "apply":
      return mutationsOfChanges(action);
    case "abort":
      return [];
  }
}

/**
 * What applying a shard's part of a changeset does: removals (of absent pairs: no-ops), then
 * puts (overwriting).
 */
function mutationsOfChanges({ removed, put }: ChangesToApply): Mutations {
  const mutations: Mutations = [];
  for (let i = 0; i < removed.length; i += 2) {
    mutations.push(Mut.delete, removed[i] as string, removed[i + 1] as string);
  }
  for (let i = 0; i < put.length; i += 3) {
    mutations.push(Mut.set, put[i] as string, put[i + 1] as string, put[i + 2] as string);
  }
  return mutations;
}

/** Applies `mutations` to `shard`, in order. */
export function applyMutations(shard: Shard, mutations: Mutations): void {
  let i = 0;
  while (i < mutations.length) {
    const code = mutations[i] as MutCode;
    const a = mutations[i + 1];
    const b = mutations[i + 2];
    switch (code) {
      case Mut.set:
        shard.set(a as string, b as string, mutations[i + 3] as string);
        break;
      case Mut.delete:
        shard.delete(a as string, b as string);
        break;
      case Mut.release:
        shard.release(a as number);
        break;
      case Mut.snapshot:
        shard.snapshot(a as number);
        break;
      case Mut.restore:
        shard.restore(a as number);
        break;
      case Mut.clear:
        shard.clear();
        break;
      default:
        throw new Error(`unknown mutation code ${code}`);
    }
    i += 1 + MUT_ARITY[code];
  }
}
