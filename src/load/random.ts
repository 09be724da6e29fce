/**
 * Seeded pseudo-random numbers (sfc32, its state seeded through splitmix32), so that a run's
 * simulated work and failure points follow from `--seed` alone. Not for anything secret.
 */

/** A stream of pseudo-random numbers. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** One of `items`, which must not be empty. */
  pick<T>(items: readonly T[]): T;
}

/**
 * A stream determined by `seeds` (32-bit integers): the same seeds give the same stream, and
 * streams for different seed lists are unrelated.
 *
 * @example createRandom(seed, agent, step).int(6) // the same die roll on every run
 */
export function createRandom(...seeds: number[]): Random {
  let h = 0x6a09e667;
  for (const seed of seeds) h = splitmix32(h ^ seed);
  let a = splitmix32(h);
  let b = splitmix32(a);
  let c = splitmix32(b);
  let d = splitmix32(c);
  const next = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

function splitmix32(seed: number): number {
  let z = (seed + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) >>> 0;
}
