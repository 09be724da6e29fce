/**
 * `SwarmStateStore`: LangGraph.js's long-term memory (`BaseStore`) over any swarmstate
 * `StoreApi`. The layout is store-layout.ts; search filters search-filter.ts; namespace listing
 * namespace-match.ts. Like the saver it keeps nothing in memory, so the store's snapshots,
 * restores and diffs cover memories too.
 */
import {
  BaseStore,
  type GetOperation,
  type Item,
  type ListNamespacesOperation,
  type Operation,
  type OperationResults,
  type PutOperation,
  type SearchItem,
  type SearchOperation,
  validateNamespace,
} from "@langchain/langgraph-checkpoint";
import { type StoreApi, SwarmStateError, type Value } from "../index.js";
import { listPaths } from "./namespace-match.js";
import { checkPrefix, checkStoreApi } from "./options.js";
import { readStoredItem } from "./records.js";
import { matchesFilter } from "./search-filter.js";
import { type StoredItem, StoreLayout } from "./store-layout.js";

/** Options of {@link SwarmStateStore}. */
export interface SwarmStateStoreOptions {
  /** Where memories are kept: a `Store` or a `RemoteStore` (any `StoreApi`). */
  store: StoreApi;
  /**
   * Start of every swarmstate namespace it uses (default `"langgraph"`); a `SwarmStateSaver`
   * with the same prefix uses other names, so both can share it. No `:` allowed.
   */
  prefix?: string;
}

type Pair = [string, string];

/**
 * LangGraph's long-term memory store on swarmstate: `get`, `put`, `delete`, `search` (namespace
 * prefix, `filter` with `$eq $ne $gt $gte $lt $lte $in $nin`, `limit`, `offset`) and
 * `listNamespaces` (`prefix`, `suffix` with `"*"` wildcards, `maxDepth`, `limit`, `offset`),
 * all through `batch`, with LangGraph's namespace rules. Values must be swarmstate values
 * (msgpack: no `Date`, class instances or functions). There is no vector index: a `search`
 * with a `query` is refused.
 *
 * In a batch, every read sees the store as it was before the batch's writes; writes to the
 * same item keep the last. Search results come ordered by namespace path, then key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Store } from "swarmstate";
 * import { SwarmStateStore } from "swarmstate/langgraph";
 *
 * const store = new Store();
 * const memory = new SwarmStateStore({ store });
 * await memory.put(["users", "u1"], "prefs", { theme: "dark" });
 * const found = await memory.search(["users"], { filter: { theme: "dark" } });
 * assert.deepEqual(
 *   found.map((item) => [item.namespace, item.key]),
 *   [[["users", "u1"], "prefs"]],
 * );
 * await store.close();
 * ```
 */
export class SwarmStateStore extends BaseStore {
  /** The store the memories live in. */
  readonly store: StoreApi;
  /** Start of every swarmstate namespace this store uses. */
  readonly prefix: string;
  readonly #layout: StoreLayout;

  constructor(options: SwarmStateStoreOptions) {
    super();
    this.store = checkStoreApi(options, "SwarmStateStore");
    if ((options as { index?: unknown }).index !== undefined) {
      throw new TypeError(
        "SwarmStateStore: options.index is not supported (there is no vector index); " +
          "search with a filter instead",
      );
    }
    this.prefix = checkPrefix(options.prefix, "SwarmStateStore");
    this.#layout = new StoreLayout(this.prefix);
  }

