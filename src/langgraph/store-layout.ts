/**
 * Where `SwarmStateStore` keeps LangGraph's long-term memory in a swarmstate store: the one
 * module that knows the layout. Names start with the store's `prefix` (default `"langgraph"`).
 *
 * | swarmstate namespace              | key                       | value                       |
 * | --------------------------------- | ------------------------- | --------------------------- |
 * | `{p}.store:["users","u1"]`        | the item's key            | {@link StoredItem}          |
 * | `{p}.store-namespaces`            | `["users","u1"]`          | `null` (the index of paths) |
 *
 * Invariants:
 * - Each LangGraph namespace (a path of labels) is one swarmstate namespace, so reading one is
 *   `keys` plus `getMany`, and `keys` comes sorted.
 * - The index lists every path that has held an item; it is written with every put (the same
 *   bytes again are no change) and never pruned, because no store call could prune it safely
 *   while another client puts into the same path. Listing and searching read it instead of the
 *   whole store's `namespaces()` (which would also list every checkpoint's), and skip the paths
 *   that are empty now.
 * - Items are plain swarmstate values (any msgpack tool can read them); times are milliseconds
 *   since the epoch.
 */
import type { Value } from "../index.js";

/** An item as stored: the value and when it was first put and last put. */
export type StoredItem = {
  value: Value;
  createdAt: number;
  updatedAt: number;
};

export class StoreLayout {
  constructor(readonly prefix: string) {}

  /** The swarmstate namespace holding one LangGraph namespace's items. */
  items(path: readonly string[]): string {
    return `${this.prefix}.store:${JSON.stringify(path)}`;
  }

  /** The swarmstate namespace listing every path that has held an item. */
  get index(): string {
    return `${this.prefix}.store-namespaces`;
  }

  indexKey(path: readonly string[]): string {
    return JSON.stringify(path);
  }

  parseIndexKey(key: string): string[] {
    return JSON.parse(key) as string[];
  }
}
