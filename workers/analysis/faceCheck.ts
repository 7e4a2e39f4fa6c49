/**
 * The face check: is a candidate box a face? A detector alone says yes to fists, hands, race bibs, badges and the
 * neck beside a face (bench/labels: 24 such false faces among 75 false positives of the old pyramid). Three
 * pieces of evidence, combined into one calibrated probability:
 *
 *  1. the detector's own score (logit), per detector — the scores of BlazeFace and the SSD are not on one scale;
 *  2. a **second opinion**: the other detector's score on a window centred on the candidate at its own best scale
 *     (detect.ts, `secondOpinion`), 0 when it sees nothing there;
 *  3. **landmark plausibility**: the 68-point landmark net always draws a face, but on a non-face it draws a
 *     distorted one. `shapeResidual` fits dlib's mean face (51 points: brows, nose, eyes, mouth) to the points by
 *     a similarity transform and returns the RMS misfit in units of the mean face's inter-ocular distance. It is
 *     stored with every detection; its fitted weight is zero (see FACE_MODEL for why).
 *
 * `faceProbability` is a logistic model of these (coefficients FACE_MODEL), fitted on the hand-labelled frames of
 * the real clips (bench/faceCheckFit.ts; half the frames fit, the other half test, both halves reported): a
 * detector score becomes a probability that the box is a face, comparable across detectors — the "calibrated
 * score" each detection stores. Detections below the run's `minScore` are dropped; those in
 * [`nearScore`, `minScore`) are counted and reported as seen below threshold.
 */
import { dlibMeanShape } from '../faces/align';
import type { Point } from '../image/geometry';
import type { DetectorSource } from './detect';

let meanShape: { pts: Point[]; iod: number } | undefined;
function template(): { pts: Point[]; iod: number } {
  if (!meanShape) {
    const pts = dlibMeanShape();
    // Eye centres of the mean shape (points 36–41 and 42–47 are indexes 19–24 and 25–30 here).
    const eye = (a: number): Point => [pts.slice(a, a + 6).reduce((s, p) => s + p[0], 0) / 6, pts.slice(a, a + 6).reduce((s, p) => s + p[1], 0) / 6];
    const l = eye(19);
    const r = eye(25);
    meanShape = { pts, iod: Math.hypot(r[0] - l[0], r[1] - l[1]) };
  }
  return meanShape;
}

/**
 * RMS distance between the landmark net's points 17–67 and dlib's mean face fitted to them by a similarity
 * transform (least squares), in inter-ocular distances of the fitted mean face.
 */
export function shapeResidual(landmarks68: readonly Point[]): number {
  const { pts: t, iod } = template();
  const src = landmarks68.slice(17, 68);
  const n = src.length;
  // Least-squares similarity mapping the template onto the points (closed form).
  let mtx = 0, mty = 0, msx = 0, msy = 0;
  for (let i = 0; i < n; i++) {
    mtx += t[i]![0]; mty += t[i]![1];
    msx += src[i]![0]; msy += src[i]![1];
  }
  mtx /= n; mty /= n; msx /= n; msy /= n;
  let a = 0, b = 0, vt = 0;
  for (let i = 0; i < n; i++) {
    const tx = t[i]![0] - mtx, ty = t[i]![1] - mty;
    const sx = src[i]![0] - msx, sy = src[i]![1] - msy;
    a += tx * sx + ty * sy;
    b += tx * sy - ty * sx;
    vt += tx * tx + ty * ty;
  }
  a /= vt;
  b /= vt;
  let err = 0;
  for (let i = 0; i < n; i++) {
    const tx = t[i]![0] - mtx, ty = t[i]![1] - mty;
    const px = a * tx - b * ty + msx;
    const py = b * tx + a * ty + msy;
    err += (px - src[i]![0]) ** 2 + (py - src[i]![1]) ** 2;
  }
  const scale = Math.hypot(a, b);
  return Math.sqrt(err / n) / Math.max(1e-9, scale * iod);
}

export interface FaceEvidence {
  readonly source: DetectorSource;
  readonly score: number;
  readonly second: number;
  readonly residual: number;
}

/**
 * Logistic coefficients per detector: intercept, own score logit, second opinion logit, landmark residual. Fitted by
 * `node dist/bench/faceCheckFit.js` on all 24 labelled frames (ridge 1): the BlazeFace candidates at score ≥ 0.35
 * and the SSD small-face candidates at score ≥ 0.15 (the proposal thresholds). The landmark residual is measured
 * and stored with every detection but carries no weight: on these data it separates faces from non-faces on its
 * own (median 0.11 against 0.62 for BlazeFace candidates) but adds nothing once the two detectors' scores are
 * known, and among the candidates the scores let through, false faces fit the mean face as well as real ones
 * (medians 0.39 and 0.11 for BlazeFace, 0.53 and 0.63 for the SSD's ~11 px faces, where landmarks mean little);
 * a model with it did no better on held-out frames. The second opinion matters for BlazeFace candidates (the SSD
 * confirms real faces) and hardly for the SSD's own small faces (at ~11 px BlazeFace rarely sees anything). Two-fold
 * figures (each half of the frames judged by a model fitted on the other half): README.
 */
export const FACE_MODEL: Record<DetectorSource, { readonly b0: number; readonly own: number; readonly second: number; readonly residual: number }> = {
  blaze: { b0: -0.136, own: 1.807, second: 0.684, residual: 0 },
  ssd: { b0: 0.994, own: 2.0, second: 0.029, residual: 0 },
};

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
};

/** Probability that the candidate is a face (see the module comment). */
export function faceProbability(e: FaceEvidence): number {
  const m = FACE_MODEL[e.source];
  const z = m.b0 + m.own * logit(e.score) + m.second * logit(Math.max(0.01, e.second)) + m.residual * e.residual;
  return 1 / (1 + Math.exp(-z));
}
