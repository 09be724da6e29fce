/**
 * `StoreOptions`, their defaults and their validation: bad options fail in the constructor,
 * naming the option, never later inside a worker.
 */
import { availableParallelism } from "node:os";
import { typeName } from "../core/type-name.js";

/** Options of `new Store(options)`. */
export interface StoreOptions {
  /**
   * Worker threads, each owning the namespaces hashed to it. `0` keeps everything in the
   * calling thread (same semantics, no workers). Default: {@link DEFAULT_SHARDS}.
   */
  shards?: number;
  /** Keep at most this many snapshots, releasing the oldest; `null` (default) = unlimited. */
  maxHistory?: number | null;
}

/** Most shards a store may have: each is a thread, and past this many they only cost memory. */
export const MAX_SHARDS = 64;

/**
 * Default shard count: one per CPU, at most 4. What the measurements say (2-core VM, `npm run
 * bench`): with shards in worker threads, a diff of 150k changed keys blocks the caller's event
 * loop for ~10 ms instead of ~100 ms, and big diffs and writes run beside the caller's work;
 * the price is a thread round trip per awaited call (p50 ~100 µs against ~3 µs in-process) and,
 * on 2 cores, batched writes at ~0.8x the in-process rate. An agent system waits on models and
 * tools far longer than that and cannot afford a frozen event loop, so threads are the default;
 * `shards: 0` is the choice for a single caller doing many small awaited calls. More shards
 * than CPUs only add switching.
 */
export const DEFAULT_SHARDS = Math.min(4, Math.max(1, availableParallelism()));

export interface ResolvedOptions {
  shards: number;
  maxHistory: number | null;
}

const KNOWN = new Set(["shards", "maxHistory"]);

export function resolveOptions(options: unknown): ResolvedOptions {
  if (options === undefined) return { shards: DEFAULT_SHARDS, maxHistory: null };
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`options: expected an object, got ${typeName(options)}`);
  }
  for (const name of Object.keys(options)) {
    if (!KNOWN.has(name)) {
      throw new TypeError(`options.${name}: unknown option (known: shards, maxHistory)`);
    }
  }
  const { shards, maxHistory } = options as StoreOptions;
  return {
    shards: shards === undefined ? DEFAULT_SHARDS : checkCount("shards", shards, 0, MAX_SHARDS),
    maxHistory:
      maxHistory === undefined || maxHistory === null
        ? null
        : checkCount("maxHistory", maxHistory, 1, Number.MAX_SAFE_INTEGER),
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
