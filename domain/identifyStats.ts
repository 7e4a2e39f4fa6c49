/**
 * Identification statistics, pure: ranks and CMC, verification operating points (TAR at a false-match rate,
 * DET curves), score distributions, the likelihood-ratio model and its cost. Shared by `sightline bench
 * identify`, the calibration script (bench/identifyCalibrate.ts) and the calibration lookups of the product.
 */

/** Rank (1 = best) of the genuine score among a probe's scores against the whole gallery (ties count against). */
export function rankOf(genuine: number, impostors: readonly number[]): number {
  let r = 1;
  for (const s of impostors) if (s >= genuine) r++;
  return r;
}

/** Cumulative match characteristic: fraction of probes whose genuine entry is within rank k, k = 1…maxRank. */
export function cmc(ranks: readonly number[], maxRank: number): number[] {
  return Array.from({ length: maxRank }, (_, i) => (ranks.length ? ranks.filter((r) => r <= i + 1).length / ranks.length : 0));
}

/** Sorted copy (ascending). */
export function sorted(v: readonly number[]): number[] {
  return Array.from(Float64Array.from(v).sort());
}

/**
 * The score threshold at which the false-match rate is at most `fmr` (impostor scores strictly above it): the
 * ⌊fmr·n⌋-th highest impostor score. null when the impostor set is too small to resolve that rate (fmr·n < 1).
 */
export function thresholdAtFmr(impostorsAsc: readonly number[], fmr: number): number | null {
  const n = impostorsAsc.length;
  const allowed = Math.floor(fmr * n);
  if (allowed < 1) return null;
  // Scores above the threshold are accepted; with `allowed` impostors allowed above, the threshold is the
  // (allowed+1)-th highest impostor score.
  return impostorsAsc[n - 1 - allowed]!;
}

/** Fraction of scores strictly above a threshold. */
export function fractionAbove(asc: readonly number[], threshold: number): number {
  let lo = 0;
  let hi = asc.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (asc[mid]! <= threshold) lo = mid + 1;
    else hi = mid;
  }
  return asc.length ? (asc.length - lo) / asc.length : 0;
}

/** True-accept rate at a false-match rate; null when it cannot be resolved. */
export function tarAtFmr(genuineAsc: readonly number[], impostorsAsc: readonly number[], fmr: number): number | null {
  const t = thresholdAtFmr(impostorsAsc, fmr);
  return t === null ? null : fractionAbove(genuineAsc, t);
}

/** DET curve points (FMR, FNMR) at every distinct impostor tail position on a log grid of FMRs. */
export function detCurve(genuineAsc: readonly number[], impostorsAsc: readonly number[], points = 40): Array<{ fmr: number; fnmr: number; threshold: number }> {
  const out: Array<{ fmr: number; fnmr: number; threshold: number }> = [];
  const n = impostorsAsc.length;
  if (n === 0 || genuineAsc.length === 0) return out;
  const minFmr = 1 / n;
  for (let i = 0; i <= points; i++) {
    const fmr = Math.pow(10, Math.log10(minFmr) * (1 - i / points));
    const t = thresholdAtFmr(impostorsAsc, fmr);
    if (t === null) continue;
    out.push({ fmr: fractionAbove(impostorsAsc, t), fnmr: 1 - fractionAbove(genuineAsc, t), threshold: t });
  }
  return out;
}

export function mean(v: readonly number[]): number {
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
}

export function std(v: readonly number[]): number {
  const m = mean(v);
  return v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : 0;
}

/** ROC AUC (probability a genuine score exceeds an impostor score; ties count half). */
export function auc(genuineAsc: readonly number[], impostorsAsc: readonly number[]): number {
  let i = 0;
  let sum = 0;
  for (const g of genuineAsc) {
    while (i < impostorsAsc.length && impostorsAsc[i]! < g) i++;
    let j = i;
    while (j < impostorsAsc.length && impostorsAsc[j]! === g) j++;
    sum += i + (j - i) / 2;
  }
  return genuineAsc.length && impostorsAsc.length ? sum / (genuineAsc.length * impostorsAsc.length) : NaN;
}

// ───────────────────────────── likelihood ratios ─────────────────────────────

/**
 * A score-based likelihood-ratio model: log10 LR = a + b·score from logistic regression of same-person vs
 * different-person scores with the two classes weighted equally (so the fitted odds are the likelihood ratio,
 * free of the calibration set's class proportions — Brümmer & du Preez 2006; the usual "linear calibration" of
 * forensic biometrics). L2-regularised on `b` with weight `lambda`, and bounded: an LR is never reported
 * beyond what the calibration data can support, i.e. above the number of different-person scores or below
 * one over the number of same-person scores (in the spirit of Vergeer et al. 2016's empirical bounds).
 */
export interface LrModel {
  readonly kind: 'logistic';
  /** log10 LR = a + b·score, before the bounds. */
  readonly a: number;
  readonly b: number;
  readonly lambda: number;
  readonly log10Bounds: readonly [number, number];
}

export function fitLogisticLr(genuine: readonly number[], impostors: readonly number[], lambda = 1e-3): LrModel {
  if (genuine.length < 2 || impostors.length < 2) throw new RangeError('need at least two scores of each class');
  // Newton–Raphson on the weighted log-loss in natural-log units; w_g = 1/(2·n_g), w_i = 1/(2·n_i).
  let a = 0;
  let b = 0;
  const wg = 0.5 / genuine.length;
  const wi = 0.5 / impostors.length;
  for (let it = 0; it < 100; it++) {
    let ga = 0, gb = 0, haa = 0, hab = 0, hbb = 0;
    const acc = (s: number, y: number, w: number): void => {
      const z = a + b * s;
      const p = 1 / (1 + Math.exp(-z));
      const r = p - y;
      ga += w * r;
      gb += w * r * s;
      const h = w * p * (1 - p);
      haa += h;
      hab += h * s;
      hbb += h * s * s;
    };
    for (const s of genuine) acc(s, 1, wg);
    for (const s of impostors) acc(s, 0, wi);
    gb += lambda * b;
    hbb += lambda;
    const det = haa * hbb - hab * hab;
    if (!(Math.abs(det) > 1e-300)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) < 1e-12 && Math.abs(db) < 1e-12) break;
  }
  return { kind: 'logistic', a: a / Math.LN10, b: b / Math.LN10, lambda, log10Bounds: [-Math.log10(genuine.length), Math.log10(impostors.length)] };
}

export function log10Lr(m: LrModel, score: number): number {
  const v = m.a + m.b * score;
  return Math.min(m.log10Bounds[1], Math.max(m.log10Bounds[0], v));
}

/**
 * Log-likelihood-ratio cost (Brümmer & du Preez 2006), in bits: 0 is perfect, 1 is what "LR = 1 always" costs;
 * it penalises both poor discrimination and poor calibration of the reported LRs.
 */
export function cllr(genuineLog10Lr: readonly number[], impostorLog10Lr: readonly number[]): number {
  const l2 = (x: number): number => Math.log2(1 + Math.pow(10, x));
  const g = genuineLog10Lr.reduce((s, v) => s + l2(-v), 0) / genuineLog10Lr.length;
  const i = impostorLog10Lr.reduce((s, v) => s + l2(v), 0) / impostorLog10Lr.length;
  return 0.5 * (g + i);
}
