/**
 * Smoke check and figures for the candidate models (models/manifest.json `candidates`): each converted model runs
 * on a real face, printing its output shapes and CPU latency (median of 10 runs, 1 and 2 intra-op threads; the
 * detectors also at a full 1088×1920 frame, median of 5); for the embedders, cosine similarities on ORL faces
 * (two photos of one person, photos of two people, and over 20 people × 4 photos: mean same/different cosine and
 * verification AUC, next to the shipped dlib embedder on the same faces). The ORL part needs ../shared/data
 * (SIGHTLINE_TEST_DATA) and is skipped without it.
 *
 *   npx tsx bench/candidates.ts            (or node dist/bench/candidates.js after npm run build)
 *   … --frame-only                         (only the detectors on the 1088×1920 frame)
 *
 * Uses the converted files from `node dist/models/install.js --candidates` when present, else converts in memory.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { convertModel } from '../models/convert/index';
import { decodeFaceboxes, decodeMediapipe, faceboxesAnchors, MEDIAPIPE_LEVELS, mediapipeAnchors } from '../models/convert/detectorAnchors';
import { loadManifest, modelPath, type ModelEntry } from '../models/manifest';
import { packageDir } from '../models/paths';
import { sha256Hex } from '../platform/hashing';
import { alignFace, arcfaceTemplate, dlibTemplate } from '../workers/faces/align';
import { DETECTOR_SIZE, detectFaces, type DetectedFace } from '../workers/faces/detect';
import { cosineSimilarity, embedFaces, l2Normalize } from '../workers/faces/embed';
import { benchFaceSet, faceFile, type FaceSet } from '../testing/faces';
import { FACE_FRACTION_OF_PORTRAIT } from '../testing/faceClip';
import { createImage, readImage, resizeBilinear, warpAffine, type Image } from '../workers/image/image';
import { releaseAll } from '../workers/inference/session';

const RUNS = 10;
const FRAME_RUNS = 5;

function modelBytes(e: ModelEntry): { bytes: Uint8Array; from: string } {
  const file = modelPath(e);
  if (existsSync(file)) {
    const bytes = readFileSync(file);
    if (sha256Hex(bytes) === e.sha256) return { bytes, from: file };
  }
  return { bytes: convertModel(e), from: 'converted in memory' };
}

async function session(bytes: Uint8Array, threads: number): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
}

async function median(s: ort.InferenceSession, feeds: Record<string, ort.Tensor>, runs: number): Promise<number> {
  await s.run(feeds); // warm-up
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

/** RGB 0..255 NHWC of a whole photo or a region, resized (fill). */
async function photo(file: string, h: number, w: number, region?: { left: number; top: number; width: number; height: number }): Promise<Float32Array> {
  let p = sharp(file).removeAlpha();
  if (region) p = p.extract(region);
  const { data } = await p.resize(w, h, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return Float32Array.from(data);
}

/**
 * Images (0..1) as NHWC 0..255, RGB, or through `f(rgb 0..255, channel)` (which may reorder: it gets all three
 * channels of the pixel and returns output channel c).
 */
function tensorOf(images: readonly Image[], size: number, f: (rgb: readonly number[], c: number) => number = (rgb, c) => rgb[c]!): Float32Array {
  const out = new Float32Array(images.length * size * size * 3);
  images.forEach((img0, n) => {
    const img = img0.width === size && img0.height === size ? img0 : resizeBilinear(img0, size, size);
    for (let p = 0; p < size * size; p++) {
      const rgb = [0, 1, 2].map((c) => img.data[p * img.channels + (img.channels === 3 ? c : 0)]! * 255);
      for (let c = 0; c < 3; c++) out[(n * size * size + p) * 3 + c] = f(rgb, c);
    }
  });
  return out;
}

function shapes(out: ort.InferenceSession.OnnxValueMapType): string {
  return Object.entries(out).map(([k, v]) => `${k} [${v.dims.join('×')}]`).join(', ');
}

function auc(pos: number[], neg: number[]): number {
  const all = [...pos.map((v) => ({ v, p: 1 })), ...neg.map((v) => ({ v, p: 0 }))].sort((a, b) => a.v - b.v);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    for (let k = i; k < j; k++) if (all[k]!.p) rankSum += (i + 1 + j) / 2;
    i = j;
  }
  return (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

interface OrlFace {
  person: number;
  index: number;
  /** ×2 portrait on a 512 px mid-grey scene and the shipped detector's result on it. */
  scene: Image;
  det: DetectedFace;
}

async function orlFaces(set: FaceSet, people: number, perPerson: number): Promise<OrlFace[]> {
  const out: OrlFace[] = [];
  for (let p = 1; p <= people; p++) for (let i = 1; i <= perPerson; i++) {
    const face = await readImage(faceFile(p, i, set), 3);
    const w = face.width * 2, h = face.height * 2;
    const f = resizeBilinear(face, w, h);
    const scene = createImage(DETECTOR_SIZE, DETECTOR_SIZE, 3, 0.45);
    const x0 = Math.floor((DETECTOR_SIZE - w) / 2), y0 = Math.floor((DETECTOR_SIZE - h) / 2);
    for (let y = 0; y < h; y++) scene.data.set(f.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * DETECTOR_SIZE + x0) * 3);
    const det = (await detectFaces(scene, { minScore: 0.3 }))[0];
    if (det) out.push({ person: p, index: i, scene, det });
  }
  return out;
}

/** @vladmandic/human's crop for faceres: a square of 1.4× the detector box's larger side, centred on the box. */
function looseSquare(f: OrlFace, size: number): Image {
  const { x, y, w, h } = f.det.box;
  const side = 1.4 * Math.max(w, h);
  const s = side / size;
  return warpAffine(f.scene, [s, 0, x + w / 2 - side / 2 + 0.5 * s - 0.5, 0, s, y + h / 2 - side / 2 + 0.5 * s - 0.5], size, size);
}

interface Variant {
  label: string;
  id: string;
  size: number;
  output: string;
  crop: (f: OrlFace) => Image;
  pixel?: (rgb: readonly number[], c: number) => number;
}

/** HSE_FaceRec_tf's input: BGR, minus the ImageNet means (Keras 'caffe' preprocessing). */
const BGR_MEAN = [103.939, 116.779, 123.68];
const caffe = (rgb: readonly number[], c: number) => rgb[2 - c]! - BGR_MEAN[c]!;

async function main(): Promise<void> {
  const manifest = loadManifest();
  const candidates = manifest.candidates ?? [];
  const sample = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample1.jpg');
  const faceRegion = { left: 400, top: 320, width: 260, height: 260 };
  process.stdout.write(`Candidate models (${candidates.length}); latency = median of ${RUNS} runs after a warm-up, full frames median of ${FRAME_RUNS}\n`);

  const only = process.argv.includes('--frame-only');
  for (const e of only ? [] : candidates) {
    const { bytes, from } = modelBytes(e);
    const nominal = e.input.shape.map((d) => (typeof d === 'number' ? d : NaN));
    const src = e.source.kind === 'tfjs-graph' ? e.source : undefined;
    const [h, w] = e.role === 'face-detector' ? (src?.nominalSize ?? [256, 256]) : [nominal[1]!, nominal[2]!];
    const x = e.role === 'face-detector' ? await photo(sample, h, w) : await photo(sample, h, w, faceRegion);
    const feeds = { image: new ort.Tensor('float32', x, [1, h, w, 3]) };
    const s1 = await session(bytes, 1);
    const s2 = await session(bytes, 2);
    const out = await s2.run(feeds);
    const l1 = await median(s1, feeds, RUNS);
    const l2 = await median(s2, feeds, RUNS);
    process.stdout.write(`\n${e.id} (${from === 'converted in memory' ? from : path.basename(from)}, ${(bytes.length / 1e6).toFixed(1)} MB)\n`);
    process.stdout.write(`  ${h}×${w}: ${shapes(out)}\n  latency ${h}×${w}: ${l1.toFixed(1)} ms (1 thread), ${l2.toFixed(1)} ms (2 threads)\n`);
    if (e.role === 'face-detector') {
      process.stdout.write(`  faces in the sample photo at ${h}×${w}: ${countFaces(e, out, h, w)}\n`);
      const [fh, fw] = [1088, 1920];
      const big = await photo(sample, fh, fw);
      const bigFeeds = { image: new ort.Tensor('float32', big, [1, fh, fw, 3]) };
      const bigOut = await s2.run(bigFeeds);
      const b1 = await median(s1, bigFeeds, FRAME_RUNS);
      const b2 = await median(s2, bigFeeds, FRAME_RUNS);
      process.stdout.write(`  ${fh}×${fw}: ${shapes(bigOut)}; ${b1.toFixed(0)} ms (1 thread), ${b2.toFixed(0)} ms (2 threads); faces found: ${countFaces(e, bigOut, fh, fw)}\n`);
    }
    await s1.release();
    await s2.release();
  }

  const { set, note } = benchFaceSet();
  process.stdout.write(`\n${note}\n`);
  if (!only) await embedderStudy(set, candidates);
  await smallFaces(set, candidates);
}

async function embedderStudy(set: FaceSet, candidates: readonly ModelEntry[]): Promise<void> {
  process.stdout.write(`\nEmbedders on ${set.label}: portraits ×2 on a 512 px scene, found by the shipped detector\n`);
  const perPerson = Math.min(4, set.portraits);
  const faces = await orlFaces(set, set.people, perPerson);
  process.stdout.write(`  ${faces.length} faces of ${set.people} people × ${perPerson} photos detected\n`);
  const arc = (f: OrlFace) => alignFace(f.scene, f.det.landmarks5, 112, arcfaceTemplate(112)).crop;
  const variants: Variant[] = [
    { label: 'faceres, human crop, RGB 0..255 (as @vladmandic/human)', id: 'candidate-faceres', size: 224, output: 'descriptor', crop: (f) => looseSquare(f, 224) },
    { label: 'faceres, human crop, BGR minus ImageNet means (as HSE upstream)', id: 'candidate-faceres', size: 224, output: 'descriptor', crop: (f) => looseSquare(f, 224), pixel: caffe },
    { label: 'faceres-deep, human crop, RGB 0..255', id: 'candidate-faceres-deep', size: 224, output: 'descriptor', crop: (f) => looseSquare(f, 224) },
    { label: 'faceres-deep, human crop, BGR minus ImageNet means', id: 'candidate-faceres-deep', size: 224, output: 'descriptor', crop: (f) => looseSquare(f, 224), pixel: caffe },
    { label: 'mobilefacenet, ArcFace-aligned 112, (x−127.5)/128 in graph', id: 'candidate-mobilefacenet', size: 112, output: 'embedding', crop: arc },
    { label: 'mobilefacenet, ArcFace-aligned 112, 0..1 (as @vladmandic/human)', id: 'candidate-mobilefacenet', size: 112, output: 'embedding', crop: arc, pixel: (rgb, c) => (rgb[c]! / 255) * 128 + 127.5 },
    { label: 'mobileface, ArcFace-aligned 112', id: 'candidate-mobileface', size: 112, output: 'embedding', crop: arc },
  ];
  const s1a = faces.find((f) => f.person === 1 && f.index === 1), s1b = faces.find((f) => f.person === 1 && f.index === 2), s2a = faces.find((f) => f.person === 2 && f.index === 1);
  const report = (label: string, emb: Float32Array[]) => {
    const same: number[] = [], diff: number[] = [];
    for (let i = 0; i < faces.length; i++) for (let j = i + 1; j < faces.length; j++) (faces[i]!.person === faces[j]!.person ? same : diff).push(cosineSimilarity(emb[i]!, emb[j]!));
    const at = (f?: OrlFace) => (f ? faces.indexOf(f) : -1);
    const pair = (a?: OrlFace, b?: OrlFace) => (a && b ? cosineSimilarity(emb[at(a)]!, emb[at(b)]!).toFixed(3) : 'n/a');
    // centred: minus the mean embedding of these faces (exposes a constant component swamping the identity signal)
    const dim = emb[0]!.length;
    const mu = new Float32Array(dim);
    for (const v of emb) for (let k = 0; k < dim; k++) mu[k]! += v[k]! / emb.length;
    const cen = emb.map((v) => l2Normalize(v.map((x, k) => x - mu[k]!)));
    const cs: number[] = [], cd: number[] = [];
    for (let i = 0; i < faces.length; i++) for (let j = i + 1; j < faces.length; j++) (faces[i]!.person === faces[j]!.person ? cs : cd).push(cosineSimilarity(cen[i]!, cen[j]!));
    process.stdout.write(`  ${label}\n    s1/1 vs s1/2 (same person) ${pair(s1a, s1b)}, s1/1 vs s2/1 (different) ${pair(s1a, s2a)}; over ${same.length} same / ${diff.length} different pairs: mean ${mean(same).toFixed(3)} / ${mean(diff).toFixed(3)}, AUC ${auc(same, diff).toFixed(4)} (centred: AUC ${auc(cs, cd).toFixed(4)})\n`);
  };
  // baseline: the shipped dlib embedder on its own 150 px dlib chips
  report('face-embedder (shipped dlib ResNet, dlib chip 150)', await embedFaces(faces.map((f) => alignFace(f.scene, f.det.landmarks5, 150, dlibTemplate(150)).crop)));
  const sessions = new Map<string, ort.InferenceSession>();
  for (const v of variants) {
    const e = candidates.find((c) => c.id === v.id)!;
    if (!sessions.has(v.id)) sessions.set(v.id, await session(modelBytes(e).bytes, 2));
    const s = sessions.get(v.id)!;
    const emb: Float32Array[] = [];
    for (let k = 0; k < faces.length; k += 16) {
      const chunk = faces.slice(k, k + 16).map(v.crop);
      const out = await s.run({ image: new ort.Tensor('float32', tensorOf(chunk, v.size, v.pixel), [chunk.length, v.size, v.size, 3]) });
      const data = out[v.output]!.data as Float32Array;
      const dim = data.length / chunk.length;
      for (let i = 0; i < chunk.length; i++) emb.push(l2Normalize(data.slice(i * dim, (i + 1) * dim)));
    }
    report(v.label, emb);
  }
  for (const s of sessions.values()) await s.release();
  await releaseAll();
}

async function smallFaces(set: FaceSet, candidates: readonly ModelEntry[]): Promise<void> {
  const sizes = [20, 28, 40, 64, 96, 160] as const;
  process.stdout.write(`\nDetectors on a 1088×1920 frame with ORL faces ${sizes.join('/')} px wide (5 each, portrait = face / 0.7), score ≥ 0.5, one pass over the whole frame\n`);
  const { frame, faces: placed } = await smallFaceFrame(set, sizes);
  const feeds = { image: new ort.Tensor('float32', frame, [1, 1088, 1920, 3]) };
  for (const e of candidates.filter((c) => c.role === 'face-detector')) {
    const s = await session(modelBytes(e).bytes, 2);
    const boxes = detectBoxes(e, await s.run(feeds), 1088, 1920);
    await s.release();
    const hit = (r: number[]) => boxes.some((b) => { const cx = (b[0]! + b[2]!) / 2, cy = (b[1]! + b[3]!) / 2; return cx >= r[0]! && cx <= r[2]! && cy >= r[1]! && cy <= r[3]!; });
    const fp = boxes.filter((b) => { const cx = (b[0]! + b[2]!) / 2, cy = (b[1]! + b[3]!) / 2; return !placed.some(({ rect: r }) => cx >= r[0]! && cx <= r[2]! && cy >= r[1]! && cy <= r[3]!); }).length;
    const bySize = sizes.map((z) => `${z}px ${placed.filter((f) => f.size === z && hit(f.rect)).length}/5`).join(', ');
    process.stdout.write(`  ${e.id}: ${bySize}; ${fp} false positive(s)\n`);
    if (process.env.DEBUG_FRAME) process.stdout.write(`    missed: ${placed.filter((f) => !hit(f.rect)).map((f) => `${f.size}@${f.rect.join(',')}`).join(' ')}\n    boxes: ${boxes.map((b) => b.map((v) => v.toFixed(0)).join(',')).join(' ')}\n`);
  }
}

/** Face boxes [x0, y0, x1, y1] in input pixels: score ≥ minScore, then a greedy NMS (IoU 0.3). */
function detectBoxes(e: ModelEntry, out: ort.InferenceSession.OnnxValueMapType, h: number, w: number, minScore = 0.5): number[][] {
  if (e.id === 'candidate-faceboxes') {
    const scores = out.scores!.data as Float32Array;
    const { anchors, paddedHeight, paddedWidth } = faceboxesAnchors(h, w);
    const boxes = decodeFaceboxes(out.box_encodings!.data as Float32Array, anchors, h, w, paddedHeight, paddedWidth);
    return nms(Array.from({ length: anchors.length / 4 }, (_, a) => ({ s: scores[2 * a + 1]!, b: [boxes[4 * a + 1]! * w, boxes[4 * a]! * h, boxes[4 * a + 3]! * w, boxes[4 * a + 2]! * h] })), minScore);
  }
  let raw: Float32Array;
  let kind: keyof typeof MEDIAPIPE_LEVELS;
  if (e.id === 'candidate-blazeface-back') {
    kind = 'back';
    const rows = (sc: string, bx: string) => {
      const s = out[sc]!.data as Float32Array, b = out[bx]!.data as Float32Array;
      const r = new Float32Array(s.length * 17);
      for (let i = 0; i < s.length; i++) { r[i * 17] = s[i]!; r.set(b.subarray(i * 16, i * 16 + 16), i * 17 + 1); }
      return r;
    };
    const a = rows('scores_stride16', 'boxes_stride16'), b = rows('scores_stride32', 'boxes_stride32');
    raw = new Float32Array(a.length + b.length);
    raw.set(a);
    raw.set(b, a.length);
  } else {
    kind = e.id === 'candidate-mediapipe-full' ? 'full' : 'short';
    raw = out.detections!.data as Float32Array;
  }
  const dets = decodeMediapipe(raw, mediapipeAnchors(h, w, MEDIAPIPE_LEVELS[kind]), minScore);
  return nms(dets.map((d) => ({ s: d.score, b: [d.x, d.y, d.x + d.w, d.y + d.h] })), minScore);
}

function countFaces(e: ModelEntry, out: ort.InferenceSession.OnnxValueMapType, h: number, w: number): number {
  return detectBoxes(e, out, h, w).length;
}

function nms(c: Array<{ s: number; b: number[] }>, minScore: number): number[][] {
  const kept: number[][] = [];
  for (const { b } of c.filter((x) => x.s >= minScore).sort((p, q) => q.s - p.s)) {
    const iou = (a: number[]) => {
      const ix = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!)), iy = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
      const inter = ix * iy;
      return inter / ((a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter);
    };
    if (kept.every((k) => iou(k) < 0.3)) kept.push(b);
  }
  return kept;
}

