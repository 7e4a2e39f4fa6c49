/**
 * Face detectors side by side (issue 13, item 4): the shipped SSD pyramid against the one-pass candidates
 * (MediaPipe short range, full range, BlazeFace back, FaceBoxes) on
 *
 *  1. recall at 20, 24, 32 and 48 px on synthetic 1080p H.264 clips at CRF 28, 32 and 34 (ORL portraits of the
 *     shared development set, else the committed fixtures; testing/faceClip.ts), with false boxes and time per
 *     frame;
 *  2. precision and recall on the hand-labelled frames of the real clips (bench/labels, bench/realLabels.ts).
 *
 * Each detector sees the frame as the analysis decodes it (platform/ffmpeg decodeFrames). Candidates load from
 * models/onnx-candidates (`node dist/models/install.js --candidates`) or models/onnx once promoted; a detector
 * whose file is absent is skipped with a note. Printed, never asserted.
 *
 *   node dist/bench/detectors.js [--frames N] [--crf 28,32,34] [--only synthetic|real] [--detectors a,b]
 */
import { existsSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeFaceboxes, decodeMediapipe, faceboxesAnchors, MEDIAPIPE_LEVELS, mediapipeAnchors } from '../models/convert/detectorAnchors';
import { loadManifest, modelPath, type ModelEntry } from '../models/manifest';
import { decodeFrames } from '../platform/ffmpeg';
import { makeFaceClip, type MovingFace } from '../testing/faceClip';
import { benchFaceSet, faceFile, useFaceSet } from '../testing/faces';
import { tempDir } from '../testing/tmp';
import { PyramidDetector, suppress } from '../workers/analysis/detectPyramid';
import { fillTileTensor, planPyramid } from '../workers/analysis/pyramid';
import { DEFAULT_DETECTOR_OPTIONS, DEFAULT_PYRAMID, DETECTION_DEFAULTS } from '../domain/analysis';
import { FaceFinder } from '../workers/analysis/detect';
import { WHOLE_FRAME } from '../workers/analysis/gating';
import { faceProbability } from '../workers/analysis/faceCheck';
import { decodeWindow, sideMultiple, toSsdBox, weightedNms, type BlazeVariant } from '../workers/faces/blaze';
import { getInferenceConfig, releaseAll } from '../workers/inference/session';
import { readFrames, type FrameRgb } from './realLabelsDetect';
import { realVideoDir } from './realLabelsBaseline';
import { formatScore, loadLabels, scoreDetections, type Detection } from './realLabels';
import { heading, row } from './util';

export interface FoundFace {
  readonly box: { x: number; y: number; w: number; h: number };
  readonly score: number;
}

export interface BenchDetector {
  readonly name: string;
  detect(frame: FrameRgb, minScore: number): Promise<FoundFace[]>;
}

