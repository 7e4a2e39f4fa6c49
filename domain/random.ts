/**
 * Seeded pseudo-random numbers for anything that must be reproducible (test sequences, benchmarks).
 * Math.random is never used in the imaging code: the same seed gives the same stream on every platform,
 * because the generator is pure 32-bit integer arithmetic.
 */

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal N(0, 1) (Box–Muller, both values of a pair used in turn). */
  normal(): number;
  /** Integer in [0, n). */
  int(n: number): number;
}

/** Mulberry32 (Tommy Ettinger, public domain): small state, passes PractRand to 2^32 outputs — ample here. */
export function createRng(seed: number): Rng {
  let s = seed >>> 0;
  let spare: number | null = null;
  const next = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (n) => Math.floor(next() * n),
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = next();
      while (u <= 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}
