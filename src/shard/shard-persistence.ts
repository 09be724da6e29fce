/**
 * A shard's persistence, in the shard's thread: what its server applies goes to its files
 * (durable/shard-files.ts) before it is acknowledged, and reopening replays them.
 *
 * - A client's batch is logged as its writes (core/replay/mutations.ts) with what recovery needs to
 *   keep batches all or nothing across shards (durable/recovery.ts); a batch of reads only is
 *   not logged. With `"sync"` its reply waits for the flush (concurrent batches share one);
 *   with `"async"` it goes at once, and the record reaches disk with the next commit, a few
 *   milliseconds later, unless more than `ASYNC_BACKLOG` records wait: then replies wait too.
 * - A cut is logged as what it did here, and a snapshot with what describes it; in every mode a
 *   cut is answered once its record is on disk, so a snapshot the store returns is durable.
 * - Checkpoints: when the log has grown past the checkpoint, the shard is frozen at a cut (an
 *   O(snapshots) capture of persistent states, see core/replay/shard-script.ts); once the store
 *   knows that cut is on every shard's disk (`committed`), its script is written in the
 *   background, between batches, and replaces the log up to it. A checkpoint is only ever taken
 *   at a cut every shard has logged, the point before which nothing can be dropped at recovery.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import { StoreDamagedError, StoreIOError } from "../core/errors.js";
import type { ClientBatch } from "../core/protocol/batch-format.js";
import type { ClientId } from "../core/protocol/cut.js";
import { applyMutations, type Mutations, mutationsOfBatch } from "../core/replay/mutations.js";
import { scriptOf } from "../core/replay/shard-script.js";
import type { Shard, ShardCapture } from "../core/state/shard.js";
import { type RecoveryDecision, type ShardFindings, sum } from "../durable/recovery.js";
import {
  type BatchRecord,
  type CheckpointInfo,
  type LogRecord,
  ShardFiles,
  type ShardIdentity,
  type SnapshotFacts,
} from "../durable/shard-files.js";

/** How a durable shard is opened. */
export interface DurableShardOptions {
  dir: string;
  identity: ShardIdentity;
  durability: "sync" | "async";
  /** Names this opening of the store, so clients of different openings never share a name. */
  session: number;
  /** How far this shard's log had reached by the store's record (durable/reached.ts), if known. */
  reached: number | null;
}

/** A held snapshot after reopening: what describes it, with this shard's share of its size. */
export interface RecoveredSnapshot extends SnapshotFacts {
  bytes: number;
}

/** What a shard tells the store once it has replayed its files. */
export interface RecoveredShard {
  snapshots: RecoveredSnapshot[];
  /** The highest snapshot id and cut number the store had handed out. */
  lastSnapshotId: number;
  lastCut: number;
}

/** What a sealed shard's writes wait for: the process is ending. */
const NEVER = new Promise<never>(() => {});

/**
 * Free space every shard's disk must have for a cut to go ahead (see `prepareCut`): far more
 * than a snapshot's, restore's or clear's record; an `apply` of a larger changeset part goes
 * ahead without that promise.
 */
const CUT_ROOM = 64 * 1024;

/** Records waiting for their flush past which `"async"` replies wait too. */
const ASYNC_BACKLOG = 10_000;

interface PendingCheckpoint {
  cut: number;
  at: number;
  capture: ShardCapture;
  covered: [string, number][];
  snapshots: SnapshotFacts[];
  lastSnapshotId: number;
}

export class ShardPersistence {
  private readonly files: ShardFiles;
  private records: [number, LogRecord][] = [];
  private checkpoint: CheckpointInfo | null = null;
  private readonly facts = new Map<number, SnapshotFacts>();
  private lastSnapshotId = 0;
  private lastCut = 0;
  /** The highest cut whose record is on disk here. */
  private flushedCut = 0;
  private unflushed = 0;
  private pending: PendingCheckpoint | null = null;
  private writing: Promise<void> | null = null;
  private isSealed = false;
  /**
   * Per client, of this opening or an earlier one, the last of its batches this shard holds
   * (in its checkpoint or its log): what a checkpoint covers. Recovery reads a batch's part as
   * present on this shard if the log holds it or the checkpoint covers it, so a checkpoint must
   * cover the batches of earlier openings' clients too, whose records it replaces.
   */
  private readonly held = new Map<string, number>();

  constructor(private readonly options: DurableShardOptions) {
    this.files = new ShardFiles(options.dir, options.identity);
  }

