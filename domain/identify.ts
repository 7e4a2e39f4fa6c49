/**
 * Identification, pure: the face-size bands, the calibration file's shape and its lookups (false-match rate and
 * likelihood ratio at a score), the dual gate, the lead-not-identification wording, the examiner conclusion
 * scale and the template rule. Shared by the case services, the CLI, the renderer and the calibration script,
 * so no label, threshold or level is typed twice.
 */
import { log10Lr, type LrModel } from './identifyStats';

/** Printed with every candidate list, in the CLI, the UI and the records. */
export const LEAD_NOT_IDENTIFICATION =
  'Investigative lead, not an identification: a candidate list ranks gallery people by how similar the software finds their reference photos to the probe face. It does not say that any of them is the person; an examiner compares the original images and records a conclusion.';

// ───────────────────────────── face-size bands ─────────────────────────────

export interface SizeBand {
  readonly id: 'xs' | 's' | 'm' | 'l';
  readonly label: string;
  /** Face width (detector box, original footage pixels) from min (exclusive of the previous band) to max, inclusive. */
  readonly minWidth: number;
  readonly maxWidth: number;
}

export const SIZE_BANDS: readonly SizeBand[] = Object.freeze([
  { id: 'xs', label: '≤ 24 px', minWidth: 0, maxWidth: 24 },
  { id: 's', label: '25–40 px', minWidth: 24, maxWidth: 40 },
  { id: 'm', label: '41–64 px', minWidth: 40, maxWidth: 64 },
  { id: 'l', label: '> 64 px', minWidth: 64, maxWidth: Infinity },
]);

/** The band of a face width (the probe's median detection width in original pixels). */
export function bandOf(faceWidth: number): SizeBand {
  return SIZE_BANDS.find((b) => faceWidth <= b.maxWidth) ?? SIZE_BANDS[SIZE_BANDS.length - 1]!;
}

// ───────────────────────────── calibration file ─────────────────────────────

export interface BandCalibration {
  readonly band: SizeBand['id'];
  readonly label: string;
  /** Face widths the band's probes were drawn from. */
  readonly sizes: readonly [number, number];
  readonly genuine: { readonly n: number; readonly mean: number; readonly std: number };
  readonly impostor: {
    readonly n: number;
    readonly mean: number;
    readonly std: number;
    /**
     * The impostor score tail: [score, fraction of impostor scores ≥ score] pairs, ascending score (so
     * descending rate), on a log-spaced grid of rates from 1/2 down to 1/n. FMR at a score is interpolated
     * log-linearly between the pairs; above the last pair it is "< 1/n".
     */
    readonly tail: ReadonlyArray<readonly [number, number]>;
  };
  /** Score thresholds at stated false-match rates, with the true-accept rate there (calibration half). */
  readonly thresholds: ReadonlyArray<{ readonly fmr: number; readonly score: number | null; readonly tar: number | null }>;
  readonly lr: LrModel;
  /** The same figures measured on the held-out half (people never used to fit anything). */
  readonly test: {
    readonly genuine: number;
    readonly impostor: number;
    readonly fmrAtThresholds: ReadonlyArray<{ readonly fmr: number; readonly measuredFmr: number | null; readonly tar: number | null }>;
    readonly cllr: number;
    readonly cllrCalibrationHalf: number;
  };
}

export interface IdentifyCalibration {
  readonly id: string;
  readonly version: number;
  readonly createdAt: string;
  readonly recognizer: { readonly id: string; readonly modelId: string; readonly modelSha256: string; readonly describe: string };
  /** What the reference population is, how probes were made, how it was split, how to reproduce it. */
  readonly reference: string;
  readonly condition: string;
  readonly split: string;
  readonly reproduce: string;
  /**
   * The gate's similarity: score mapped linearly so that 0 is the mean different-person score and 1 the mean
   * same-person score of clean, full-size photos (the > 64 px band, no codec), as the identity guard does.
   */
  readonly similarity: { readonly impostorMean: number; readonly genuineMean: number; readonly measuredOn: string };
  readonly bands: readonly BandCalibration[];
}

export interface CalibrationRef {
  readonly id: string;
  readonly file: string;
  readonly sha256: string;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : Number.isFinite(v) ? v : 0);

export function calibratedSimilarity(cal: IdentifyCalibration, score: number): number {
  const s = cal.similarity;
  return clamp01((score - s.impostorMean) / (s.genuineMean - s.impostorMean));
}

