/**
 * The cut rule: how a store-wide operation (snapshot, restore, clear, apply) finds one point in
 * every shard's sequence that is consistent for every client, although clients send their calls
 * straight to the shards and no single queue orders them.
 *
 * What a batch carries. A client numbers the batches it sends to each shard: `seq` is 1, 2, 3, …
 * per (client, shard). With each batch it also sends `sent`: how many batches it had sent to
 * every shard at that moment, this one included. One flush of a client posts its parts to
 * several shards with one shared `sent`, so vectors never decrease along a client's sends.
 *
 * The protocol, for a cut asked by client `r`:
 * 1. `r` sends every call it made before asking, notes its own `sent` vector, and holds back
 *    what it calls afterwards until the cut is over.
 * 2. Prepare: every shard stops applying batches (it holds those that arrive) and reports, per
 *    client, the `sent` vector of the last batch it applied.
 * 3. Decide ({@link decideCut}): for each client, `need` = the component-wise maximum of the
 *    vectors reported for it (and of `r`'s own vector). Vectors grow along a client's sends, so
 *    this is the vector of the latest batch of that client applied anywhere.
 * 4. Commit: each shard applies, per client, the batches up to `need[client][shard]` (held ones,
 *    then any still on their way: they were all sent before the cut began, so they arrive
 *    without the client doing anything, and a busy client thread never stalls a cut), performs
 *    the operation, and resumes.
 *
 * Invariant: for every client, the batches a cut holds are, on every shard, exactly those the
 * client sent up to one of its batches: a prefix of its sends, never a later batch without an
 * earlier one; for the requester, every batch it sent before asking and none after. No shard has
 * applied more than `need` when it prepares, since `need` is at least what each one reported.
 *
 * Clients that leave. A client whose channel to a shard closes (it disconnected, or its thread
 * died) has delivered everything it posted there before the close; the shard stops waiting for
 * more from it. It still reports the client's last vector: another shard may not have applied
 * what that vector covers yet, and the vector is what makes that shard catch up. Once every
 * shard reports the client closed, nothing of it is in flight anywhere; the cut tells the
 * shards to forget it.
 */

export type ClientId = number;

/** What the cut rule reads from a batch. */
export interface Sequenced {
  /** This batch's number among those its client sent to this shard, from 1. */
  readonly seq: number;
  /** How many batches its client had sent to each shard when sending this one (it included). */
  readonly sent: readonly number[];
}

/** What a shard says of one client at prepare. */
export interface ClientReport {
  client: ClientId;
  /** The `sent` vector of the last batch of it applied here, or `null` for none yet. */
  last: readonly number[] | null;
  /** Its channel to this shard closed. */
  closed: boolean;
}

/** A shard's answer to prepare: every client it knows. */
export type CutReport = ClientReport[];

/** What every shard is told at commit. */
export interface CutDecision {
  /** Per shard: what it must have applied at the cut. */
  needs: CutNeed[];
  /** Clients closed on every shard: to be forgotten once nothing of them is held. */
  forget: ClientId[];
}

/** For one shard: per client, how many of its batches the shard must have applied at the cut. */
export type CutNeed = [ClientId, number][];

/** The requester of a cut: its `sent` vector once it has sent every call made before asking. */
export interface CutRequester {
  client: ClientId;
  sent: readonly number[];
}

/** Decides, from every shard's report, what each shard must have applied at the cut. */
export function decideCut(
  reports: readonly CutReport[],
  shardCount: number,
  requester: CutRequester | null,
): CutDecision {
  const need = new Map<ClientId, number[]>();
  const raise = (client: ClientId, sent: readonly number[]) => {
    let vector = need.get(client);
    if (vector === undefined) {
      vector = new Array<number>(shardCount).fill(0);
      need.set(client, vector);
    }
    for (let shard = 0; shard < shardCount; shard++) {
      vector[shard] = Math.max(vector[shard] as number, sent[shard] ?? 0);
    }
  };
  const closedOn = new Map<ClientId, number>();
  for (const report of reports) {
    for (const { client, last, closed } of report) {
      if (last !== null) raise(client, last);
      if (closed) closedOn.set(client, (closedOn.get(client) ?? 0) + 1);
    }
  }
  if (requester !== null) raise(requester.client, requester.sent);
  const needs = Array.from({ length: shardCount }, (_, shard) => {
    const column: CutNeed = [];
    for (const [client, vector] of need) {
      if ((vector[shard] as number) > 0) column.push([client, vector[shard] as number]);
    }
    return column;
  });
  const forget = [...closedOn].filter(([, shards]) => shards === reports.length).map(([c]) => c);
  return { needs, forget };
}

interface ClientQueue {
  /** Batches applied so far. */
  applied: number;
  /** The `sent` vector of the last one applied. */
  last: readonly number[] | null;
  /** Batches received but held (counted here so arrivals can be checked in order). */
  held: number;
  /** Its channel closed: nothing more will come. */
  closed: boolean;
  /** Closed on every shard (a cut said so): forgotten once nothing of it is held. */
  forgettable: boolean;
}

