/**
 * `StoreOptions`, their defaults and their validation: bad options fail in the constructor,
 * naming the option, never later inside a worker.
 */
import { availableParallelism } from "node:os";
import { checkOptionFields } from "../client/arguments.js";
import { typeName } from "../core/codec/type-name.js";
import {
  type Replication,
  type ReplicationOptions,
  resolveReplication,
} from "../replication/replication-options.js";

/** Options of `new Store(options)`. */
export interface StoreOptions {
  /**
   * Worker threads, each owning the namespaces hashed to it. `0` keeps everything in the
   * calling thread (same semantics, no workers). Default: {@link DEFAULT_SHARDS}.
   */
  shards?: number;
  /** Keep at most this many snapshots, releasing the oldest; `null` (default) = unlimited. */
  maxHistory?: number | null;
  /**
   * A directory: the store lives there and survives restarts (created if missing or empty).
   * Reopening it gives back the state of the last acknowledged call and every snapshot not
   * released. Without it, everything lives in memory.
   */
  path?: string;
  /**
   * With `path` only. `"sync"` (default): a call resolves once its effect is on disk (flushed;
   * concurrent calls share one flush). `"async"`: it resolves once applied in memory, and
   * reaches disk with the next commit, normally within milliseconds (see docs/durability.md).
   */
  durability?: "sync" | "async";
  /**
   * Shares the store among processes, on any machines, through a log in PostgreSQL: every
   * process that opens the same `url` and `name` holds a replica of one store. Writes and cuts
   * go through the log and resolve once committed and applied by this replica; reads are
   * served by the local replica (see docs/replication.md).
   *
   * Not with `path`. `maxHistory` is the store's: every replica must give the same.
   */
  replication?: ReplicationOptions;
}

/** Most shards a store may have: each is a thread, and past this many they only cost memory. */
export const MAX_SHARDS = 64;

/**
 * Default shard count: one per CPU, at most 4. What the measurements say (2-core VM, `npm run
 * bench`): with shards in worker threads, a diff of 150k changed keys blocks the caller's event
 * loop for ~10 ms instead of ~100 ms, and big diffs and writes run beside the caller's work;
 * the price is a thread round trip per awaited call (p50 about 1.3x a bare `MessagePort` round
 * trip, 50 to 110 µs on that VM as it is more or less busy, against ~4 µs in-process) and,
 * on 2 cores, batched writes at ~0.8x the in-process rate. An agent system waits on models and
 * tools far longer than that and cannot afford a frozen event loop, so threads are the default;
 * `shards: 0` is the choice for a single caller doing many small awaited calls. More shards
 * than CPUs only add switching.
 */
export const DEFAULT_SHARDS = Math.min(4, Math.max(1, availableParallelism()));

export interface ResolvedOptions {
  /** `null`: not given (a durable store then uses the count on disk). */
  shards: number | null;
  maxHistory: number | null;
  path: string | null;
  durability: "sync" | "async" | null;
  replication: Replication | null;
}

const KNOWN = ["shards", "maxHistory", "path", "durability", "replication"];

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) {
    return { shards: null, maxHistory: null, path: null, durability: null, replication: null };
  }
  checkOptionFields("options", options, KNOWN, "option");
  const { shards, maxHistory, path, durability, replication } = options as StoreOptions;
  if (replication !== undefined && path !== undefined) {
    throw new TypeError(
      "options.replication: not with options.path (a replica is in memory; its log is the store's durable copy)",
    );
  }
  if (path !== undefined && (typeof path !== "string" || path === "")) {
    throw new TypeError(`options.path: expected a non-empty string, got ${typeName(path)}`);
  }
  if (durability !== undefined) {
    if (path === undefined) {
      throw new TypeError("options.durability: only with options.path (a store on disk)");
    }
    if (durability !== "sync" && durability !== "async") {
      throw new TypeError(
        `options.durability: expected "sync" or "async", got ${JSON.stringify(durability) ?? typeName(durability)}`,
      );
    }
  }
  return {
    shards: shards === undefined ? null : checkCount("shards", shards, 0, MAX_SHARDS),
    maxHistory:
      maxHistory === undefined || maxHistory === null
        ? null
        : checkCount("maxHistory", maxHistory, 1, Number.MAX_SAFE_INTEGER),
    path: path ?? null,
    durability: path === undefined ? null : (durability ?? "sync"),
    replication: replication === undefined ? null : resolveReplication(replication),
  };
}

function checkCount(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== "number") {
    throw new TypeError(`options.${name}: expected an integer, got ${typeName(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `options.${name}: expected an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}
