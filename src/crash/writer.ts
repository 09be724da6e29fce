/**
 * The crash test's writer: a process of its own that opens the store (recovering it), then
 * writes until it is killed, telling the ledger each unit (units.ts) before making its calls and
 * each acknowledgement as it comes. It never stops on its own.
 *
 * Its loop, each step drawn from its seeded stream:
 * - mostly a *group*: one to four flush units (a multi-shard `setMany` batch, or a burst of
 *   unawaited `set`s and `delete`s), each sent in a tick of its own and all awaited together,
 *   so several flushes are in flight at once and a kill can land between their commits;
 * - now and then a snapshot, a restore of a live snapshot (of this writer or an earlier one),
 *   or a release (always one once `MAX_LIVE` snapshots are held).
 * Bursts delete and overwrite keys picked from what the store holds; once it holds more than
 * `TARGET_ENTRIES`, there are more bursts, longer and deleting more, so that the contents (read
 * back whole after every kill, with every live snapshot's) stay small.
 */
import { setImmediate as nextTick } from "node:timers/promises";
import { type Snapshot, Store } from "../index.js";
import { idOf, pairOf } from "../load/ledger.js";
import { createRandom, type Random } from "../load/random.js";
import { LedgerWriter } from "./ledger-file.js";
import { type Call, factsOf, NAMESPACES, type Unit, writtenValue } from "./units.js";

/** What a writer process is started with. */
export interface WriterSettings {
  storePath: string;
  ledgerPath: string;
  shards: number;
  durability: "sync" | "async";
  /** This writer's number in the test directory's life (seeds its stream). */
  session: number;
  /** The number of its first unit. */
  firstUnit: number;
  seed: number;
}

const TARGET_ENTRIES = 1200;
const MAX_LIVE = 6;

/** Runs the writer; resolves never (the process is killed), rejects if a call fails. */
export async function runWriter(settings: WriterSettings): Promise<never> {
  const { storePath: path, shards, durability } = settings;
  const ledger = new LedgerWriter(settings.ledgerPath);
  const store = new Store({ path, shards, durability });
  const writer = new Writer(store, ledger, createRandom(settings.seed, settings.session));
  await writer.open(settings.firstUnit);
  ledger.append({ t: "session", session: settings.session, pid: process.pid });
  process.stdout.write("ready\n");
  for (;;) await writer.step();
}

class Writer {
  private readonly keys = new KeyPool();
  private readonly live = new Map<number, Snapshot>();
  private next = 0;

  constructor(
    private readonly store: Store,
    private readonly ledger: LedgerWriter,
    private readonly random: Random,
  ) {}

  async open(firstUnit: number): Promise<void> {
    this.next = firstUnit;
    await this.readKeys();
    for (const snapshot of await this.store.snapshots()) this.live.set(snapshot.id, snapshot);
  }

  async step(): Promise<void> {
    const roll = this.random.next();
    const held = [...this.live.values()];
    if (held.length >= MAX_LIVE || (roll < 0.02 && held.length > 0)) {
      await this.release(this.random.pick(held));
    } else if (roll < 0.07) {
      await this.snapshot();
    } else if (roll < 0.1 && held.length > 0) {
      await this.restore(this.random.pick(held));
    } else {
      await this.group();
    }
  }

  private async group(): Promise<void> {
    const acknowledged: Promise<void>[] = [];
    const count = 1 + this.random.int(4);
    for (let g = 0; g < count; g++) {
      if (g > 0) await nextTick(); // the previous unit leaves as a flush of its own
      const unit = this.random.next() < (this.crowded ? 0.25 : 0.5) ? this.batch() : this.burst();
      this.ledger.append({ t: "do", unit });
      acknowledged.push(this.send(unit));
    }
    await Promise.all(acknowledged);
  }

  /** A `setMany` of new keys over consecutive namespaces, so over several shards. */
  private batch(): Unit {
    const n = this.next++;
    const first = this.random.int(NAMESPACES.length);
    const sets = Array.from({ length: 3 + this.random.int(14) }, (_, i) => {
      const pair: [string, string] = [
        NAMESPACES[(first + i) % NAMESPACES.length] as string,
        `b${n}/${i}`,
      ];
      this.keys.add(idOf(...pair));
      return pair;
    });
    return { op: "batch", n, sets };
  }

