/**
 * A client's end of its channel to one shard (see core/protocol/port.ts for the transport and why).
 * Batches are posted as they leave the client and answered in the order they were posted, so
 * several can be in flight at once: a client never waits for one reply to send its next batch.
 *
 * Invariants:
 * - `sent` counts the batches posted here; each carries its number (`seq`) and the client's
 *   `sent` vector of that moment, which the cut rule reads (core/protocol/cut.ts).
 * - The port keeps its thread alive only while batches await answers: an idle client (one
 *   never closed, say) does not hold its thread, or the program, open; one waiting for an
 *   answer does not lose it to an early exit.
 * - Every posted batch is settled once: by its reply, or failed when the channel ends (the shard
 *   said goodbye because the store is closing, with the failure when another shard failed, or
 *   closed without one because its thread died):
 *   the batches of this channel only, since other shards still answer theirs.
 */

import { rebuildError, ShardFailedError, StoreClosedError } from "../core/errors.js";
import {
  type ClientBatch,
  type FailedGoodbye,
  GOODBYE,
  type Reply,
} from "../core/protocol/batch-format.js";
import type { DataPort } from "../core/protocol/port.js";
import type { PendingBatch } from "./pending-batch.js";

/**
 * How a link tells its client that the channel ended, and why: `StoreClosedError` (the store
 * is closing), the store's failure (the shard said goodbye with it: another shard died), or
 * `ShardFailedError` (this shard's thread died: the channel closed without a goodbye).
 */
export type LinkEnded = (why: Error) => void;

export class ShardLink {
  /** Batches posted so far. */
  sent = 0;
  private readonly waiting: PendingBatch[] = [];
  private ended = false;

  constructor(
    readonly shard: number,
    private readonly port: DataPort,
    ended: LinkEnded,
  ) {
    const end = (why: Error) => {
      this.ended = true;
      this.fail(why);
      ended(why);
    };
    port.on("message", (message) => {
      const reply = message as Reply | typeof GOODBYE | FailedGoodbye;
      if (reply === GOODBYE) end(new StoreClosedError());
      else if ("goodbye" in reply) end(rebuildError(reply.goodbye));
      else {
        this.waiting.shift()?.arrived(reply);
        if (this.waiting.length === 0) this.port.unref?.();
      }
    });
    port.on("close", () => {
      if (!this.ended) end(new ShardFailedError(this.shard, "its worker thread exited"));
    });
    // After the listeners: adding a `message` listener refs a MessagePort.
    port.unref?.();
  }

  /**
   * Posts `batch` as batch number `sent[this.shard]`: the caller counts it in `sent` (and here)
   * first, so that every part of one flush carries the same vector.
   */
  post(batch: PendingBatch, sent: readonly number[], writers: number[], commit?: number): void {
    const message: ClientBatch = {
      seq: sent[this.shard] as number,
      sent,
      writers,
      ops: batch.ops,
      ...(commit === undefined ? {} : { commit }),
    };
    if (this.waiting.length === 0) this.port.ref?.();
    this.port.postMessage(message);
    this.waiting.push(batch);
  }

  /** Fails every batch in flight with `error`. */
  fail(error: Error): void {
    for (const batch of this.waiting.splice(0)) batch.fail(error);
  }

  /** Settles once every batch posted so far has been answered. */
  async drained(): Promise<void> {
    await Promise.all(this.waiting.map((batch) => batch.settled()));
  }

  /** Closes the channel (the shard then forgets this client); batches in flight fail. */
  close(): void {
    this.ended = true;
    this.port.close();
    this.fail(new StoreClosedError("this store client is closed"));
  }
}
