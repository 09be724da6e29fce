/**
 * Checks of the options both LangGraph classes take, made at the constructor so that a wrong
 * option fails there, naming it, and not at the first call.
 */
import type { StoreApi } from "../index.js";

const STORE_METHODS = ["get", "getMany", "setMany", "has", "delete", "keys"] as const;

/** The `store` option: anything with the `StoreApi` methods the classes call. */
export function checkStoreApi(options: { store?: unknown } | undefined, owner: string): StoreApi {
  const store = options?.store as Partial<Record<string, unknown>> | undefined;
  if (typeof store !== "object" || store === null) {
    throw new TypeError(`${owner}: options.store must be a swarmstate Store or RemoteStore`);
  }
  const lacking = STORE_METHODS.filter((method) => typeof store[method] !== "function");
  if (lacking.length > 0) {
    throw new TypeError(
      `${owner}: options.store must be a swarmstate Store or RemoteStore (it has no ${lacking.join(", ")})`,
    );
  }
  return store as unknown as StoreApi;
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
