/**
 * Latencies in milliseconds, recorded into Node's HDR histogram (`perf_hooks.createHistogram`,
 * at microsecond resolution with two significant figures: percentiles, mean and max within 1%
 * at any scale, in constant memory however many samples are recorded). A histogram crosses
 * threads as itself (Node clones it), so agents send theirs to the main thread, which adds
 * them up.
 */
import { createHistogram, type RecordableHistogram } from "node:perf_hooks";

/** Microseconds in an hour: the longest latency recorded as itself (a longer one counts as it). */
const HIGHEST_US = 3_600_000_000;

/** A histogram's contents, as sent between threads. */
export type HistogramData = RecordableHistogram;

/** Records durations in milliseconds. */
export class Histogram {
  private readonly samples = createHistogram({ lowest: 1, highest: HIGHEST_US, figures: 2 });

  /** Adds one duration, in milliseconds. */
  record(ms: number): void {
    this.samples.record(Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
  }

  /** Adds another histogram's samples (say, another agent's). */
  merge(other: HistogramData): void {
    this.samples.add(other);
  }

  /** The contents, to send to another thread (posting copies them). */
  toData(): HistogramData {
    return this.samples;
  }

  /** Number of samples. */
  get count(): number {
    return this.samples.count;
  }

  /** Mean in milliseconds (0 when empty). */
  get mean(): number {
    return this.samples.count === 0 ? 0 : this.samples.mean / 1000;
  }

  /** Largest sample in milliseconds (0 when empty). */
  get max(): number {
    return this.samples.count === 0 ? 0 : this.samples.max / 1000;
  }

  /** The value below which a fraction `q` of the samples fall, in milliseconds (0 when empty). */
  percentile(q: number): number {
    return this.samples.count === 0 ? 0 : this.samples.percentile(q * 100) / 1000;
  }
}