  /**
   * Reads the files and replays the checkpoint into `shard` (recovery drops nothing a
   * checkpoint holds); reports what recovery needs from this shard. Writes nothing.
   * @throws StoreDamagedError when the files cannot be used.
   */
  open(shard: Shard): ShardFindings {
    const { checkpoint, script, records } = this.files.read(this.options.reached);
    for (const chunk of script()) {
      try {
        applyMutations(shard, chunk);
      } catch (error) {
        throw new StoreDamagedError(
          this.files.dir,
          `its checkpoint does not replay (${(error as Error).message})`,
          { cause: error },
        );
      }
    }
    this.records = records;
    this.checkpoint = checkpoint;
    const findings: ShardFindings = {
      checkpointCut: checkpoint.cut,
      covered: checkpoint.covered,
      cuts: [],
      batches: [],
      position: this.files.readPosition,
    };
    for (const [, record] of records) {
      if (record.kind === "cut") findings.cuts.push(record.cut);
      else {
        const { client, seq, sent, writers } = record;
        findings.batches.push({ client, seq, sent, writers });
      }
    }
    return findings;
  }

  /** Replays the log into `shard` as the store decided, logs what it dropped, starts logging. */
  async recover(shard: Shard, decision: RecoveryDecision): Promise<RecoveredShard> {
    const checkpoint = this.checkpoint;
    if (checkpoint === null) throw new Error("a shard's files are recovered only after open()");
    for (const facts of checkpoint.snapshots) this.facts.set(facts.id, facts);
    for (const [client, seq] of checkpoint.covered) this.hold(client, seq);
    this.lastSnapshotId = checkpoint.lastSnapshotId;
    this.lastCut = checkpoint.cut;
    const dropCuts = new Set(decision.dropCuts);
    const dropFrom = new Map(decision.dropFrom);
    const dropped: number[] = [];
    for (const [seq, record] of this.records) {
      if (
        record.kind === "cut"
          ? dropCuts.has(record.cut)
          : sum(record.sent) >= (dropFrom.get(record.client) ?? Number.POSITIVE_INFINITY)
      ) {
        dropped.push(seq);
        continue;
      }
      applyMutations(shard, record.mutations);
      if (record.kind === "cut") this.noteCut(record.cut, record.snapshot);
      else this.hold(record.client, record.seq);
    }
    this.records = [];
    await this.files.start(dropped);
    this.flushedCut = this.lastCut;
    const snapshots = shard.heldSizes().map(([id, bytes]) => ({
      ...(this.facts.get(id) ?? { id, parent: null, timestamp: 0 }),
      bytes,
    }));
    return {
      snapshots,
      lastSnapshotId: this.lastSnapshotId,
      lastCut: this.lastCut,
    };
  }

  /**
   * Logs what `batch` of `client` writes, before it is applied. Resolves once the reply may go:
   * at once for a batch of reads only, and with `"async"` while the backlog is short; else once
   * it is on disk.
   * @throws StoreIOError if the disk refuses the record (it was not written: do not apply).
   */
  logBatch(client: ClientId, batch: ClientBatch): Promise<void> | null {
    const mutations = mutationsOfBatch(batch);
    if (mutations.length === 0) return null;
    if (this.isSealed) return NEVER;
    const name = this.nameOf(client);
    const record: BatchRecord = {
      kind: "batch",
      client: name,
      seq: batch.seq,
      sent: [...batch.sent],
      writers: batch.writers,
      mutations,
    };
    let flushed: Promise<void>;
    try {
      flushed = this.files.append(record);
    } catch (error) {
      if (error instanceof StoreIOError && batch.writers.length > 1) this.logRefused(record, error);
      throw error;
    }
    this.hold(name, batch.seq);
    if (this.options.durability === "sync") return flushed;
    this.unflushed++;
    void flushed.finally(() => this.unflushed--);
    return this.unflushed > ASYNC_BACKLOG ? flushed : null;
  }

  /**
   * The disk refused this shard's part of a batch that other shards may have logged: logs the
   * part as empty (a small record, which usually fits in the last block the log already has),
   * so that recovery counts it as there rather than dropping the whole flush and every later
   * one of its client.
   * @throws Error (not a StoreIOError) if even that cannot be written: the shard must then fail.
   */
  private logRefused(record: BatchRecord, refusal: StoreIOError): void {
    try {
      void this.files.append({ ...record, mutations: [] });
    } catch (error) {
      throw new Error(
        "the disk refused this shard's part of a batch that other shards applied, and the " +
          `refusal could not be logged either: ${(error as Error).message}`,
        { cause: refusal },
      );
    }
    this.hold(record.client, record.seq);
  }

