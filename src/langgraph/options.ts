/**
 * Checks of the options both LangGraph classes take, made at the constructor so that a wrong
 * option fails there, naming it, and not at the first call.
 */
import type { StoreApi } from "../index.js";

const STORE_METHODS = ["get", "getMany", "setMany", "has", "delete", "keys"] as const;

/** The `store` option: anything with the `StoreApi` methods the classes call. */
export function checkStoreApi(options: { store?: unknown } | undefined, owner: string): StoreApi {
  const store = options?.store;
  if (typeof store !== "object" || store === null) {
    throw new TypeError(`${owner}: options.store must be a swarmstate Store or RemoteStore`);
  }
  if (!isStoreApi(store)) {
    throw new TypeError(
      `${owner}: options.store must be a swarmstate Store or RemoteStore (it has no ${lackingMethods(store).join(", ")})`,
    );
  }
  return store;
}

/** The `StoreApi` methods the classes call that `store` does not have. */
function lackingMethods(store: object): string[] {
  return STORE_METHODS.filter((method) => typeof Reflect.get(store, method) !== "function");
}

/** Whether `store` has every method the classes call (all a duck's type can tell). */
function isStoreApi(store: object): store is StoreApi {
  return lackingMethods(store).length === 0;
}

/** The `prefix` option: a non-empty string without `:` (which separates a name's parts). */
export function checkPrefix(prefix: unknown, owner: string): string {
  if (prefix === undefined) return "langgraph";
  if (typeof prefix !== "string" || prefix === "" || prefix.includes(":")) {
    throw new TypeError(
      `${owner}: options.prefix must be a non-empty string without ":", got ${JSON.stringify(prefix)}`,
    );
  }
  return prefix;
}
