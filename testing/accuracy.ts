/**
 * The headline accuracy study (run by `npm run bench -- enhance`): does enhancement make small faces
 * identifiable? Designed to be read next to the published field test this project aims to beat (recognition
 * accuracy before → after enhancement 28.5 % → 61.3 % at 20 px, 47.1 → 79.6 % at 32 px, 68.2 → 89.1 % at 48 px;
 * with a dual gate ≥ 80 % recall at < 5 false matches per 1,000 comparisons).
 *
 * Protocol (ORL, 20 identities):
 *  - gallery: portraits `galleryIndices` of all 20 people at full resolution (detector landmarks, dlib chips);
 *  - probes: portrait `probeIndex` of each person made into a surveillance sequence (study.ts: face W px wide,
 *    16 frames, sub-pixel motion, blur, noise, H.264), for W in `sizes`;
 *  - each probe is recognised as an image: landmarks re-detected by the app's landmark network inside the face
 *    box, dlib chip, embedding; the score against an identity is the best cosine over its gallery portraits;
 *  - before = the best single frame (the reference frame, the one quality ranking would pick) upscaled by
 *    bicubic interpolation; after = fusion, restore, fusion+restore, exactly as the product runs them;
 *  - rank-1 accuracy: the top-scoring identity is the right one;
 *  - dual gate: a probe–identity comparison is a match when the probe's guard quality > 0.6 AND the calibrated
 *    identity similarity > 0.7 (the guard's two thresholds, applied to recognition); recall over the
 *    same-identity comparisons, false matches per 1,000 different-identity comparisons.
 */
import { alignFace } from '../workers/faces/align';
import { detectLandmarks, toLandmarks5, type Box } from '../workers/faces/detect';
import { cosineSimilarity, embedFaces } from '../workers/faces/embed';
import type { Landmarks5 } from '../workers/faces/align';
import { convertChannels, type Image } from '../workers/image/image';
import type { DegradeParams } from './degrade';
import { referenceFace } from './faceSet';
import type { FaceSet } from './faces';
import { DEFAULT_GUARD_THRESHOLDS, identitySimilarity } from '../domain/identity';
import { faceQualityScore, type QualityScore } from '../workers/enhance/guard';
import { enhanceCrops } from '../workers/enhance/pipeline';
import { resolveEnhanceSettings, type EnhanceMode } from '../domain/enhance';
import { makeProbe, upscaleReference, type Probe } from './study';

export type StudyMethod = 'before' | EnhanceMode;
export const STUDY_METHODS: readonly StudyMethod[] = ['before', 'fusion', 'restore', 'fusion+restore'];

export interface StudyConfig {
  readonly people: readonly number[];
  readonly sizes: readonly number[];
  readonly probeIndex: number;
  readonly galleryIndices: readonly number[];
  readonly scale: 2 | 4;
  readonly degrade: Partial<DegradeParams>;
}

/** The study on a face set: every person; probe portrait 1, gallery = that person's other portraits. */
export function studyFor(set: FaceSet): StudyConfig {
  return {
    ...DEFAULT_STUDY,
    people: Array.from({ length: set.people }, (_, i) => i + 1),
    galleryIndices: Array.from({ length: set.portraits - 1 }, (_, i) => i + 2),
  };
}

export const DEFAULT_STUDY: StudyConfig = {
  people: Array.from({ length: 20 }, (_, i) => i + 1),
  sizes: [20, 32, 48],
  probeIndex: 1,
  galleryIndices: [2, 3, 4, 5, 6, 7, 8, 9, 10],
  scale: 4,
  degrade: { frames: 16, maxShift: 1, maxRotationDeg: 2, blurSigma: 0.5, noiseSigma: 0.02, stride: 5, h264: { crf: 30, preset: 'medium', fps: 25, gop: 25 } },
};

export interface StudyRow {
  readonly person: number;
  readonly size: number;
  readonly method: StudyMethod;
  /** Best cosine against each identity (index = person − 1). */
  readonly scores: number[];
  readonly quality: QualityScore;
  readonly ms: number;
}

export interface Gallery {
  readonly people: readonly number[];
  readonly embeddings: ReadonlyArray<{ person: number; embedding: Float32Array }>;
}

export async function buildGallery(cfg: StudyConfig): Promise<Gallery> {
  const embeddings: Array<{ person: number; embedding: Float32Array }> = [];
  for (const person of cfg.people) {
    for (const index of cfg.galleryIndices) {
      const f = await referenceFace(person, index, 1);
      const [e] = await embedFaces([alignFace(convertChannels(f.image, 3), f.landmarks5, 150).crop]);
      embeddings.push({ person, embedding: e! });
    }
  }
  return { people: cfg.people, embeddings };
}

/** Recognise a face image as the app would: landmarks re-detected in `box`, dlib chip, embedding. */
export async function recognise(image: Image, box: Box): Promise<{ embedding: Float32Array; landmarks: Landmarks5 }> {
  const [pts] = await detectLandmarks(convertChannels(image, 3), [box]);
  const landmarks = toLandmarks5(pts!);
  const [embedding] = await embedFaces([alignFace(convertChannels(image, 3), landmarks, 150).crop]);
  return { embedding: embedding!, landmarks };
}

