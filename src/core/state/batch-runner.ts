/**
 * Applies one batch to a shard, in order, and builds the reply. Shared by the worker thread and
 * the in-process host (`shards: 0`), so both run exactly the same code.
 *
 * An op that throws (only a coordinator bug can make one throw: arguments were validated before
 * they were queued) fails alone; the ops after it still run, as they would have if called one
 * by one.
 */

import { serializeError } from "../errors.js";
import {
  ARITY,
  type Batch,
  Op,
  type OpCode,
  type PackedChanges,
  type PackedDiff,
  type PackedPairs,
  type Reply,
} from "../protocol/batch-format.js";
import type { Shard } from "./shard.js";

export function runBatch(shard: Shard, batch: Batch): Reply {
  const { ops } = batch;
  const reply: Reply = { results: [] };
  let i = 0;
  while (i < ops.length) {
    const code = ops[i] as OpCode;
    if (code === Op.set) {
      // The hot path of write bursts: read the arguments in place rather than slicing.
      shard.set(ops[i + 1] as string, ops[i + 2] as string, ops[i + 3] as string);
      i += 4;
      continue;
    }
    const args = ops.slice(i + 1, i + 1 + ARITY[code]);
    i += 1 + ARITY[code];
    try {
      reply.results.push(runOp(shard, code, args));
    } catch (error) {
      reply.failures ??= [];
      reply.failures.push([reply.results.length, serializeError(error)]);
      reply.results.push(null);
    }
  }
  return reply;
}

function runOp(shard: Shard, code: OpCode, args: (number | string)[]): unknown {
  const [a, b, c] = args;
  switch (code) {
    case Op.get:
      return shard.get(a as string, b as string);
    case Op.has:
      return shard.has(a as string, b as string);
    case Op.delete:
      return shard.delete(a as string, b as string);
    case Op.keys:
      return shard.keys(a as string);
    case Op.namespaces:
      return shard.namespaces();
    case Op.size:
      return shard.size();
    case Op.release:
      shard.release(a as number);
      return null;
    case Op.snapshotGet:
      return shard.snapshotGet(a as number, b as string, c as string);
    case Op.snapshotKeys:
      return shard.snapshotKeys(a as number);
    case Op.diff:
      return shard.diff(a as number, b as number);
    case Op.changes:
      return shard.changes(a as number, b as number);
    case Op.set:
      throw new TypeError("set is applied by runBatch itself");
  }
}

/** Buffers in a reply that can be transferred instead of copied (those of packed lists). */
export function transferablesOf(reply: Reply): ArrayBuffer[] {
  const buffers: ArrayBuffer[] = [];
  const add = (pairs: PackedPairs) => {
    // Fresh arrays of their own (see core/protocol/pairs.ts), never shared memory.
    buffers.push(pairs.counts.buffer as ArrayBuffer, pairs.lengths.buffer as ArrayBuffer);
  };
  for (const result of reply.results) {
    if (result === null || typeof result !== "object") continue;
    if ("lengths" in result) add(result as PackedPairs);
    else if ("added" in result) {
      const { added, removed, changed } = result as PackedDiff;
      for (const list of [added, removed, changed]) add(list);
    } else if ("valueLengths" in result) {
      const { removed, put, valueLengths } = result as PackedChanges;
      add(removed);
      add(put);
      buffers.push(valueLengths.buffer as ArrayBuffer);
    }
  }
  return buffers;
}