/**
 * A 1088×1920 frame (grey, mild texture) with ORL portraits pasted at several face widths (portrait width =
 * face width / 0.7, the analysis tests' convention), 5 per size.
 */
async function smallFaceFrame(set: FaceSet, sizes: readonly number[]): Promise<{ frame: Float32Array; faces: Array<{ size: number; rect: number[] }> }> {
  const [H, W] = [1088, 1920];
  const frame = new Float32Array(H * W * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = 255 * (0.45 + 0.08 * Math.sin(x / 23) * Math.cos(y / 31) + 0.04 * Math.sin((x + 2 * y) / 7));
    frame.fill(v, (y * W + x) * 3, (y * W + x) * 3 + 3);
  }
  const faces: Array<{ size: number; rect: number[] }> = [];
  let person = 1;
  let [x0, y0, rowH] = [40, 40, 0];
  for (const size of sizes) {
    for (let k = 0; k < 5; k++) {
      const pw = Math.round(size / FACE_FRACTION_OF_PORTRAIT);
      const img = await readImage(faceFile(person, 3, set), 3);
      person = (person % set.people) + 1;
      const ph = Math.round((pw * img.height) / img.width);
      if (x0 + pw > W - 40) [x0, y0, rowH] = [40, y0 + rowH + 40, 0];
      if (y0 + ph > H - 20) throw new Error('small-face frame: faces do not fit');
      const p = resizeBilinear(img, pw, ph);
      for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) for (let c = 0; c < 3; c++) frame[((y0 + y) * W + x0 + x) * 3 + c] = p.data[(y * pw + x) * 3 + c]! * 255;
      faces.push({ size, rect: [x0, y0, x0 + pw, y0 + ph] });
      x0 += pw + Math.max(60, Math.round(pw / 2));
      rowH = Math.max(rowH, ph);
    }
  }
  return { frame, faces };
}

main().catch((err: unknown) => {
  process.stderr.write(`candidates bench failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
