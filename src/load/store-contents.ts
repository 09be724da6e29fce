/**
 * Reads a whole store, every key with what its value says (for a full check: its digest).
 * Values come in chunks of `getMany`, each chunk an await, so the reading thread's event loop
 * (which also serves the agents' connections) keeps turning through a large store.
 */
import type { StoreApi, Value } from "../index.js";
import { digestOf, idOf } from "./ledger.js";

const CHUNK = 500;

/** Every key in `store` with the digest of its value. Call it while nobody writes. */
export function readContents(store: StoreApi): Promise<Map<string, string>> {
  return readEntries(store, digestOf);
}

/** Every key in `store` (`idOf(namespace, key)`) with `read(value)`. Call it while nobody writes. */
export async function readEntries<T>(
  store: StoreApi,
  read: (value: Value) => T,
): Promise<Map<string, T>> {
  const contents = new Map<string, T>();
  for (const namespace of await store.namespaces()) {
    const keys = await store.keys(namespace);
    for (let i = 0; i < keys.length; i += CHUNK) {
      const chunk = keys.slice(i, i + CHUNK);
      const values = await store.getMany(chunk.map((key) => [namespace, key] as const));
      values.forEach((value, j) => {
        if (value !== undefined) contents.set(idOf(namespace, chunk[j] as string), read(value));
      });
    }
  }
  return contents;
}
