import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClientId,
  CutParticipant,
  type CutRequester,
  decideCut,
  type Sequenced,
} from "../../../src/core/protocol/cut.js";

// The cut rule on its own, against the invariant stated in core/protocol/cut.ts: clients flush batches
// to shards over FIFO channels that deliver in any interleaving, clients come and go, and cuts
// are placed at any moment; every cut must hold, for every client, a prefix of its flushes (the
// same one on every shard), and for its requester exactly the flushes made before asking.

interface TestBatch extends Sequenced {
  readonly client: ClientId;
  /** Which flush of its client this batch belongs to (0, 1, …). */
  readonly flush: number;
}

interface Client {
  id: ClientId;
  sent: number[];
  /** The `sent` vector after each flush. */
  flushes: number[][];
  left: boolean;
}

/** What a shard had applied when it ran a cut's operation: per client, how many batches. */
type Applied = Map<ClientId, number>;

class Simulation {
  readonly participants: CutParticipant<TestBatch>[];
  /** Per client and shard, the batches posted and not delivered yet, then maybe a close. */
  readonly channels = new Map<ClientId, (TestBatch | "close")[][]>();
  readonly clients: Client[] = [];
  /** Per shard, per client, batches applied so far (checked to arrive in order). */
  readonly applied: Applied[];

  constructor(readonly shards: number) {
    this.participants = Array.from({ length: shards }, () => new CutParticipant<TestBatch>());
    this.applied = Array.from({ length: shards }, () => new Map());
  }

  join(): void {
    const id = this.clients.length;
    this.clients.push({ id, sent: new Array(this.shards).fill(0), flushes: [], left: false });
    this.channels.set(
      id,
      Array.from({ length: this.shards }, () => []),
    );
    for (const participant of this.participants) participant.join(id);
  }

  /** Client `c` sends one batch to each shard in `targets`, with one shared vector. */
  flush(client: Client, targets: number[]): void {
    if (client.left || targets.length === 0) return;
    for (const shard of targets) client.sent[shard] = (client.sent[shard] as number) + 1;
    const sent = [...client.sent];
    const flush = client.flushes.length;
    client.flushes.push(sent);
    for (const shard of targets) {
      const batch: TestBatch = { client: client.id, flush, seq: sent[shard] as number, sent };
      this.channel(client.id, shard).push(batch);
    }
  }

  leave(client: Client): void {
    if (client.left) return;
    client.left = true;
    for (let shard = 0; shard < this.shards; shard++) this.channel(client.id, shard).push("close");
  }

  /** Delivers the next message of channel (client, shard), if any. */
  deliver(client: ClientId, shard: number): void {
    const message = this.channel(client, shard).shift();
    if (message === undefined) return;
    const participant = this.participants[shard] as CutParticipant<TestBatch>;
    if (message === "close") participant.leave(client);
    else this.apply(shard, participant.arrive(client, message));
  }

  apply(shard: number, batches: TestBatch[]): void {
    const applied = this.applied[shard] as Applied;
    for (const batch of batches) {
      const before = applied.get(batch.client) ?? 0;
      expect(batch.seq).toBe(before + 1);
      applied.set(batch.client, before + 1);
    }
  }

  pending(): [ClientId, number][] {
    const pending: [ClientId, number][] = [];
    for (const [client, channels] of this.channels) {
      channels.forEach((queue, shard) => {
        if (queue.length > 0) pending.push([client, shard]);
      });
    }
    return pending;
  }

  private channel(client: ClientId, shard: number): (TestBatch | "close")[] {
    return (this.channels.get(client) as (TestBatch | "close")[][])[shard] as (
      | TestBatch
      | "close"
    )[];
  }
}

/** One cut, placed while `steps` keep the world moving; returns what each shard held at it. */
function runCut(sim: Simulation, requester: Client, steps: () => void): Applied[] {
  const request: CutRequester = { client: requester.id, sent: [...requester.sent] };
  const reports = sim.participants.map((participant) => participant.prepare());
  steps();
  const { needs, forget } = decideCut(reports, sim.shards, request);
  const held: (Applied | null)[] = sim.participants.map(() => null);
  sim.participants.forEach((participant, shard) => {
    sim.apply(
      shard,
      participant.commit(needs[shard] ?? [], forget).map(([, batch]) => batch),
    );
  });
  for (let guard = 0; ; guard++) {
    sim.participants.forEach((participant, shard) => {
      if (held[shard] === null && participant.ready) {
        held[shard] = new Map(sim.applied[shard]);
        sim.apply(
          shard,
          participant.resume().map(([, batch]) => batch),
        );
      }
    });
    if (held.every((h) => h !== null)) return held as Applied[];
    const pending = sim.pending();
    // Everything a cut needs was posted before it began: delivering alone must finish it.
    expect(pending.length).toBeGreaterThan(0);
    expect(guard).toBeLessThan(10_000);
    steps();
  }
}