  /** Unawaited calls in one tick: new keys, overwrites and deletes of keys the store holds. */
  private burst(): Unit {
    const n = this.next++;
    const deleting = this.crowded ? 0.8 : 0.15;
    const calls = Array.from(
      { length: 2 + this.random.int(this.crowded ? 12 : 7) },
      (_, i): Call => {
        const roll = this.random.next();
        if (roll < deleting && this.keys.size > 0) {
          const id = this.keys.pick(this.random);
          this.keys.delete(id);
          return ["delete", ...pairOf(id)];
        }
        if (roll < deleting + 0.25 && this.keys.size > 0) {
          return ["set", ...pairOf(this.keys.pick(this.random))];
        }
        const pair: [string, string] = [this.random.pick(NAMESPACES), `u${n}/${i}`];
        this.keys.add(idOf(...pair));
        return ["set", ...pair];
      },
    );
    return { op: "burst", n, calls };
  }

  /** Makes a flush unit's calls, all in this tick; logs the acknowledgement when it comes. */
  private async send(unit: Unit): Promise<void> {
    const { n } = unit;
    if (unit.op === "batch") {
      await this.store.setMany(unit.sets.map(([ns, key], i) => [ns, key, writtenValue(n, i)]));
      this.ledger.append({ t: "ok", n });
    } else if (unit.op === "burst") {
      const answers = await Promise.all(
        unit.calls.map(([call, ns, key], i) =>
          call === "set" ? this.store.set(ns, key, writtenValue(n, i)) : this.store.delete(ns, key),
        ),
      );
      const deleted = answers.filter((_, i) => unit.calls[i]?.[0] === "delete") as boolean[];
      this.ledger.append({ t: "ok", n, deleted });
    }
  }

  private async snapshot(): Promise<void> {
    const n = this.next++;
    this.ledger.append({ t: "do", unit: { op: "snapshot", n } });
    const snapshot = await this.store.snapshot();
    this.ledger.append({ t: "ok", n, snapshot: factsOf(snapshot) });
    this.live.set(snapshot.id, snapshot);
  }

  private async restore(snapshot: Snapshot): Promise<void> {
    const n = this.next++;
    this.ledger.append({ t: "do", unit: { op: "restore", n, id: snapshot.id } });
    await this.store.restore(snapshot);
    this.ledger.append({ t: "ok", n });
    await this.readKeys();
  }

  private async release(snapshot: Snapshot): Promise<void> {
    const n = this.next++;
    this.ledger.append({ t: "do", unit: { op: "release", n, id: snapshot.id } });
    await snapshot.release();
    this.ledger.append({ t: "ok", n });
    this.live.delete(snapshot.id);
  }

  /** Whether the store holds more than `TARGET_ENTRIES`: then bursts are more, and delete more. */
  private get crowded(): boolean {
    return this.keys.size > TARGET_ENTRIES;
  }

  /** What the store holds now: the keys bursts may delete and overwrite. */
  private async readKeys(): Promise<void> {
    this.keys.clear();
    for (const namespace of await this.store.namespaces()) {
      for (const key of await this.store.keys(namespace)) this.keys.add(idOf(namespace, key));
    }
  }
}

/** A set of keys with a random pick in O(1). */
class KeyPool {
  private readonly ids: string[] = [];
  private readonly at = new Map<string, number>();

  get size(): number {
    return this.ids.length;
  }

  add(id: string): void {
    if (this.at.has(id)) return;
    this.at.set(id, this.ids.length);
    this.ids.push(id);
  }

  delete(id: string): void {
    const index = this.at.get(id);
    if (index === undefined) return;
    const last = this.ids.pop() as string;
    this.at.delete(id);
    if (last !== id) {
      this.ids[index] = last;
      this.at.set(last, index);
    }
  }

  pick(random: Random): string {
    return this.ids[random.int(this.ids.length)] as string;
  }

  clear(): void {
    this.ids.length = 0;
    this.at.clear();
  }
}
