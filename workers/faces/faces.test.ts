/**
 * Real-photo checks of the model pack on the ORL face database (Olivetti Research Laboratory, AT&T Cambridge):
 * detection rate on portraits placed in a larger scene, verification AUC over all pairs, and super-resolution
 * PSNR against bicubic. Skipped with a note when the data set is not beside the repository.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { createImage, readImage, resizeBilinear, type Image } from '../image/image';
import { releaseAll } from '../inference/session';
import { alignFace, dlibTemplate } from './align';
import { DETECTOR_SIZE, detectFaces, detectLandmarks, toLandmarks5, type Box, type DetectedFace } from './detect';
import { cosineSimilarity, embedFaces } from './embed';
import { superResolve } from './superResolve';
import { faceImages, FIXTURE_FACES } from '../../testing/faces';


/** Paste a portrait, scaled by `scale`, centred on a 512×512 mid-grey scene (what the detector sees unscaled). */
function placeOnScene(face: Image, scale: number): { scene: Image; rect: Box } {
  const w = Math.round(face.width * scale);
  const h = Math.round(face.height * scale);
  const f = resizeBilinear(face, w, h);
  const scene = createImage(DETECTOR_SIZE, DETECTOR_SIZE, 3, 0.45);
  const x0 = Math.floor((DETECTOR_SIZE - w) / 2);
  const y0 = Math.floor((DETECTOR_SIZE - h) / 2);
  for (let y = 0; y < h; y++) scene.data.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * DETECTOR_SIZE + x0) * 3);
  return { scene, rect: { x: x0, y: y0, w, h } };
}

function centreInside(b: Box, r: Box): boolean {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  return cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h;
}

function psnr(a: Image, b: Image): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += (a.data[i]! - b.data[i]!) ** 2;
  return 10 * Math.log10(1 / (s / a.data.length));
}