async function candidateSession(id: string): Promise<ort.InferenceSession | null> {
  const m = loadManifest(true);
  const entry: ModelEntry | undefined = [...m.models, ...(m.candidates ?? [])].find((e) => e.id === id || e.id === `candidate-${id}`);
  if (!entry) return null;
  const file = modelPath(entry);
  if (!existsSync(file)) return null;
  return ort.InferenceSession.create(file, { intraOpNumThreads: getInferenceConfig().intraOpThreads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** A one-pass MediaPipe detector over the whole frame at `scale` (frame resampled, padded to the side multiple). */
async function blazeDetector(variant: BlazeVariant, scale: number): Promise<BenchDetector | null> {
  const s = await candidateSession(variant === 'short' ? 'mediapipe-short' : 'mediapipe-full');
  if (!s) return null;
  return {
    name: `mediapipe-${variant}${scale !== 1 ? ` ×${scale}` : ''}`,
    async detect(f, minScore) {
      const m = sideMultiple(variant);
      const outW = Math.round(f.width * scale);
      const outH = Math.round(f.height * scale);
      const W = Math.ceil(outW / m) * m;
      const H = Math.ceil(outH / m) * m;
      const data = new Float32Array(W * H * 3);
      fillTileTensor(f.data, f.width, f.height, { x0: 0, y0: 0, w: f.width, h: f.height, scale, outW, outH }, data, 0, W, H);
      const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', data, [1, H, W, 3]) });
      const raw = out[s.outputNames[0]!]!.data as Float32Array;
      return decodeWindow(variant, raw, H, W, { x0: 0, y0: 0, scale, outW, outH }, minScore).map((d) => ({ box: d.box, score: d.score }));
    },
  };
}

/** BlazeFace back-camera model: four outputs (scores and boxes per level), regrouped into MediaPipe's 17 columns. */
async function backDetector(): Promise<BenchDetector | null> {
  const s = await candidateSession('face-detector-blazeface');
  if (!s) return null;
  return {
    name: 'blazeface-back',
    async detect(f, minScore) {
      const W = Math.ceil(f.width / 32) * 32;
      const H = Math.ceil(f.height / 32) * 32;
      const data = new Float32Array(W * H * 3);
      fillTileTensor(f.data, f.width, f.height, { x0: 0, y0: 0, w: f.width, h: f.height, scale: 1, outW: f.width, outH: f.height }, data, 0, W, H);
      const out = await s.run({ image: new ort.Tensor('float32', data, [1, H, W, 3]) });
      const parts: Array<[Float32Array, Float32Array]> = [
        [out.scores_stride16!.data as Float32Array, out.boxes_stride16!.data as Float32Array],
        [out.scores_stride32!.data as Float32Array, out.boxes_stride32!.data as Float32Array],
      ];
      const n = parts.reduce((a, [sc]) => a + sc.length, 0);
      const raw = new Float32Array(n * 17);
      let k = 0;
      for (const [sc, bx] of parts) {
        for (let i = 0; i < sc.length; i++, k++) {
          raw[k * 17] = sc[i]!;
          raw.set(bx.subarray(i * 16, i * 16 + 16), k * 17 + 1);
        }
      }
      const dets = decodeMediapipe(raw, mediapipeAnchors(H, W, MEDIAPIPE_LEVELS.back), minScore).filter((d) => d.x + d.w / 2 < f.width && d.y + d.h / 2 < f.height);
      return weightedNms(dets, 0.3).map((d) => ({ box: toSsdBox(d), score: d.score }));
    },
  };
}

/** The SSD on the pyramid's ×1.6 windows only (faces of ~12–40 px), for a union with a one-pass detector. */
function ssdSmallDetector(maxWidth: number): BenchDetector {
  return {
    name: `ssd ×1.6 windows (≤ ${maxWidth} px)`,
    async detect(f, minScore) {
      const plan = planPyramid(f.width, f.height, [{ scale: 1.6, overlap: 56 }]);
      const det = new PyramidDetector(plan, { ...DEFAULT_DETECTOR_OPTIONS, minScore, reuse: { enabled: false, threshold: 0 } });
      return (await det.detect(f.data, f.index)).filter((c) => c.box.w <= maxWidth).map((c) => ({ box: c.box, score: c.score }));
    },
  };
}

/** Union of two detectors' boxes, one NMS (IoU 0.3, containment 0.6) over both. */
function union(a: BenchDetector, b: BenchDetector): BenchDetector {
  return {
    name: `${a.name} + ${b.name}`,
    async detect(f, minScore) {
      return suppress([...(await a.detect(f, minScore)), ...(await b.detect(f, minScore))], 0.3, 0.6);
    },
  };
}

/** FaceBoxes on the frame enlarged ×scale (it needs faces ≥ ~64 px in its input). */
async function faceboxesDetector(scale: number): Promise<BenchDetector | null> {
  const s = await candidateSession('faceboxes');
  if (!s) return null;
  return {
    name: `faceboxes ×${scale}`,
    async detect(f, minScore) {
      const W = Math.round(f.width * scale);
      const H = Math.round(f.height * scale);
      const data = new Float32Array(W * H * 3);
      fillTileTensor(f.data, f.width, f.height, { x0: 0, y0: 0, w: f.width, h: f.height, scale, outW: W, outH: H }, data, 0, W, H);
      for (let i = 0; i < data.length; i++) data[i] = Math.round(data[i]!);
      const out = await s.run({ image: new ort.Tensor('float32', data, [1, H, W, 3]) });
      const { anchors, paddedHeight, paddedWidth } = faceboxesAnchors(H, W);
      const boxes = decodeFaceboxes(out.box_encodings!.data as Float32Array, anchors, H, W, paddedHeight, paddedWidth);
      const scores = out.scores!.data as Float32Array;
      const c: FoundFace[] = [];
      for (let a = 0; a < anchors.length / 4; a++) {
        const sc = scores[a * 2 + 1]!;
        if (sc < minScore) continue;
        const y0 = (boxes[a * 4]! * H) / scale;
        const x0 = (boxes[a * 4 + 1]! * W) / scale;
        const y1 = (boxes[a * 4 + 2]! * H) / scale;
        const x1 = (boxes[a * 4 + 3]! * W) / scale;
        if (x1 - x0 > 1 && y1 - y0 > 1) c.push({ box: { x: x0, y: y0, w: x1 - x0, h: y1 - y0 }, score: sc });
      }
      return suppress(c, 0.3);
    },
  };
}

/**
 * What the analysis keeps on a frame it searches whole: BlazeFace + the SSD small-face cells (detect.ts), then the
 * face check (faceCheck.ts: the other detector's second opinion, the calibrated face probability ≥ minScore).
 */
function analysisDetector(): BenchDetector {
  return {
    name: `analysis (one pass + small faces + face check ≥ ${DETECTION_DEFAULTS.minScore})`,
    async detect(f) {
      const finder = new FaceFinder(f.width, f.height, DETECTION_DEFAULTS);
      const cands = await finder.find(f.data, WHOLE_FRAME);
      const second = await finder.secondOpinion(f.data, cands);
      return cands
        .map((c, i) => ({ box: c.box, score: faceProbability({ source: c.source, score: c.score, second: second[i]!, residual: 0 }) }))
        .filter((c) => c.score >= DETECTION_DEFAULTS.minScore);
    },
  };
}

function pyramidDetector(): BenchDetector {
  return {
    name: 'ssd pyramid (shipped)',
    async detect(f, minScore) {
      const plan = planPyramid(f.width, f.height, DEFAULT_PYRAMID);
      const det = new PyramidDetector(plan, { ...DEFAULT_DETECTOR_OPTIONS, minScore, reuse: { enabled: false, threshold: 0 } });
      return (await det.detect(f.data, f.index)).map((c) => ({ box: c.box, score: c.score }));
    },
  };
}

export async function allDetectors(only?: readonly string[]): Promise<{ detectors: BenchDetector[]; missing: string[] }> {
  const makers: Array<[string, () => Promise<BenchDetector | null> | BenchDetector]> = [
    ['pyramid', () => pyramidDetector()],
    ['analysis', () => analysisDetector()],
    ['short', () => blazeDetector('short', 1)],
    ['full', () => blazeDetector('full', 1)],
    ['short2', () => blazeDetector('short', 2)],
    ['full2', () => blazeDetector('full', 2)],
    ['back', () => backDetector()],
    ['back+ssd16', async () => {
      const b = await backDetector();
      return b ? union(b, ssdSmallDetector(28)) : null;
    }],
    ['short+ssd16', async () => {
      const b = await blazeDetector('short', 1);
      return b ? union(b, ssdSmallDetector(28)) : null;
    }],
    ['faceboxes2', () => faceboxesDetector(2)],
  ];
  const detectors: BenchDetector[] = [];
  const missing: string[] = [];
  for (const [key, make] of makers) {
    if (only && !only.includes(key)) continue;
    const d = await make();
    if (d) detectors.push(d);
    else missing.push(key);
  }
  return { detectors, missing };
}

const SIZES = [20, 24, 32, 48] as const;

/** A 1080p clip with 4 faces of each size moving slowly over a static scene; truth per frame. */
async function syntheticClip(dir: string, crf: number, frames: number, seed: number): Promise<{ file: string; truth: Array<Array<{ x: number; y: number; w: number; h: number } | null>>; sizes: number[] }> {
  const faces: MovingFace[] = [];
  const sizes: number[] = [];
  let k = 0;
  for (let row = 0; row < 4; row++) {
    for (let col = 0; col < 4; col++) {
      const size = SIZES[(row + col) % 4]!;
      // People 1–16 of the set, portrait chosen by the CRF so each clip shows other photos.
      const person = (k % 16) + 1;
      const portrait = ((seed + k) % 5) + 1;
      faces.push({ portrait: faceFile(person, portrait), faceWidth: size, start: [90 + col * 460 + 17 * row, 70 + row * 250 + 11 * col], velocity: [1.5 - (k % 3), 0.5 * ((k % 2) * 2 - 1)] });
      sizes.push(size);
      k++;
    }
  }
  const file = path.join(dir, `synthetic-crf${crf}.mp4`);
  const clip = await makeFaceClip({ out: file, frames, faces, crf, seed });
  return { file, truth: clip.truth as Array<Array<{ x: number; y: number; w: number; h: number } | null>>, sizes };
}

/** A detection matches a face when its centre lies in the portrait and its width is within ×0.5–×1.6 of the face. */
function matches(b: FoundFace['box'], rect: { x: number; y: number; w: number; h: number }, faceWidth: number): boolean {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  return cx >= rect.x && cx <= rect.x + rect.w && cy >= rect.y && cy <= rect.y + rect.h && b.w >= 0.5 * faceWidth && b.w <= 1.6 * faceWidth;
}

export async function benchDetectors(args: readonly string[] = []): Promise<void> {
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const frames = Number(opt('--frames') ?? 6);
  const crfs = (opt('--crf') ?? '28,32,34').split(',').map(Number);
  const part = opt('--only');
  const minScore = Number(opt('--min-score') ?? 0.4);
  const { detectors, missing } = await allDetectors(opt('--detectors')?.split(','));
  const { set, note } = benchFaceSet();
  useFaceSet(set);
  if (missing.length) process.stdout.write(`  (not installed, skipped: ${missing.join(', ')} — node dist/models/install.js --candidates)\n`);
  const tmp = tempDir('bench-detectors');
  try {
    if (part !== 'real') {
      heading(`Detectors: recall by face width on 1920×1080 H.264 (CRF ${crfs.join('/')}, ${frames} frames each, 4 faces per size, score ≥ ${minScore}); ${note}`);
      const found = new Map<string, Map<string, [number, number]>>();
      const fps = new Map<string, number>();
      const ms = new Map<string, number[]>();
      for (const crf of crfs) {
        const clip = await syntheticClip(tmp.dir, crf, frames, crf);
        const decoded: FrameRgb[] = [];
        await decodeFrames(clip.file, { width: 1920, height: 1080 }, { onFrame: (f) => void decoded.push({ index: f.index, width: f.width, height: f.height, data: f.data }) });
        for (const d of detectors) {
          const per = found.get(d.name) ?? new Map<string, [number, number]>();
          found.set(d.name, per);
          for (const f of decoded) {
            const t0 = performance.now();
            const boxes = await d.detect(f, minScore);
            (ms.get(d.name) ?? ms.set(d.name, []).get(d.name)!).push(performance.now() - t0);
            const used = new Set<number>();
            clip.truth[f.index]!.forEach((rect, k) => {
              if (!rect) return;
              const size = clip.sizes[k]!;
              const key = `${crf}:${size}`;
              const cell = per.get(key) ?? [0, 0];
              cell[1]++;
              const i = boxes.findIndex((b, j) => !used.has(j) && matches(b.box, rect, size));
              if (i >= 0) {
                used.add(i);
                cell[0]++;
              }
              per.set(key, cell);
            });
            fps.set(d.name, (fps.get(d.name) ?? 0) + boxes.length - used.size);
          }
        }
      }
      for (const d of detectors) {
        const per = found.get(d.name)!;
        const cells = crfs.map((crf) => `CRF ${crf}: ${SIZES.map((s) => {
          const [a, b] = per.get(`${crf}:${s}`) ?? [0, 0];
          return `${s}px ${b ? Math.round((100 * a) / b) : 0}%`;
        }).join(' ')}`);
        const t = [...ms.get(d.name)!].sort((a, b) => a - b);
        row(d.name, `${t[t.length >> 1]!.toFixed(0)} ms/frame`, `${cells.join(' · ')}; ${fps.get(d.name)} false box(es)`);
      }
    }
    if (part !== 'synthetic') {
      heading(`Detectors on the hand-labelled frames of the real clips (score ≥ ${minScore}, IoU ≥ 0.4; in brackets IoU ≥ 0.3)`);
      if (!fs.existsSync(realVideoDir())) {
        process.stdout.write(`  skipped: ${realVideoDir()} is absent\n`);
        return;
      }
      const labels = loadLabels();
      const frames: Array<{ clip: string; f: FrameRgb }> = [];
      for (const clip of labels.clips) {
        for (const f of await readFrames(path.join(realVideoDir(), clip.file), clip.frames.map((x) => x.index))) frames.push({ clip: clip.file, f });
      }
      for (const d of detectors) {
        const dets: Detection[] = [];
        const t: number[] = [];
        for (const { clip, f } of frames) {
          const t0 = performance.now();
          for (const b of await d.detect(f, minScore)) dets.push({ clip, frame: f.index, box: [b.box.x, b.box.y, b.box.w, b.box.h], score: b.score });
          t.push(performance.now() - t0);
        }
        // The analysis' scores are face probabilities with their own threshold (already applied): count all it keeps.
        const floor = d.name.startsWith('analysis') ? 0 : minScore;
        const s = scoreDetections(labels, dets, { iou: 0.4, minScore: floor });
        const s3 = scoreDetections(labels, dets, { iou: 0.3, minScore: floor });
        const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
        t.sort((a, b) => a - b);
        row(d.name, `P ${pct(s.total.precision)} R ${pct(s.total.recall)}`, `[P ${pct(s3.total.precision)} R ${pct(s3.total.recall)}] TP ${s.total.tp} FP ${s.total.fp} (${s.total.fpOnFace} on a face) FN ${s.total.fn}; <20 px R ${pct(s.bands['<20'].recall)}, 20–40 R ${pct(s.bands['20-40'].recall)}, >40 R ${pct(s.bands['>40'].recall)}; ${t[t.length >> 1]!.toFixed(0)} ms/frame`);
        if (args.includes('--verbose')) process.stdout.write(`${formatScore(s)}\n`);
      }
    }
  } finally {
    await releaseAll();
    tmp.cleanup();
  }
}

if (require.main === module) {
  benchDetectors(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
