/**
 * What the store must hold, as the ledger says: the contents (each key's tag, see units.ts) and
 * the live snapshots with theirs. Contents are persistent maps (immutable.js), so a snapshot of
 * the model costs O(1), as the store's does, and a model can be copied to try out a guess.
 */
import { Map as PersistentMap } from "immutable";
import { idOf } from "../load/ledger.js";
import { type LoggedSnapshot, tagOf, type Unit } from "./units.js";

/** `idOf(namespace, key)` → the tag of the write whose value it holds. */
export type Contents = PersistentMap<string, string>;

export interface HeldSnapshot {
  contents: Contents;
  facts: LoggedSnapshot;
}

/** What applying a unit did to the model. */
export interface Applied {
  /** The keys whose tag may have changed; `"all"` after a restore. */
  touched: string[] | "all";
  /** For a burst, what each of its deletes must answer: whether the key held a value. */
  deleted: boolean[];
}

/** The ledger says something that cannot be applied (a restore of a snapshot not held). */
export class ModelError extends Error {
  override readonly name = "ModelError";
}

export class Model {
  constructor(
    public contents: Contents = PersistentMap(),
    readonly snapshots: Map<number, HeldSnapshot> = new Map(),
  ) {}

  /** A copy to apply guesses to; this one does not change. */
  copy(): Model {
    return new Model(this.contents, new Map(this.snapshots));
  }

  /**
   * Applies `unit`. A snapshot needs `facts`: what the store said it is.
   * @throws ModelError for a restore or release of a snapshot not held, a snapshot without facts.
   */
  apply(unit: Unit, facts?: LoggedSnapshot): Applied {
    const { n } = unit;
    switch (unit.op) {
      case "batch": {
        const ids = unit.sets.map(([namespace, key]) => idOf(namespace, key));
        this.contents = this.contents.withMutations((map) => {
          ids.forEach((id, i) => {
            map.set(id, tagOf(n, i));
          });
        });
        return { touched: ids, deleted: [] };
      }
      case "burst": {
        const ids: string[] = [];
        const deleted: boolean[] = [];
        this.contents = this.contents.withMutations((map) => {
          unit.calls.forEach(([call, namespace, key], i) => {
            const id = idOf(namespace, key);
            ids.push(id);
            if (call === "set") map.set(id, tagOf(n, i));
            else {
              deleted.push(map.has(id));
              map.delete(id);
            }
          });
        });
        return { touched: ids, deleted };
      }
      case "snapshot":
        if (facts === undefined) throw new ModelError(`snapshot unit ${n}: no id for it`);
        this.snapshots.set(facts.id, { contents: this.contents, facts });
        return { touched: [], deleted: [] };
      case "restore":
        this.contents = this.held(unit.id, n).contents;
        return { touched: "all", deleted: [] };
      case "release":
        this.held(unit.id, n);
        this.snapshots.delete(unit.id);
        return { touched: [], deleted: [] };
    }
  }

  private held(id: number, n: number): HeldSnapshot {
    const held = this.snapshots.get(id);
    if (held === undefined) {
      throw new ModelError(`unit ${n} uses snapshot ${id}, which the ledger says is not held`);
    }
    return held;
  }
}