function scoresAgainst(g: Gallery, e: Float32Array): number[] {
  return g.people.map((p) => Math.max(...g.embeddings.filter((x) => x.person === p).map((x) => cosineSimilarity(e, x.embedding))));
}

/** One probe through every method. */
export async function studyProbe(g: Gallery, probe: Probe, cfg: StudyConfig): Promise<StudyRow[]> {
  const s = cfg.scale;
  const box: Box = { x: probe.box.x * s, y: probe.box.y * s, w: probe.box.w * s, h: probe.box.h * s };
  const rows: StudyRow[] = [];
  for (const method of STUDY_METHODS) {
    const t0 = performance.now();
    const image =
      method === 'before'
        ? upscaleReference(probe, s)
        : (await enhanceCrops(probe.crops, probe.reference, resolveEnhanceSettings({ mode: method, scale: s, initialTransforms: 'centroid' }))).image;
    const ms = performance.now() - t0;
    const { embedding, landmarks } = await recognise(image, box);
    const quality = await faceQualityScore({ image, landmarks, sourceFaceWidth: probe.faceWidth, scale: s, blockOffset: [0, 0] }, embedding);
    rows.push({ person: probe.face.person, size: probe.faceWidth, method, scores: scoresAgainst(g, embedding), quality, ms });
  }
  return rows;
}

export async function runStudy(cfg: StudyConfig, onProbe?: (done: number, total: number) => void): Promise<{ rows: StudyRow[]; landmarkError: number }> {
  const g = await buildGallery(cfg);
  const rows: StudyRow[] = [];
  let lmErr = 0;
  let n = 0;
  const total = cfg.people.length * cfg.sizes.length;
  for (const size of cfg.sizes) {
    for (const person of cfg.people) {
      const face = await referenceFace(person, cfg.probeIndex, 1);
      const probe = await makeProbe(face, size, { ...cfg.degrade, seed: 1000 * size + person });
      lmErr += probe.landmarkError;
      rows.push(...(await studyProbe(g, probe, cfg)));
      onProbe?.(++n, total);
    }
  }
  return { rows, landmarkError: lmErr / Math.max(1, n) };
}

export interface StudySummary {
  readonly size: number;
  readonly method: StudyMethod;
  readonly probes: number;
  readonly rank1: number;
  readonly genuine: number;
  readonly impostor: number;
  /** Dual gate (quality > minQuality and similarity > minSimilarity). */
  readonly recall: number;
  readonly falseMatchesPer1000: number;
  /** Probes passing the quality gate. */
  readonly qualityPass: number;
  readonly meanQuality: number;
  /** Mean calibrated similarity to the true identity. */
  readonly meanTrueSimilarity: number;
  readonly meanMs: number;
}

export function summarise(rows: readonly StudyRow[], people: readonly number[], t = DEFAULT_GUARD_THRESHOLDS): StudySummary[] {
  const out: StudySummary[] = [];
  const sizes = [...new Set(rows.map((r) => r.size))];
  for (const size of sizes) {
    for (const method of STUDY_METHODS) {
      const rs = rows.filter((r) => r.size === size && r.method === method);
      if (rs.length === 0) continue;
      let correct = 0, tp = 0, fp = 0, genuine = 0, impostor = 0, qp = 0, q = 0, sim = 0, ms = 0;
      for (const r of rs) {
        const truth = people.indexOf(r.person);
        let best = 0;
        r.scores.forEach((v, i) => {
          if (v > r.scores[best]!) best = i;
        });
        if (best === truth) correct++;
        const qOk = r.quality.value > t.minQuality;
        if (qOk) qp++;
        q += r.quality.value;
        sim += identitySimilarity(r.scores[truth]!);
        ms += r.ms;
        r.scores.forEach((v, i) => {
          const match = qOk && identitySimilarity(v) > t.minSimilarity;
          if (i === truth) {
            genuine++;
            if (match) tp++;
          } else {
            impostor++;
            if (match) fp++;
          }
        });
      }
      out.push({
        size,
        method,
        probes: rs.length,
        rank1: correct / rs.length,
        genuine,
        impostor,
        recall: tp / Math.max(1, genuine),
        falseMatchesPer1000: (1000 * fp) / Math.max(1, impostor),
        qualityPass: qp / rs.length,
        meanQuality: q / rs.length,
        meanTrueSimilarity: sim / rs.length,
        meanMs: ms / rs.length,
      });
    }
  }
  return out;
}

/** Area under the ROC of `score` predicting `label` (ties count half): how well quality predicts a correct rank-1. */
export function auc(pairs: ReadonlyArray<{ score: number; label: boolean }>): number {
  const pos = pairs.filter((p) => p.label).map((p) => p.score);
  const neg = pairs.filter((p) => !p.label).map((p) => p.score);
  if (!pos.length || !neg.length) return NaN;
  let s = 0;
  for (const a of pos) for (const b of neg) s += a > b ? 1 : a === b ? 0.5 : 0;
  return s / (pos.length * neg.length);
}
