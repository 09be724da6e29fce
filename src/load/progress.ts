/**
 * Live progress of a run. On a terminal: a cli-progress bar with the live ops/s, checkpoint and
 * rollback count, and each checkpoint's line printed above it. Anywhere else (a pipe, a file,
 * CI): the same checkpoint lines, plain, one each, and no redrawing.
 */
import cliProgress from "cli-progress";

/** What the bar shows, sampled a few times a second. */
export interface LiveStatus {
  /** How far the run is, 0 to 1. */
  fraction: number;
  /** Store operations completed so far (gets, sets, deletes). */
  operations: number;
  /** The checkpoint the run is heading for, and how many there are. */
  checkpoint: number;
  checkpoints: number;
  rollbacks: number;
}

/** Shows a run's progress. */
export interface Progress {
  /** Prints one line (above the bar, on a terminal). */
  line(text: string): void;
  /** Store operations per second over the last second or so. */
  opsPerSecond(): number;
  /** Removes the bar and stops sampling. */
  stop(): void;
}

const SAMPLE_MS = 250;
const WINDOW_MS = 1000;

/**
 * Starts showing progress on `stream`, sampling `status()` every quarter second.
 * @example const progress = startProgress(process.stdout, () => ({ fraction: 0.5, ... }));
 */
export function startProgress(stream: NodeJS.WriteStream, status: () => LiveStatus): Progress {
  const rate = new RateMeter();
  const bar = stream.isTTY ? new Bar(stream) : null;
  const sample = () => {
    const now = status();
    rate.add(now.operations);
    bar?.update(now, rate.perSecond());
  };
  sample();
  const timer = setInterval(sample, SAMPLE_MS);
  return {
    line: (text) => (bar === null ? stream.write(`${text}\n`) : bar.log(text)),
    opsPerSecond: () => rate.perSecond(),
    stop() {
      clearInterval(timer);
      bar?.stop();
    },
  };
}

class Bar {
  private readonly multi: cliProgress.MultiBar;
  private readonly bar: cliProgress.SingleBar;

  constructor(stream: NodeJS.WriteStream) {
    this.multi = new cliProgress.MultiBar(
      {
        stream,
        format:
          "{bar} {percentage}% | {ops} ops/s | checkpoint {checkpoint}/{checkpoints} | " +
          "rollbacks: {rollbacks} | {duration}s",
        barsize: 30,
        hideCursor: false,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multi.create(1000, 0, {
      ops: "0",
      checkpoint: 1,
      checkpoints: 1,
      rollbacks: 0,
    });
  }

  update(status: LiveStatus, opsPerSecond: number): void {
    this.bar.update(Math.round(Math.min(1, status.fraction) * 1000), {
      ops: Math.round(opsPerSecond).toLocaleString("en-US"),
      checkpoint: status.checkpoint,
      checkpoints: status.checkpoints,
      rollbacks: status.rollbacks,
    });
  }

  log(text: string): void {
    this.multi.log(`${text}\n`);
  }

  stop(): void {
    this.multi.stop();
  }
}

/** Operations per second over a sliding window of samples. */
class RateMeter {
  private readonly samples: { at: number; count: number }[] = [];

  add(count: number): void {
    const at = performance.now();
    this.samples.push({ at, count });
    while (this.samples.length > 2 && at - (this.samples[1] as { at: number }).at >= WINDOW_MS) {
      this.samples.shift();
    }
  }

  perSecond(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (first === undefined || last === undefined || last.at === first.at) return 0;
    return ((last.count - first.count) * 1000) / (last.at - first.at);
  }
}
