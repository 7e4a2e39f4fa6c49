/**
 * Enhancement: speed on CPU (fusion of 16 frames; restoration per face; the identity guard), the calibration of
 * the guard's identity similarity, and the headline accuracy study — face identification before → after
 * enhancement on ORL probes degraded to 20 / 32 / 48 px surveillance sequences, printed next to the published
 * field test this project aims to beat. Printed only; nothing is asserted. Needs ../shared/data (ORL); says so
 * and skips the ORL parts when it is absent.
 *
 * `npm run bench -- enhance` runs this section. SIGHTLINE_BENCH_PROBES=K uses K probe portraits per person
 * (default 1: portrait 1 as probe, 2–10 as gallery, as in the study's description).
 */
import { installModels } from '../models/install';
import { alignFace } from '../workers/faces/align';
import { cosineSimilarity, embedFaces } from '../workers/faces/embed';
import { superResolve } from '../workers/faces/superResolve';
import { getInferenceConfig } from '../workers/inference/session';
import { convertChannels } from '../workers/image/image';
import { auc, recognise, runStudy, studyFor, summarise, type StudyRow } from '../testing/accuracy';
import { referenceFace } from '../testing/faceSet';
import { IDENTITY_CALIBRATION } from '../domain/identity';
import { guardEnhancement } from '../workers/enhance/guard';
import { enhanceCrops } from '../workers/enhance/pipeline';
import { resolveEnhanceSettings } from '../domain/enhance';
import { makeProbe } from '../testing/study';
import { benchFaceSet, useFaceSet, type FaceSet } from '../testing/faces';
import { DEFAULT_GUARD_THRESHOLDS } from '../domain/identity';
import { heading, median, row, timeIt } from './util';

/** The published field test (face recognition accuracy before → after enhancement, by face width). */
const REFERENCE: Record<number, { before: number; after: number }> = {
  20: { before: 28.5, after: 61.3 },
  32: { before: 47.1, after: 79.6 },
  48: { before: 68.2, after: 89.1 },
};

const H264 = { crf: 30, preset: 'medium', fps: 25, gop: 25 } as const;

async function medianMs(fn: () => Promise<unknown>, runs: number): Promise<number> {
  await fn(); // warm-up: sessions, JIT, FFT plans
  const t: number[] = [];
  for (let i = 0; i < runs; i++) t.push((await timeIt(fn)).ms);
  return median(t);
}

async function benchSpeed(): Promise<void> {
  const threads = getInferenceConfig().intraOpThreads;
  heading(`enhance: speed on CPU (median of 5; networks with ${threads} intra-op thread(s), imaging on one core)`);
  for (const width of [24, 48]) {
    const face = await referenceFace(1, 1, 1);
    const probe = await makeProbe(face, width, { frames: 16, maxRotationDeg: 2, stride: 5, h264: H264, seed: 7 });
    const crop = probe.crops[0]!.image;
    const dims = `${crop.width}×${crop.height}`;
    for (const mode of ['fusion', 'restore', 'fusion+restore'] as const) {
      const s = resolveEnhanceSettings({ mode, scale: 4 });
      const ms = await medianMs(() => enhanceCrops(probe.crops, probe.reference, s), 5);
      const what = mode === 'fusion' ? 'fusion of 16 frames ×4 (+ Wiener)' : mode === 'restore' ? 'restoration of one face ×4 (RRDN)' : 'fusion ×1 of 16 frames + RRDN ×4';
      row(`${width} px face, ${dims} crops: ${what}`, `${ms.toFixed(0)} ms`, `→ ${crop.width * 4}×${crop.height * 4}`);
    }
    const r = await enhanceCrops(probe.crops, probe.reference, resolveEnhanceSettings({ mode: 'fusion', scale: 4 }));
    const box = { x: probe.box.x * 4, y: probe.box.y * 4, w: probe.box.w * 4, h: probe.box.h * 4 };
    const { landmarks } = await recognise(r.image, box);
    const ms = await medianMs(
      () => guardEnhancement({ source: r.source, enhanced: r.image, landmarks, scale: 4, sourceFaceWidth: width, blockOffset: [0, 0], thresholds: DEFAULT_GUARD_THRESHOLDS }),
      5,
    );
    row(`${width} px face: identity guard (10 embeddings, quality)`, `${ms.toFixed(0)} ms`);
    const ms2 = await medianMs(() => superResolve(crop, 2), 5);
    row(`${width} px face: restoration ×2 (RRDN ×2)`, `${ms2.toFixed(0)} ms`, `${dims} → ${crop.width * 2}×${crop.height * 2}`);
  }
}

