/**
 * Where a client's cuts fall among its calls. A cut holds every call the client made before
 * asking for it and none made after (core/protocol/cut.ts): asking sends what is queued, then
 * the client is `cutting` until the coordinator answers, and whatever it does meanwhile waits
 * here, in the order it was done, as one of three kinds of `Waiting`:
 *
 * - `calls`: the calls made meanwhile, queued for their shards (a `Segment`), sent when their
 *   turn comes;
 * - `cut`: a later cut, which starts when its turn comes (and holds back what follows it);
 * - `ordered`: a call to the store itself that must see the client's cuts before it and none
 *   after (`snapshots()`, a release's `forget`), run when its turn comes.
 *
 * States: `open` (nothing waits, calls go out as made) and `cutting` (a cut of this client is
 * under way, everything waits). The backlog is empty whenever the state is `open`.
 */
import type { CutRequester } from "../core/protocol/cut.js";

/** What the client's calls look like to the sequencer: queued per shard, sent whole. */
export interface CallQueue<Segment> {
  /** Takes the calls queued so far (a new, empty segment takes their place). */
  take(): Segment;
  /** Sends a segment's calls to their shards. */
  send(segment: Segment): void;
  /** Who asks for a cut now: the client, and how many batches it sent each shard. */
  requester(): CutRequester;
  /** Why every call now fails, if one does: a cut is then refused with it. */
  failure(): Error | null;
}

interface CutJob {
  start(requester: CutRequester): Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Waiting<Segment> =
  | { kind: "calls"; segment: Segment }
  | { kind: "cut"; job: CutJob }
  | { kind: "ordered"; run: () => void };

export class CutSequencer<Segment> {
  private state: "open" | "cutting" = "open";
  private readonly backlog: Waiting<Segment>[] = [];

  constructor(private readonly calls: CallQueue<Segment>) {}

  /** Whether a cut of this client is under way (the calls made now wait for it). */
  get cutting(): boolean {
    return this.state === "cutting";
  }

  /** Runs a cut at this point of the client's calls; settles as the coordinator answers. */
  cut<T>(start: (requester: CutRequester) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const job: CutJob = { start, resolve: resolve as (value: unknown) => void, reject };
      if (this.state === "cutting") {
        this.hold({ kind: "cut", job });
      } else {
        this.calls.send(this.calls.take());
        this.start(job);
      }
    });
  }

  /**
   * Runs `call` now, or after the cuts the client asked for before (and the calls between
   * them) if one is under way; settles as what it returns does.
   */
  inOrder<T>(call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        call().then(resolve, reject);
      };
      if (this.state === "cutting") this.hold({ kind: "ordered", run });
      else run();
    });
  }

  /** Queues `waiting` behind the calls made so far, which wait before it. */
  private hold(waiting: Waiting<Segment>): void {
    this.backlog.push({ kind: "calls", segment: this.calls.take() }, waiting);
  }

  private start(job: CutJob): void {
    this.state = "cutting";
    const failure = this.calls.failure();
    const started = failure === null ? job.start(this.calls.requester()) : Promise.reject(failure);
    started.then(job.resolve, job.reject).finally(() => this.resume());
  }

  /** The cut under way ended: what waited goes, in order, up to the next cut. */
  private resume(): void {
    for (
      let waiting = this.backlog.shift();
      waiting !== undefined;
      waiting = this.backlog.shift()
    ) {
      switch (waiting.kind) {
        case "calls":
          this.calls.send(waiting.segment);
          break;
        case "ordered":
          waiting.run();
          break;
        case "cut":
          this.start(waiting.job);
          return;
      }
    }
    this.state = "open";
    this.calls.send(this.calls.take());
  }
}
