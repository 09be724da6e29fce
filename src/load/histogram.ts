/**
 * A latency histogram with log-spaced buckets (each 4% wider than the last), so percentiles
 * come out within 2% at any scale, in constant memory however many samples are recorded. Its
 * data is a plain object: agents send theirs to the main thread, which merges them.
 */

/** A histogram's contents, as sent between threads. */
export interface HistogramData {
  /** Samples per bucket; bucket `i` holds values in (GROWTH^(i-1), GROWTH^i] microseconds. */
  buckets: number[];
  count: number;
  /** Largest sample, in milliseconds. */
  max: number;
  /** Sum of the samples, in milliseconds. */
  sum: number;
}

const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);
/** Enough buckets for an hour in microseconds (1.04^550 > 3.6e9). */
const BUCKETS = 550;

/** Records durations in milliseconds. */
export class Histogram {
  private readonly data: HistogramData = {
    buckets: new Array<number>(BUCKETS).fill(0),
    count: 0,
    max: 0,
    sum: 0,
  };

  /** Adds one duration, in milliseconds. */
  record(ms: number): void {
    const micros = Math.max(ms * 1000, 1);
    const bucket = Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
    this.data.buckets[bucket] = (this.data.buckets[bucket] ?? 0) + 1;
    this.data.count++;
    this.data.sum += ms;
    if (ms > this.data.max) this.data.max = ms;
  }

  /** Adds another histogram's samples (say, another agent's). */
  merge(other: HistogramData): void {
    other.buckets.forEach((n, i) => {
      this.data.buckets[i] = (this.data.buckets[i] ?? 0) + n;
    });
    this.data.count += other.count;
    this.data.sum += other.sum;
    this.data.max = Math.max(this.data.max, other.max);
  }

  /** A copy of the contents. */
  toData(): HistogramData {
    return { ...this.data, buckets: [...this.data.buckets] };
  }

  /** Number of samples. */
  get count(): number {
    return this.data.count;
  }

  /** Mean in milliseconds (0 when empty). */
  get mean(): number {
    return this.data.count === 0 ? 0 : this.data.sum / this.data.count;
  }

  /** Largest sample in milliseconds. */
  get max(): number {
    return this.data.max;
  }

  /**
   * The value below which a fraction `q` of the samples fall, in milliseconds (0 when empty):
   * the geometric middle of the bucket it falls in, never above the largest sample.
   */
  percentile(q: number): number {
    const rank = Math.ceil(q * this.data.count);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.data.buckets[i] ?? 0;
      if (seen >= rank && seen > 0) {
        const micros = GROWTH ** (i - 0.5);
        return Math.min(micros / 1000, this.data.max);
      }
    }
    return 0;
  }
}