  async batch<Op extends Operation[]>(operations: Op): Promise<OperationResults<Op>> {
    const kinds = operations.map(checkOperation);
    const puts = lastPutPerItem(operations, kinds);
    // Reads first, writes after: per-client order makes every read see the pre-batch store.
    const [results, existing] = await Promise.all([
      Promise.all(
        operations.map((op, i) => {
          switch (kinds[i]) {
            case "get":
              return this.#get(op as GetOperation);
            case "search":
              return this.#search(op as SearchOperation);
            case "list":
              return this.#listNamespaces(op as ListNamespacesOperation);
            default:
              return null;
          }
        }),
      ),
      this.store.getMany(puts.map((op): Pair => [this.#layout.items(op.namespace), op.key])),
    ]);
    const where = (op: PutOperation) => `${this.#layout.items(op.namespace)}/${op.key}`;
    await this.#write(
      puts,
      existing.map((value, i) => readStoredItem(value, where(puts[i] as PutOperation))),
    );
    return results as OperationResults<Op>;
  }

  async #get({ namespace, key }: GetOperation): Promise<Item | null> {
    const items = this.#layout.items(namespace);
    const stored = readStoredItem(await this.store.get(items, key), `${items}/${key}`);
    return stored === undefined ? null : itemOf(namespace, key, stored);
  }

  async #search(op: SearchOperation): Promise<SearchItem[]> {
    const { namespacePrefix: prefix, filter } = op;
    const offset = op.offset ?? 0;
    const limit = op.limit ?? 10;
    const paths = (await this.#paths()).filter((path) => prefix.every((l, i) => path[i] === l));
    const keys = await Promise.all(paths.map((path) => this.store.keys(this.#layout.items(path))));
    const candidates = paths.flatMap((path, i) =>
      (keys[i] ?? []).map((key): [string[], string] => [path, key]),
    );
    // Without a filter only the page is read; with one, every candidate is.
    const page = filter === undefined ? candidates.slice(offset, offset + limit) : candidates;
    const stored = await this.store.getMany(
      page.map(([path, key]): Pair => [this.#layout.items(path), key]),
    );
    const found = page.flatMap(([path, key], i): SearchItem[] => {
      const item = readStoredItem(stored[i], `${this.#layout.items(path)}/${key}`);
      if (item === undefined || !matchesFilter(item.value, filter)) return [];
      return [itemOf(path, key, item)];
    });
    return filter === undefined ? found : found.slice(offset, offset + limit);
  }

  async #listNamespaces(op: ListNamespacesOperation): Promise<string[][]> {
    const paths = await this.#paths();
    const keys = await Promise.all(paths.map((path) => this.store.keys(this.#layout.items(path))));
    return listPaths(
      paths.filter((_, i) => (keys[i] ?? []).length > 0),
      op,
    );
  }

  /** Every path that has held an item, in path order (label by label). */
  async #paths(): Promise<string[][]> {
    const paths = (await this.store.keys(this.#layout.index)).map((key) =>
      this.#layout.parseIndexKey(key),
    );
    return paths.sort(comparePaths);
  }

  async #write(puts: PutOperation[], existing: (StoredItem | undefined)[]): Promise<void> {
    const now = Date.now();
    const items: [string, string, Value][] = [];
    const deletes: Pair[] = [];
    puts.forEach((op, i) => {
      const namespace = this.#layout.items(op.namespace);
      if (op.value === null) {
        deletes.push([namespace, op.key]);
        return;
      }
      const item: StoredItem = {
        value: op.value as Value,
        createdAt: existing[i]?.createdAt ?? now,
        updatedAt: now,
      };
      items.push(
        [namespace, op.key, item],
        [this.#layout.index, this.#layout.indexKey(op.namespace), null],
      );
    });
    // Values are checked by `setMany`, all or nothing: a refused value deletes nothing either.
    await this.store.setMany(items);
    await Promise.all(deletes.map(([namespace, key]) => this.store.delete(namespace, key)));
  }
}

type Kind = "get" | "search" | "put" | "list";

/** What an operation is, after checking it as LangGraph's `InMemoryStore` does. */
function checkOperation(op: Operation): Kind {
  if ("namespace" in op) validateNamespace(op.namespace, { allowReservedRoot: true });
  if ("key" in op && "namespace" in op && !("value" in op)) return "get";
  if ("namespacePrefix" in op) {
    if (op.namespacePrefix.length > 0) {
      validateNamespace(op.namespacePrefix, { allowReservedRoot: true });
    }
    if (op.query !== undefined && op.query !== "") {
      throw new SwarmStateError(
        "SwarmStateStore has no vector index: search by query is not supported " +
          `(query ${JSON.stringify(op.query)}); search with a filter instead`,
      );
    }
    return "search";
  }
  if ("value" in op) return "put";
  if ("matchConditions" in op) return "list";
  throw new TypeError(`SwarmStateStore.batch: not an operation: ${JSON.stringify(op)}`);
}

/** The puts of a batch, the last one per item, in the order their items first appear. */
function lastPutPerItem(operations: Operation[], kinds: Kind[]): PutOperation[] {
  const last = new Map<string, PutOperation>();
  operations.forEach((op, i) => {
    if (kinds[i] !== "put") return;
    const put = op as PutOperation;
    last.set(JSON.stringify([put.namespace, put.key]), put);
  });
  return [...last.values()];
}

function itemOf(namespace: string[], key: string, stored: StoredItem): Item {
  return {
    namespace: [...namespace],
    key,
    value: stored.value as Record<string, unknown>,
    createdAt: new Date(stored.createdAt),
    updatedAt: new Date(stored.updatedAt),
  };
}

function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i] as string, b[i] as string];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