async function benchCalibration(set: FaceSet): Promise<void> {
  heading(`enhance: identity-similarity calibration (${set.label}, detector landmarks, dlib chips)`);
  const embs: Array<{ p: number; e: Float32Array }> = [];
  for (let p = 1; p <= set.people; p++) {
    for (let i = 1; i <= set.portraits; i++) {
      const f = await referenceFace(p, i, 1);
      const [e] = await embedFaces([alignFace(convertChannels(f.image, 3), f.landmarks5, 150).crop]);
      embs.push({ p, e: e! });
    }
  }
  const same: number[] = [];
  const diff: number[] = [];
  for (let a = 0; a < embs.length; a++) for (let b = a + 1; b < embs.length; b++) (embs[a]!.p === embs[b]!.p ? same : diff).push(cosineSimilarity(embs[a]!.e, embs[b]!.e));
  const mean = (x: number[]): number => x.reduce((s, v) => s + v, 0) / x.length;
  const ms = mean(same);
  const md = mean(diff);
  let eer = { t: 0, gap: Infinity, rate: 0 };
  for (let t = 0.85; t <= 1; t += 0.0005) {
    const frr = same.filter((v) => v < t).length / same.length;
    const far = diff.filter((v) => v >= t).length / diff.length;
    if (Math.abs(frr - far) < eer.gap) eer = { t, gap: Math.abs(frr - far), rate: (frr + far) / 2 };
  }
  const c07 = md + 0.7 * (ms - md);
  row(`mean cosine, same person (${same.length} pairs)`, ms.toFixed(4), `recorded ${IDENTITY_CALIBRATION.sameMean}`);
  row(`mean cosine, different people (${diff.length} pairs)`, md.toFixed(4), `recorded ${IDENTITY_CALIBRATION.differentMean}`);
  row('equal-error-rate threshold (cosine)', eer.t.toFixed(4), `EER ${(eer.rate * 100).toFixed(2)} %, similarity ${((eer.t - md) / (ms - md)).toFixed(3)} (recorded ${IDENTITY_CALIBRATION.eerCosine} / ${IDENTITY_CALIBRATION.eerSimilarity})`);
  row('similarity 0.7 ≙ cosine', c07.toFixed(4), `false matches ${((100 * diff.filter((v) => v > c07).length) / diff.length).toFixed(3)} %, false non-matches ${((100 * same.filter((v) => v <= c07).length) / same.length).toFixed(2)} %`);
}

function pct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}

async function benchAccuracy(set: FaceSet): Promise<void> {
  const study = studyFor(set);
  const probesPerPerson = Math.max(1, Math.min(set.portraits, Number(process.env.SIGHTLINE_BENCH_PROBES ?? 1) || 1));
  heading(
    `enhance: identification before → after enhancement (${set.label}; ${probesPerPerson} probe portrait(s) per person degraded to 16-frame sequences: ` +
      `shifts ±1 px, rotation ±2°, blur σ 0.5 px, noise σ 0.02, H.264 CRF ${H264.crf} every 5th frame; gallery = the other portraits at full resolution; ×4)`,
  );
  const all: StudyRow[] = [];
  const t0 = performance.now();
  for (let k = 1; k <= probesPerPerson; k++) {
    const cfg = { ...study, probeIndex: k, galleryIndices: Array.from({ length: set.portraits }, (_, i) => i + 1).filter((i) => i !== k) };
    // A live counter on a terminal; in a log, one line per ten probes.
    const { rows } = await runStudy(cfg, (d, n) => {
      if (process.stderr.isTTY) process.stderr.write(`\r  probes ${d}/${n} (probe portrait ${k})   `);
      else if (d % 10 === 0 || d === n) process.stderr.write(`  probes ${d}/${n} (probe portrait ${k})\n`);
    });
    all.push(...rows);
  }
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  const summary = summarise(all, study.people);
  process.stdout.write(
    `  ${'face'.padEnd(6)} ${'method'.padEnd(16)} ${'rank-1'.padStart(8)} ${'reference'.padStart(16)}   ${'dual gate: recall'.padStart(18)} ${'false/1000'.padStart(11)}   ${'q>0.6'.padStart(6)} ${'mean q'.padStart(7)} ${'true sim'.padStart(9)} ${'ms'.padStart(6)}\n`,
  );
  for (const s of summary) {
    const ref = REFERENCE[s.size];
    const refText = ref ? (s.method === 'before' ? `${ref.before.toFixed(1)} %` : `${ref.after.toFixed(1)} % after`) : '';
    process.stdout.write(
      `  ${`${s.size} px`.padEnd(6)} ${s.method.padEnd(16)} ${pct(s.rank1).padStart(8)} ${refText.padStart(16)}   ${pct(s.recall).padStart(18)} ${s.falseMatchesPer1000.toFixed(1).padStart(11)}   ${pct(s.qualityPass).padStart(6)} ${s.meanQuality.toFixed(3).padStart(7)} ${s.meanTrueSimilarity.toFixed(3).padStart(9)} ${s.meanMs.toFixed(0).padStart(6)}\n`,
    );
  }
  const n = summary[0]!;
  process.stdout.write(
    `  (${n.probes} probes per row, ${n.genuine} same-identity and ${n.impostor} different-identity comparisons per row; dual gate = guard quality > 0.6 and calibrated similarity > 0.7; ` +
      `reference: the published field test, 28.5→61.3 % at 20 px, 47.1→79.6 % at 32 px, 68.2→89.1 % at 48 px, dual gate ≥ 80 % recall at < 5 false matches per 1,000)\n`,
  );
  const labelled = all.map((r) => {
    let best = 0;
    r.scores.forEach((v, i) => {
      if (v > r.scores[best]!) best = i;
    });
    return { score: r.quality.value, label: best === study.people.indexOf(r.person) };
  });
  row('quality score predicts a correct rank-1 (ROC AUC)', auc(labelled).toFixed(3), `${all.length} probe images, all sizes and methods`);
  row('study wall time', `${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

export async function benchEnhance(): Promise<void> {
  const { set, note } = benchFaceSet();
  useFaceSet(set);
  heading('enhance');
  process.stdout.write(`  ${note}\n`);
  await installModels({ log: () => {} });
  await benchSpeed();
  await benchCalibration(set);
  await benchAccuracy(set);
}
