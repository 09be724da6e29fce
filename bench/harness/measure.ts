/**
 * How cases time things: tinybench for repeated operations (medians, with set-up kept out of the
 * timed window), an event-loop probe for stalls, and `settle` between cases so one case's
 * garbage is not collected on the next one's clock.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Bench, type FnOptions } from "tinybench";

/** Latency statistics of one measured operation, in milliseconds. */
export interface Timing {
  p50: number;
  p99: number;
  samples: number;
}

export interface TimeOptions {
  /** Run before each iteration, outside the timed window. */
  beforeEach?: () => unknown;
  /** Run after each iteration, outside the timed window. */
  afterEach?: () => unknown;
  /**
   * Minimum iterations (default 64). Iterations go on until both this and `time` are reached.
   * With a slow `beforeEach`, set `time: 0` and choose the iterations: the budget counts only
   * timed work, so a 5 µs operation behind a 100 µs set-up would run for 20 times the budget.
   */
  iterations?: number;
  /** Time budget in ms, counting only timed work (default 1000). */
  time?: number;
  /** Warm-up iterations (default 16; 0 disables warm-up). */
  warmup?: number;
}

/** Times `fn` with tinybench; iterations continue until both the minimum and budget are met. */
export async function time(
  name: string,
  fn: () => unknown,
  options: TimeOptions = {},
): Promise<Timing> {
  const { beforeEach, afterEach, iterations = 64, time = 1000, warmup = 16 } = options;
  const bench = new Bench({
    iterations,
    time,
    warmup: warmup > 0,
    warmupIterations: warmup,
    warmupTime: 0,
    throws: true,
  });
  const hooks: FnOptions = { async: true };
  if (beforeEach) hooks.beforeEach = async () => void (await beforeEach());
  if (afterEach) hooks.afterEach = async () => void (await afterEach());
  bench.add(name, fn, hooks);
  const [task] = await bench.run();
  const result = task?.result;
  if (result === undefined || !("latency" in result)) {
    throw new Error(`${name}: no timing (state ${result?.state ?? "unknown"})`);
  }
  const { p50, p99, samplesCount } = result.latency;
  return { p50, p99, samples: samplesCount };
}

/** What a probed run did to the event loop of the calling thread. */
export interface Stall {
  /** Longest time between two consecutive turns of the event loop, in ms. */
  longestBlock: number;
  /** Wall time of the whole run, in ms. */
  duration: number;
}

/**
 * Runs `fn` while a `setImmediate` probe notes the time at every turn of the event loop; the
 * longest gap between two notes is the longest the loop was blocked (resolution: one turn, a
 * few microseconds, where `monitorEventLoopDelay` cannot resolve below a millisecond).
 *
 * A gap also counts time the thread was not scheduled at all: on a loaded machine the figure
 * includes preemption, seen as gaps in multiples of the kernel's time slice (4 ms here).
 */
export async function probeEventLoop(fn: () => Promise<unknown>): Promise<Stall> {
  let running = true;
  let last = performance.now();
  let longest = 0;
  const note = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  };
  const tick = () => {
    note();
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  const start = performance.now();
  await fn();
  const duration = performance.now() - start;
  note();
  running = false;
  return { longestBlock: longest, duration };
}

/** Collects garbage (the bench runs with `--expose-gc`) and lets the machine quieten a moment. */
export async function settle(): Promise<void> {
  globalThis.gc?.();
  await sleep(200);
  globalThis.gc?.();
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Runs every measurement once per round, taking turns, and returns for each the median over
 * rounds of its p50 and p99. On a shared machine a burst of outside load then falls on both
 * sides of a comparison rather than on whichever side happened to be running.
 */
export async function alternate<K extends string>(
  rounds: number,
  measurements: Record<K, () => Promise<Timing>>,
): Promise<Record<K, Timing>> {
  const names = Object.keys(measurements) as K[];
  const runs = new Map<K, Timing[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of names) runs.get(name)?.push(await measurements[name]());
  }
  const combined = names.map((name): [K, Timing] => {
    const timings = runs.get(name) ?? [];
    return [
      name,
      {
        p50: median(timings.map((t) => t.p50)),
        p99: median(timings.map((t) => t.p99)),
        samples: timings.reduce((sum, t) => sum + t.samples, 0),
      },
    ];
  });
  return Object.fromEntries(combined) as Record<K, Timing>;
}