/** The score at which the calibrated similarity equals `similarity`. */
export function scoreAtSimilarity(cal: IdentifyCalibration, similarity: number): number {
  const s = cal.similarity;
  return s.impostorMean + similarity * (s.genuineMean - s.impostorMean);
}

export function bandCalibration(cal: IdentifyCalibration, faceWidth: number): BandCalibration {
  const band = bandOf(faceWidth);
  const b = cal.bands.find((x) => x.band === band.id);
  if (!b) throw new RangeError(`calibration ${cal.id} has no band ${band.id}`);
  return b;
}

export interface FmrAt {
  /** The false-match rate at this score in the band's reference population (null when below its resolution). */
  readonly value: number | null;
  /** When the score lies above every impostor score: the rate is below 1/n ("< bound"). */
  readonly below: number | null;
  readonly text: string;
}

/** False-match rate at a score: the fraction of the band's different-person scores at or above it. */
export function fmrAt(b: BandCalibration, score: number): FmrAt {
  const tail = b.impostor.tail;
  const top = tail[tail.length - 1];
  if (!top) return { value: null, below: null, text: 'no calibration' };
  if (score > top[0]) {
    const bound = 1 / b.impostor.n;
    return { value: null, below: bound, text: `< ${fmtRate(bound)}` };
  }
  if (score <= tail[0]![0]) return { value: tail[0]![1], below: null, text: fmtRate(tail[0]![1]) };
  for (let i = 1; i < tail.length; i++) {
    const [s1, r1] = tail[i - 1]!;
    const [s2, r2] = tail[i]!;
    if (score <= s2 && score > s1) {
      // Scores ascend along the tail while rates descend; interpolate log10(rate) linearly in score.
      const t = s2 === s1 ? 1 : (score - s1) / (s2 - s1);
      const v = Math.pow(10, Math.log10(r1) + t * (Math.log10(r2) - Math.log10(r1)));
      return { value: v, below: null, text: fmtRate(v) };
    }
  }
  return { value: top[1], below: null, text: fmtRate(top[1]) };
}

export function fmtRate(v: number): string {
  if (v >= 0.01) return `${(v * 100).toFixed(v >= 0.1 ? 0 : 1)} %`;
  const e = Math.floor(Math.log10(v));
  const m = v / Math.pow(10, e);
  return `${m.toFixed(1)}e${e}`;
}

/** The likelihood ratio of a score in a band: p(score | same person) / p(score | different people). */
export function lrAt(b: BandCalibration, score: number): { log10: number; value: number; text: string; bounded: boolean } {
  const l = log10Lr(b.lr, score);
  const raw = b.lr.a + b.lr.b * score;
  return { log10: l, value: Math.pow(10, l), text: fmtLr(l), bounded: l !== raw };
}

export function fmtLr(log10: number): string {
  if (log10 >= 0) return log10 >= 3 ? `10^${log10.toFixed(1)}` : Math.pow(10, log10).toPrecision(2);
  return log10 <= -3 ? `10^${log10.toFixed(1)}` : `1/${Math.pow(10, -log10).toPrecision(2)}`;
}

// ───────────────────────────── the dual gate ─────────────────────────────

export interface GateThresholds {
  /** Above the gate needs the probe's quality strictly above this… */
  readonly minQuality: number;
  /** …and the candidate's calibrated similarity strictly above this. */
  readonly minSimilarity: number;
}

export const DEFAULT_GATE: GateThresholds = Object.freeze({ minQuality: 0.6, minSimilarity: 0.7 });

export function gateOf(quality: number, similarity: number, t: GateThresholds): { passes: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!(quality > t.minQuality)) reasons.push(`probe quality ${quality.toFixed(3)} ≤ ${t.minQuality}`);
  if (!(similarity > t.minSimilarity)) reasons.push(`similarity ${similarity.toFixed(3)} ≤ ${t.minSimilarity}`);
  return { passes: reasons.length === 0, reasons };
}

export const GATE_LABELS = Object.freeze({
  above: 'candidate above threshold',
  below: 'below threshold — shown for completeness',
});

// ───────────────────────────── templates ─────────────────────────────

