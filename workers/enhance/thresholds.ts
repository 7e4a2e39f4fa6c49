/**
 * The identity guard's numbers that main, the CLI and the renderer need without loading the recogniser: the
 * calibration of the dlib cosine, the default thresholds and the verdict rule. guard.ts explains them.
 */

/**
 * Calibration of the dlib descriptor's cosine on the ORL set (20 people × 10 portraits), measured by
 * `npm run bench -- enhance` (section "identity calibration") with the app's detector landmarks and dlib chips.
 */
export const IDENTITY_CALIBRATION = Object.freeze({
  reference: 'ORL faces s1–s20 × 10 portraits, detector landmarks, dlib 150 px chips; 900 same-person, 19,000 different-person pairs',
  sameMean: 0.9736,
  differentMean: 0.8674,
  /** Cosine at the equal-error rate of the same/different pairs (FMR = FNMR ≈ 0.8 %), and where it lies on the calibrated scale. */
  eerCosine: 0.926,
  eerSimilarity: 0.552,
  /** At similarity 0.7 (cosine 0.9417), on the same full-resolution pairs: false matches 0.02 %, false non-matches 4.0 %. */
  at07: { cosine: 0.9417, falseMatchRate: 0.0002, falseNonMatchRate: 0.04 },
});

export interface GuardThresholds {
  /** Pass needs quality strictly above this. */
  readonly minQuality: number;
  /** Pass needs calibrated identity similarity strictly above this. */
  readonly minSimilarity: number;
}

export const DEFAULT_GUARD_THRESHOLDS: GuardThresholds = Object.freeze({ minQuality: 0.6, minSimilarity: 0.7 });

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0);

/** Calibrated identity similarity of a cosine (see the module comment). */
export function identitySimilarity(cos: number): number {
  const c = IDENTITY_CALIBRATION;
  return clamp01((cos - c.differentMean) / (c.sameMean - c.differentMean));
}

export function verdictOf(quality: number, similarity: number, t: GuardThresholds): { verdict: 'pass' | 'fail'; reasons: string[] } {
  const reasons: string[] = [];
  if (!(quality > t.minQuality)) reasons.push(`quality ${quality.toFixed(3)} ≤ ${t.minQuality}`);
  if (!(similarity > t.minSimilarity)) reasons.push(`identity similarity ${similarity.toFixed(3)} ≤ ${t.minSimilarity}`);
  return { verdict: reasons.length === 0 ? 'pass' : 'fail', reasons };
}

