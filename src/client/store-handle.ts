/**
 * What every store handle does the same way, the `Store` in its own thread and a `RemoteStore`
 * in another: check each call's arguments and encode its values (one walk, see
 * core/codec/value.ts) in the caller's thread, then hand it to the handle's client, which
 * reaches the shards directly (see data-path.ts). Every method is `async`, so a refused call
 * rejects (it never throws synchronously) and has changed nothing.
 */
import { readChangeset } from "../core/changeset/changeset-reader.js";
import type { Value } from "../core/codec/value.js";
import {
  checkKey,
  checkNamespace,
  checkPairs,
  encodeItems,
  encodeStoredValue,
} from "./arguments.js";
import type { StoreClient } from "./data-path.js";
import { checkSameStore, createSnapshot, type Snapshot } from "./snapshot.js";
import type { StoreApi } from "./store-api.js";

export abstract class StoreHandle implements StoreApi {
  abstract readonly shards: number;
  abstract readonly maxHistory: number | null;
  readonly codec = "msgpack" as const;

  /** @internal */
  protected constructor(protected readonly client: StoreClient) {}

  async set(namespace: string, key: string, value: Value): Promise<void> {
    checkNamespace("set", namespace);
    checkKey("set", key);
    return this.client.set(namespace, key, encodeStoredValue("set", "value", value));
  }

  async get<D = undefined>(namespace: string, key: string, defaultValue?: D): Promise<Value | D> {
    checkNamespace("get", namespace);
    checkKey("get", key);
    const value = await this.client.get(namespace, key);
    return value === undefined ? (defaultValue as D) : value;
  }

  async setMany(items: readonly (readonly [string, string, Value])[]): Promise<void> {
    return this.client.setMany(encodeItems(items));
  }

  async getMany(pairs: readonly (readonly [string, string])[]): Promise<(Value | undefined)[]> {
    checkPairs(pairs);
    return this.client.getMany(pairs);
  }

  async has(namespace: string, key: string): Promise<boolean> {
    checkNamespace("has", namespace);
    checkKey("has", key);
    return this.client.has(namespace, key);
  }

  async delete(namespace: string, key: string): Promise<boolean> {
    checkNamespace("delete", namespace);
    checkKey("delete", key);
    return this.client.delete(namespace, key);
  }

  async keys(namespace: string): Promise<string[]> {
    checkNamespace("keys", namespace);
    return this.client.keys(namespace);
  }

  async namespaces(): Promise<string[]> {
    return this.client.namespaces();
  }

  async size(): Promise<number> {
    return this.client.size();
  }

  async clear(): Promise<void> {
    return this.client.clear();
  }

  async snapshot(): Promise<Snapshot> {
    return createSnapshot(this.client, await this.client.snapshot());
  }

  async restore(snapshot: Snapshot): Promise<void> {
    checkSameStore(this.client, snapshot, "restore", "snapshot");
    return this.client.restore(snapshot.id);
  }

  async snapshots(): Promise<Snapshot[]> {
    const infos = await this.client.snapshots();
    return infos.map((info) => createSnapshot(this.client, info));
  }

  async apply(changeset: Uint8Array): Promise<void> {
    return this.client.apply(readChangeset(changeset, "apply"), changeset);
  }

  async sync(): Promise<void> {
    return this.client.sync();
  }

  abstract close(): Promise<void>;
}