/** How a track's template is made (recorded with each template). */
export const TEMPLATE_RULE = Object.freeze({
  /** At most this many frames, chosen best-spread across the track (domain/frameSelection.ts). */
  maxFrames: 12,
  upscale: 4,
  margin: 0.5,
  pooling: 'quality-weighted mean of L2-normalised embeddings, normalised again',
  weights: "frame quality: the identity guard's resolution, sharpness, noise and blockiness terms (no stability term)",
  gateQuality: "the identity guard's full quality (all five terms) of the template's highest-weighted frame",
});

// ───────────────────────────── enrolment ─────────────────────────────

export const ENROL_RULES = Object.freeze({
  /** A reference face narrower than this (detector box, photo pixels) is refused. */
  minFaceWidth: 40,
  /** …and one whose quality (the guard's quality of the face at its own resolution) is at or below this. */
  minQuality: 0.5,
  maxNameLength: 120,
  maxNoteLength: 2000,
});

// ───────────────────────────── conclusions ─────────────────────────────

export interface ConclusionLevel {
  readonly id: string;
  /** −6 … +6: the ordinal position (0 = neutral); null for "not suitable", which is no evaluation at all. */
  readonly rank: number | null;
  readonly text: string;
  /** The likelihood-ratio range the verbal level stands for (ENFSI 2015). */
  readonly lr: string;
}

/**
 * The examiner's conclusion scale: the verbal equivalents of the ENFSI Guideline for Evaluative Reporting in
 * Forensic Science (2015), applied to the propositions "the probe and the reference show the same person" (Hp)
 * and "they show different people" (Hd), in both directions, plus "not suitable" for images that do not allow
 * an evaluation. ENFSI's facial image comparison best-practice manual (ENFSI-BPM-DI-01, 2018) refers evaluative
 * conclusions to that guideline. The scale is deliberately without categorical "identification"/"exclusion".
 */
export const CONCLUSION_SCALE: readonly ConclusionLevel[] = Object.freeze([
  { id: 'same-extremely-strong', rank: 6, text: 'extremely strong support for the same person', lr: '≥ 1,000,000' },
  { id: 'same-very-strong', rank: 5, text: 'very strong support for the same person', lr: '10,000 – 1,000,000' },
  { id: 'same-strong', rank: 4, text: 'strong support for the same person', lr: '1,000 – 10,000' },
  { id: 'same-moderately-strong', rank: 3, text: 'moderately strong support for the same person', lr: '100 – 1,000' },
  { id: 'same-moderate', rank: 2, text: 'moderate support for the same person', lr: '10 – 100' },
  { id: 'same-weak', rank: 1, text: 'weak support for the same person', lr: '2 – 10' },
  { id: 'neutral', rank: 0, text: 'inconclusive: the findings support neither proposition', lr: '≈ 1' },
  { id: 'different-weak', rank: -1, text: 'weak support for different people', lr: '1/10 – 1/2' },
  { id: 'different-moderate', rank: -2, text: 'moderate support for different people', lr: '1/100 – 1/10' },
  { id: 'different-moderately-strong', rank: -3, text: 'moderately strong support for different people', lr: '1/1,000 – 1/100' },
  { id: 'different-strong', rank: -4, text: 'strong support for different people', lr: '1/10,000 – 1/1,000' },
  { id: 'different-very-strong', rank: -5, text: 'very strong support for different people', lr: '1/1,000,000 – 1/10,000' },
  { id: 'different-extremely-strong', rank: -6, text: 'extremely strong support for different people', lr: '≤ 1/1,000,000' },
  { id: 'not-suitable', rank: null, text: 'not suitable for comparison: the images do not allow an evaluation', lr: '—' },
]);

export const CONCLUSION_SCALE_ID = 'enfsi-2015-verbal';
export const CONCLUSION_SCALE_SOURCE =
  'ENFSI Guideline for Evaluative Reporting in Forensic Science (European Network of Forensic Science Institutes, 2015), verbal equivalents of likelihood ratios; applied to same person vs different people';

export function conclusionLevel(id: string): ConclusionLevel | undefined {
  return CONCLUSION_SCALE.find((l) => l.id === id);
}

/** The verbal level the software's own LR falls in (shown beside the examiner's choice, never instead of it). */
export function levelOfLr(log10: number): ConclusionLevel {
  const a = Math.abs(log10);
  const k = a < Math.log10(2) ? 0 : a < 1 ? 1 : a < 2 ? 2 : a < 3 ? 3 : a < 4 ? 4 : a < 6 ? 5 : 6;
  const rank = log10 < 0 ? -k : k;
  return CONCLUSION_SCALE.find((l) => l.rank === rank)!;
}