/** Checks the invariant of core/protocol/cut.ts for one cut. */
function checkCut(sim: Simulation, requester: Client, sentAtRequest: number[], held: Applied[]) {
  for (const client of sim.clients) {
    const counts = held.map((applied) => applied.get(client.id) ?? 0);
    // Some flush F (or none) such that every shard holds exactly the batches up to F.
    const prefix = [new Array(sim.shards).fill(0), ...client.flushes].some((sent) =>
      sent.every((n, shard) => n === counts[shard]),
    );
    expect(prefix, `client ${client.id} held ${counts}, flushes ${client.flushes}`).toBe(true);
  }
  const own = held.map((applied) => applied.get(requester.id) ?? 0);
  expect(own).toEqual(sentAtRequest);
}

const event = fc.tuple(fc.nat(99), fc.nat(15), fc.nat(15));

describe("the cut rule", () => {
  it("places every cut at a per-client prefix, whatever the delivery order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(event, { maxLength: 120 }),
        (shards, clientCount, events) => {
          const sim = new Simulation(shards);
          for (let c = 0; c < clientCount; c++) sim.join();
          let next = 0;
          /** Runs the next few events: flushes and deliveries by anyone, some clients leave. */
          const step = (allowCut: boolean): void => {
            const e = events[next++];
            if (e === undefined) {
              // Out of events: deliver something, so that cuts can finish.
              const [client, shard] = sim.pending()[0] ?? [0, 0];
              sim.deliver(client, shard);
              return;
            }
            const [kind, a, b] = e;
            const client = sim.clients[a % sim.clients.length] as Client;
            if (kind < 35) {
              const targets = [...Array(shards).keys()].filter((s) => ((b + 1) >> s) & 1);
              sim.flush(client, targets.length > 0 ? targets : [b % shards]);
            } else if (kind < 80) {
              const pending = sim.pending();
              const [c, s] = pending[(a * 16 + b) % Math.max(1, pending.length)] ?? [0, 0];
              sim.deliver(c, s);
            } else if (kind < 83) {
              sim.leave(client);
            } else if (kind < 85) {
              sim.join();
            } else if (allowCut && !client.left) {
              const sentAtRequest = [...client.sent];
              const held = runCut(sim, client, () => step(false));
              checkCut(sim, client, sentAtRequest, held);
            }
          };
          while (next < events.length) step(true);
          // In the end every batch arrives and every client's channel drains.
          for (let [client, shard] = sim.pending()[0] ?? [-1, -1]; client >= 0; ) {
            sim.deliver(client, shard);
            [client, shard] = sim.pending()[0] ?? [-1, -1];
          }
        },
      ),
      {
        numRuns: 3000,
        examples: [
          // A client leaves after one shard applied its flush and before another did: the
          // first shard must still report the client's vector, or the cut splits the flush.
          [
            3,
            2,
            [
              [0, 3, 2],
              [35, 0, 0],
              [80, 9, 0],
              [35, 2, 1],
              [85, 0, 0],
            ],
          ],
        ],
      },
    );
  });

  it("decides, per shard, the highest count any report or the requester names, and who is gone", () => {
    const { needs, forget } = decideCut(
      [
        [
          { client: 1, last: [2, 0, 1], closed: false },
          { client: 2, last: [0, 3, 0], closed: false },
          { client: 3, last: null, closed: true },
        ],
        [
          { client: 1, last: [1, 0, 4], closed: true },
          { client: 3, last: [0, 1, 0], closed: true },
        ],
        [{ client: 3, last: null, closed: true }],
      ],
      3,
      { client: 2, sent: [1, 3, 0] },
    );
    expect(forget).toEqual([3]); // closed on every shard; client 1 only on one
    expect(needs).toEqual([
      [
        [1, 2],
        [2, 1],
      ],
      [
        [2, 3],
        [3, 1],
      ],
      [[1, 4]],
    ]);
  });

  it("refuses batches out of order and a second cut under way", () => {
    const participant = new CutParticipant<TestBatch>();
    participant.join(0);
    expect(() => participant.arrive(0, { client: 0, flush: 0, seq: 2, sent: [2] })).toThrow(
      "client 0 sent batch 2 where 1 was due",
    );
    participant.prepare();
    expect(() => participant.prepare()).toThrow("a cut is already under way on this shard");
    expect(() => participant.resume()).toThrow("resume before the cut was reached");
  });
});