/** Area under the ROC curve by the rank statistic (ties count half). */
function auc(pos: number[], neg: number[]): number {
  const all = [...pos.map((v) => ({ v, p: 1 })), ...neg.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.p) rankSum += r;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

describe('model pack on real faces (ORL)', () => {
  const faces = new Map<string, Image>();
  /** Detections on each portrait's ×2 scene, shared by the detection and recognition tests. */
  const sceneDetections = new Map<string, DetectedFace[]>();
  async function detectOnScene(key: string): Promise<{ scene: Image; rect: Box; dets: DetectedFace[] }> {
    const { scene, rect } = placeOnScene(faces.get(key)!, 2);
    let dets = sceneDetections.get(key);
    if (!dets) {
      dets = await detectFaces(scene);
      sceneDetections.set(key, dets);
    }
    return { scene, rect, dets };
  }

  beforeAll(async () => {
    const res = await installModels({ log: () => {} });
    expect(res.filter((r) => r.status === 'failed')).toEqual([]);
    for (const o of faceImages(FIXTURE_FACES)) faces.set(`${o.person}/${o.index}`, await readImage(o.file, 3));
  }, 120_000);

  afterAll(async () => {
    await releaseAll();
  });

  it('detects the face in every portrait of the set', async () => {
    // 92×112 portraits enlarged ×2 (face ≈ 120 px wide) on a 512 px scene, like a person in a frame.
    let found = 0;
    const misses: string[] = [];
    for (const key of faces.keys()) {
      const { rect, dets } = await detectOnScene(key);
      if (dets.length > 0 && centreInside(dets[0]!.box, rect)) found++;
      else misses.push(key);
    }
    const rate = found / faces.size;
    console.log(`[faces] detection rate on ${faces.size} ORL portraits: ${(rate * 100).toFixed(1)}%${misses.length ? ` (missed ${misses.join(', ')})` : ''}`);
    expect(rate).toBeGreaterThanOrEqual(0.95);
  }, 120_000);

  it('reports detection rate against face size in detector pixels', async () => {
    const sample = faceImages(FIXTURE_FACES, 10, 2).map((o) => faces.get(`${o.person}/${o.index}`)!);
    const rows: string[] = [];
    const rates: Record<number, number> = {};
    // Portrait width 92 px; the face itself spans ~70% of it.
    for (const faceWidth of [16, 20, 24, 28, 32, 48, 64, 96, 128, 192]) {
      const scale = faceWidth / (92 * 0.7);
      let found = 0;
      let foundLow = 0;
      for (const face of sample) {
        const { scene, rect } = placeOnScene(face, scale);
        const dets = (await detectFaces(scene, { minScore: 0.3 })).filter((d) => centreInside(d.box, rect));
        if (dets.some((d) => d.score >= 0.5)) found++;
        if (dets.length > 0) foundLow++;
      }
      rates[faceWidth] = found / sample.length;
      rows.push(`${faceWidth}px: ${(rates[faceWidth]! * 100).toFixed(0)}% (${((foundLow / sample.length) * 100).toFixed(0)}% at score ≥ 0.3)`);
    }
    console.log(`[faces] detection rate (score ≥ 0.5) by face width in the 512 px detector input, ${sample.length} faces: ${rows.join(', ')}`);
    for (const w of [32, 48, 64, 96, 128]) expect(rates[w]!, `${w}px faces`).toBeGreaterThanOrEqual(0.9);
  }, 120_000);

  it('places the five landmarks where a face has them', async () => {
    const face = faces.get('1/1')!;
    const [lm] = await detectLandmarks(face, [{ x: 0, y: 0, w: face.width, h: face.height }]);
    const [le, re, nose, ml, mr] = toLandmarks5(lm!);
    expect(le[0]).toBeLessThan(re[0]);
    expect(ml[0]).toBeLessThan(mr[0]);
    expect(nose[1]).toBeGreaterThan(le[1]);
    expect(ml[1]).toBeGreaterThan(nose[1]);
  });

  it('scores same-person pairs above different-person pairs (all pairs)', async () => {
    const keys = [...faces.keys()];
    const crops: Image[] = [];
    let detected = 0;
    for (const key of keys) {
      const { scene, dets } = await detectOnScene(key);
      // The pipeline path: detector landmarks → alignment. The portrait box stands in when detection fails.
      const lm5 = dets[0]?.landmarks5 ?? toLandmarks5((await detectLandmarks(scene, [{ x: 164, y: 144, w: 184, h: 224 }]))[0]!);
      if (dets[0]) detected++;
      crops.push(alignFace(scene, lm5, 150, dlibTemplate(150)).crop);
    }
    const emb = await embedFaces(crops);
    const same: number[] = [];
    const diff: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      for (let j = i + 1; j < keys.length; j++) {
        const s = cosineSimilarity(emb[i]!, emb[j]!);
        (keys[i]!.split('/')[0] === keys[j]!.split('/')[0] ? same : diff).push(s);
      }
    }
    const a = auc(same, diff);
    // Verification accuracy at the best single threshold over all pairs (equal weight per pair).
    const all = [...same.map((v) => ({ v, p: true })), ...diff.map((v) => ({ v, p: false }))].sort((x, y) => x.v - y.v);
    let best = 0;
    let bestT = 0;
    let negBelow = 0;
    let posBelow = 0;
    for (let i = 0; i <= all.length; i++) {
      const correct = negBelow + (same.length - posBelow);
      if (correct > best) { best = correct; bestT = i < all.length ? all[i]!.v : 1; }
      if (i < all.length) { if (all[i]!.p) posBelow++; else negBelow++; }
    }
    const meanSame = same.reduce((s, v) => s + v, 0) / same.length;
    const meanDiff = diff.reduce((s, v) => s + v, 0) / diff.length;
    // Rank-1 identification: nearest other image is the same person.
    let rank1 = 0;
    for (let i = 0; i < keys.length; i++) {
      let bestJ = -1;
      let bestS = -2;
      for (let j = 0; j < keys.length; j++) {
        if (j === i) continue;
        const s = cosineSimilarity(emb[i]!, emb[j]!);
        if (s > bestS) { bestS = s; bestJ = j; }
      }
      if (keys[bestJ]!.split('/')[0] === keys[i]!.split('/')[0]) rank1++;
    }
    console.log(`[faces] recognizer on ${keys.length} ORL faces (${detected} via detector): ${same.length} same / ${diff.length} different pairs; ` +
      `AUC ${a.toFixed(4)}, best-threshold verification accuracy ${((best / all.length) * 100).toFixed(2)}% at cos ≥ ${bestT.toFixed(3)}, ` +
      `mean cos same ${meanSame.toFixed(3)} vs different ${meanDiff.toFixed(3)}, rank-1 ${((rank1 / keys.length) * 100).toFixed(1)}%`);
    expect(a).toBeGreaterThan(0.95);
    // dlib descriptors share one cone (cosines of strangers ≈ 0.85), so the margin is small in cosine but wide in rank.
    expect(meanSame - meanDiff).toBeGreaterThan(0.05);
  }, 180_000);

  it('super-resolves a 4× downscaled face better than bicubic', async () => {
    const sample = faceImages(FIXTURE_FACES, 10, 2);
    let srSum = 0;
    let bicSum = 0;
    let wins = 0;
    for (const o of sample) {
      // 92×112 → 23×28 → back to 92×112, all resampling by sharp's cubic kernel except the network's.
      const orig = await readImage(o.file, 1);
      const small = await sharp(o.file).greyscale().resize(23, 28, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
      const smallImg: Image = { width: 23, height: 28, channels: 1, data: Float32Array.from(small, (v) => v / 255) };
      const bic = await sharp(small, { raw: { width: 23, height: 28, channels: 1 } }).resize(92, 112, { kernel: 'cubic', fit: 'fill' }).greyscale().raw().toBuffer();
      const bicImg: Image = { width: 92, height: 112, channels: 1, data: Float32Array.from(bic, (v) => v / 255) };
      const sr = await superResolve(smallImg, 4);
      const pSr = psnr(sr, orig);
      const pBic = psnr(bicImg, orig);
      srSum += pSr;
      bicSum += pBic;
      if (pSr > pBic) wins++;
    }
    const n = sample.length;
    console.log(`[faces] ×4 super-resolution on ${n} ORL faces (23×28 → 92×112): PSNR ${(srSum / n).toFixed(2)} dB vs bicubic ${(bicSum / n).toFixed(2)} dB; SR better on ${wins}/${n}`);
    expect(srSum / n).toBeGreaterThan(bicSum / n + 0.5);
    expect(wins / n).toBeGreaterThanOrEqual(0.8);
  }, 120_000);
});