  /**
   * Logs what cut `cut` did here; resolves once it is on disk. `freeze` captures the shard as it
   * now is, for a checkpoint, if one is due.
   */
  async logCut(
    cut: number,
    mutations: Mutations,
    snapshot: SnapshotFacts | undefined,
    freeze: () => { capture: ShardCapture; covered: [ClientId, number][] },
  ): Promise<void> {
    if (this.isSealed) return NEVER;
    this.noteCut(cut, snapshot);
    const flushed = this.files.append(
      snapshot ? { kind: "cut", cut, mutations, snapshot } : { kind: "cut", cut, mutations },
    );
    if (this.files.checkpointDue && this.pending === null && this.writing === null) {
      const { capture, covered } = freeze();
      this.files.markCheckpoint();
      const held = new Set(capture.held.map(([id]) => id));
      this.pending = {
        cut,
        at: this.files.position,
        capture,
        covered: this.coveredWith(covered),
        snapshots: [...this.facts.values()].filter((facts) => held.has(facts.id)),
        lastSnapshotId: this.lastSnapshotId,
      };
    }
    await flushed;
    this.flushedCut = Math.max(this.flushedCut, cut);
  }

  /**
   * A cut is being prepared: checks there is room for its record, so that a full disk refuses
   * the cut on every shard before any applies it, rather than failing this one after.
   * @throws StoreIOError if there is not.
   */
  prepareCut(): void {
    if (!this.isSealed) this.files.checkRoom(CUT_ROOM);
  }

  /** The highest cut whose record is on disk here. */
  get durableCut(): number {
    return this.flushedCut;
  }

  /**
   * The store knows cut `cut` is on every shard's disk: a checkpoint taken there may be written.
   * `fail` hears of a checkpoint that failed for another reason than the file system refusing.
   */
  committed(cut: number, fail: (error: Error) => void): void {
    const pending = this.pending;
    if (pending === null || pending.cut > cut || this.writing !== null || this.isSealed) return;
    this.pending = null;
    this.writing = this.files
      .writeCheckpoint(
        scriptOf(pending.capture),
        {
          at: pending.at,
          cut: pending.cut,
          covered: pending.covered,
          snapshots: pending.snapshots,
          lastSnapshotId: pending.lastSnapshotId,
        },
        async () => {
          await nextTurn();
          if (this.isSealed) await NEVER;
        },
      )
      // The file system refused (a full disk): the log still holds everything, and a later
      // cut tries again once the log has grown. Anything else leaves the shard in doubt.
      .catch((error: Error) => (error instanceof StoreIOError ? undefined : fail(error)))
      .finally(() => {
        this.writing = null;
      });
  }

  /** Whether the process is ending (see `seal`). */
  get sealed(): boolean {
    return this.isSealed;
  }

  /**
   * The process is ending: from now on nothing more is written (a write begun when the thread
   * is stopped could hang its end), and what arrives is never acknowledged. A checkpoint being
   * written stops between chunks, as after a crash. Resolves once everything logged before is
   * on disk; a shard in the store's thread has put it there before returning.
   */
  seal(): Promise<void> {
    this.isSealed = true;
    this.files.commitNow();
    return this.files.flushed();
  }

  /**
   * Finishes what is being written, then closes the files; resolves to the last log position,
   * on disk.
   */
  async close(): Promise<number> {
    // A sealed shard's checkpoint stopped for good; the next open deletes what it wrote.
    if (!this.isSealed) await this.writing?.catch(() => {});
    return this.files.close();
  }

  private hold(client: string, seq: number): void {
    this.held.set(client, Math.max(seq, this.held.get(client) ?? 0));
  }

  /**
   * What a checkpoint taken now covers: every batch this shard holds, of every client ever,
   * and of this opening's clients every batch applied at the cut (reads included).
   */
  private coveredWith(applied: [ClientId, number][]): [string, number][] {
    const covered = new Map(this.held);
    for (const [client, seq] of applied) {
      const name = this.nameOf(client);
      covered.set(name, Math.max(seq, covered.get(name) ?? 0));
    }
    return [...covered];
  }

  /** A client's name in the files: ids restart at each opening, so the opening's session prefixes them. */
  private nameOf(client: ClientId): string {
    return `${this.options.session}:${client}`;
  }

  private noteCut(cut: number, snapshot: SnapshotFacts | undefined): void {
    this.lastCut = Math.max(this.lastCut, cut);
    if (snapshot !== undefined) {
      this.facts.set(snapshot.id, snapshot);
      this.lastSnapshotId = Math.max(this.lastSnapshotId, snapshot.id);
    }
  }
}
