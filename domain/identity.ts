/**
 * The identity guard's numbers, pure, so main, the CLI, the renderer and the worker share one copy: the
 * calibration of the dlib cosine, the default thresholds, the verdict rule and the quality score's weights and
 * mappings. workers/enhance/guard.ts explains them.
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

/**
 * Weights of the geometric mean. Chosen on the ORL accuracy study (`npm run bench -- enhance`, 240 probe images:
 * 20 people × 3 face sizes × 4 methods) among a handful of candidate weightings, all of which predicted a correct
 * rank-1 identification about equally well (ROC AUC 0.90–0.92); this one had the highest AUC (0.92; 0.73
 * among the 20 px probes alone) and puts 32 px faces above 0.6 and 20 px faces below it, which is where
 * identification became reliable in that study. In-sample: the same study reports it.
 */
export const QUALITY_WEIGHTS = Object.freeze({ resolution: 0.3, sharpness: 0.2, noise: 0.1, blockiness: 0.2, stability: 0.2 });

/** Mapping constants of the quality components (see the module comment). */
export const QUALITY_MAPPING = Object.freeze({
  resolutionMinPx: 12,
  resolutionMaxPx: 64,
  /** Laplacian/luma variance ratio at which sharpness reaches 1 − 1/e. */
  sharpnessScale: 0.08,
  /** Noise σ (0..1 intensities, on the source grid) at which the noise component reaches 0. */
  noiseMax: 0.04,
  /** Blockiness ratio excess over 1 at which the component reaches 0. */
  blockinessSpan: 1,
  /** Mean jitter cosine mapped linearly from these two values onto 0 … 1. */
  stabilityCosine: [0.95, 0.99] as const,
  /** The chip area the measures use: dlib's unit face box inside its 25 % padding. */
  faceArea: [25, 25, 100, 100] as const,
  /**
   * Sharpness and noise are measured on that area resampled to this many pixels: a fixed "face grid", so the
   * numbers do not depend on how much the chip was enlarged, only on the detail the face carries at the scale
   * where recognition works (faces ≥ ~48 px identify well in the field studies).
   */
  canonicalSize: 48,
});

/** Alignment perturbations for the stability component, in chip pixels / degrees / scale. */
export const JITTERS: ReadonlyArray<{ dx: number; dy: number; rotDeg: number; scale: number }> = Object.freeze([
  { dx: 6, dy: 0, rotDeg: 0, scale: 1 },
  { dx: -6, dy: 0, rotDeg: 0, scale: 1 },
  { dx: 0, dy: 6, rotDeg: 0, scale: 1 },
  { dx: 0, dy: -6, rotDeg: 0, scale: 1 },
  { dx: 0, dy: 0, rotDeg: 10, scale: 1 },
  { dx: 0, dy: 0, rotDeg: -10, scale: 1 },
  { dx: 0, dy: 0, rotDeg: 0, scale: 1.1 },
  { dx: 0, dy: 0, rotDeg: 0, scale: 0.9 },
]);

// ───────────────────────────── what the guard's verdict means, in words ─────────────────────────────

/**
 * What a pass means, exactly. The guard compares a result with the frame it was made from: similarity is
 * measured against its own source, so a pass says the enhancement did not move the face towards someone else —
 * nothing about who the person is (on held-out faces every result scored ≥ 0.84 against its source, and 5 of 39
 * passing 32 px fusions were of faces a gallery search then put on the wrong person).
 */
export const GUARD_PASS_MEANING =
  'A pass means only: no identity drift from the source frame (the result still looks like the same person as the footage it was made from) and quality above the case threshold. It does not confirm who the person is, and it does not validate an AI-restored face.';

/**
 * Below this effective face width (real detail in footage pixels, effectiveResolution.ts) a source is "too poor
 * to enhance": the ORL identification study starts at 20 px faces (rank-1 40 % before, 67 % after fusion), and
 * nothing smaller was ever shown to identify; an enhancement of it is stored, labelled so, never presented as a face.
 */
export const DEFAULT_MIN_EFFECTIVE_FACE_WIDTH = 16;

export type GuardOutcome = 'too-poor' | 'drift' | 'low-quality' | 'no-drift';

export interface GuardNumbers {
  readonly verdict: 'pass' | 'fail';
  readonly similarity: number;
  readonly quality: { readonly value: number };
  readonly thresholds: GuardThresholds;
  readonly sourceDetail?: { readonly tooPoor: boolean; readonly effectiveFaceWidth: number; readonly minEffectiveFaceWidth: number | null };
}

/** Which one thing to say first: a too-poor source, then identity drift, then low quality; else no drift. */
export function guardOutcome(g: GuardNumbers): GuardOutcome {
  if (g.sourceDetail?.tooPoor) return 'too-poor';
  if (!(g.similarity > g.thresholds.minSimilarity)) return 'drift';
  if (!(g.quality.value > g.thresholds.minQuality)) return 'low-quality';
  return 'no-drift';
}

/** Short badge text: a drift check, never "pass" of an image. */
export const GUARD_BADGE: Readonly<Record<GuardOutcome, string>> = Object.freeze({
  'too-poor': '⚠ Too poor to enhance',
  drift: '⚠ Identity drift',
  'low-quality': '⚠ Too low quality to identify',
  'no-drift': 'No identity drift detected',
});

/** One sentence stating the outcome with its numbers (CLI, Compare view, report). */
export function guardHeadline(g: GuardNumbers): string {
  const sim = `identity similarity ${g.similarity.toFixed(3)} to its source; ≤ ${g.thresholds.minSimilarity} would be drift`;
  const outcome = guardOutcome(g);
  switch (outcome) {
    case 'too-poor':
      return `Too poor to enhance: the source face carries ~${g.sourceDetail!.effectiveFaceWidth.toFixed(0)} px of real detail (needs ≥ ${g.sourceDetail!.minEffectiveFaceWidth ?? DEFAULT_MIN_EFFECTIVE_FACE_WIDTH} px); kept for the record, not a usable image of the face`;
    case 'drift':
      return `Identity drift: ${sim} — the result may show a different person than the footage; not a usable image of the face`;
    case 'low-quality':
      return `No identity drift detected (${sim}), but quality ${g.quality.value.toFixed(3)} ≤ ${g.thresholds.minQuality}: too low to identify from`;
    case 'no-drift':
      return `No identity drift detected (${sim}); quality ${g.quality.value.toFixed(3)} > ${g.thresholds.minQuality}`;
    default: {
      const never: never = outcome;
      return never;
    }
  }
}