/** A batch held during a cut, with its client. */
export type Held<B> = [ClientId, B];

/**
 * One shard's side of the cut rule: which batches to apply now and which to hold. It applies
 * nothing itself; every batch it hands back must be applied at once, in the order given (it
 * counts them as applied).
 */
export class CutParticipant<B extends Sequenced> {
  private readonly clients = new Map<ClientId, ClientQueue>();
  private phase: "open" | "prepared" | "committing" = "open";
  /** Held batches, in arrival order (per client, in `seq` order). */
  private held: Held<B>[] = [];
  /** While committing: per client, the batches still to apply before the cut. */
  private readonly missing = new Map<ClientId, number>();

  /** A client's channel to this shard opened. */
  join(client: ClientId): void {
    if (this.clients.has(client)) throw new Error(`client ${client} joined this shard twice`);
    this.clients.set(client, {
      applied: 0,
      last: null,
      held: 0,
      closed: false,
      forgettable: false,
    });
  }

  /** A client's channel closed: whatever it sent here has arrived. */
  leave(client: ClientId): void {
    const queue = this.clients.get(client);
    if (queue === undefined) return;
    queue.closed = true;
    this.missing.delete(client);
  }

  /** A batch arrived from `client`; returns the batches to apply now. */
  arrive(client: ClientId, batch: B): B[] {
    const queue = this.queueOf(client);
    const expected = queue.applied + queue.held + 1;
    if (batch.seq !== expected) {
      throw new Error(`client ${client} sent batch ${batch.seq} where ${expected} was due`);
    }
    const wanted = this.missing.get(client) ?? 0;
    if (this.phase === "open" || (this.phase === "committing" && wanted > 0 && queue.held === 0)) {
      this.applied(client, queue, batch);
      return [batch];
    }
    queue.held++;
    this.held.push([client, batch]);
    return [];
  }

  /** Stops applying; returns, per client, the vector of the last batch applied. */
  prepare(): CutReport {
    if (this.phase !== "open") throw new Error("a cut is already under way on this shard");
    this.phase = "prepared";
    const report: CutReport = [];
    for (const [client, { last, closed }] of this.clients) report.push({ client, last, closed });
    return report;
  }

  /** Starts the commit; returns the held batches to apply before the cut. */
  commit(need: CutNeed, forget: readonly ClientId[]): Held<B>[] {
    if (this.phase !== "prepared") throw new Error("commit without prepare");
    this.phase = "committing";
    for (const client of forget) {
      const queue = this.clients.get(client);
      if (queue !== undefined) queue.forgettable = true;
    }
    const counts = new Map(need);
    for (const [client, count] of counts) {
      const queue = this.clients.get(client);
      // Unknown: forgotten, so everything it ever sent here was applied.
      if (queue !== undefined && !queue.closed && count > queue.applied) {
        this.missing.set(client, count - queue.applied);
      }
    }
    const now: Held<B>[] = [];
    const still: Held<B>[] = [];
    for (const entry of this.held) {
      const [client, batch] = entry;
      const queue = this.clients.get(client) as ClientQueue;
      if (batch.seq <= (counts.get(client) ?? 0)) {
        queue.held--;
        this.applied(client, queue, batch);
        now.push(entry);
      } else {
        still.push(entry);
      }
    }
    this.held = still;
    return now;
  }

  /** Per client, how many of its batches were applied (for a checkpoint: shard-persistence.ts). */
  appliedCounts(): [ClientId, number][] {
    return [...this.clients].map(([client, { applied }]) => [client, applied]);
  }

  /** Whether the commit has everything it needs: the operation may run. */
  get ready(): boolean {
    return this.phase === "committing" && this.missing.size === 0;
  }

  /** After the operation: returns the held batches, to apply now, and applies as usual again. */
  resume(): Held<B>[] {
    if (!this.ready) throw new Error("resume before the cut was reached");
    this.phase = "open";
    const held = this.held;
    this.held = [];
    for (const [client, batch] of held) {
      const queue = this.clients.get(client) as ClientQueue;
      queue.held--;
      this.applied(client, queue, batch);
    }
    for (const [client, queue] of this.clients) this.forgetIfDone(client, queue);
    return held;
  }

  private applied(client: ClientId, queue: ClientQueue, batch: B): void {
    queue.applied++;
    queue.last = batch.sent;
    const wanted = this.missing.get(client);
    if (wanted === undefined) return;
    if (wanted <= 1) this.missing.delete(client);
    else this.missing.set(client, wanted - 1);
  }

  private queueOf(client: ClientId): ClientQueue {
    const queue = this.clients.get(client);
    if (queue === undefined || queue.closed) {
      throw new Error(`client ${client} is not connected to this shard`);
    }
    return queue;
  }

  /** A client closed everywhere with nothing held here is forgotten (see the module comment). */
  private forgetIfDone(client: ClientId, queue: ClientQueue): void {
    if (queue.forgettable && queue.held === 0) this.clients.delete(client);
  }
}
