/**
 * When things happen in a run: where each epoch ends, at which checkpoints a failure is
 * simulated, and which checkpoint a rollback returns to. All of it follows from the seed.
 */
import { createRandom, type Random } from "./random.js";

/**
 * The checkpoints (numbered from 1) at which a failure is simulated: `failures` distinct ones
 * chosen by `seed`, never the last, so the run ends on work that survives.
 */
export function failurePoints(seed: number, checkpoints: number, failures: number): Set<number> {
  const candidates = Array.from({ length: Math.max(0, checkpoints - 1) }, (_, i) => i + 1);
  const random = createRandom(seed, 0xfa11);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [candidates[i], candidates[j]] = [candidates[j] as number, candidates[i] as number];
  }
  return new Set(candidates.slice(0, failures));
}

/** In a run counted in steps: the steps each agent has run in all when checkpoint `n` is taken. */
export function stepsAt(n: number, checkpoints: number, steps: number): number {
  return Math.round((steps * n) / checkpoints);
}

/** In a timed run: milliseconds from the start at which checkpoint `n` is taken. */
export function timeAt(n: number, checkpoints: number, durationSeconds: number): number {
  return (durationSeconds * 1000 * n) / checkpoints;
}

/** The random stream that picks rollback targets. */
export function rollbackChooser(seed: number): Random {
  return createRandom(seed, 0x0b4c);
}
