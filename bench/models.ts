/**
 * Per-model CPU latency (median of ≥ 20 runs after a warm-up) at the input sizes the pipeline uses, with the
 * session settings workers use (intra-op threads from SIGHTLINE_INTRA_OP_THREADS, default 2), plus the
 * end-to-end wrappers. Printed only; nothing is asserted.
 */
import { installModels } from '../models/install';
import { createImage, type Image } from '../workers/image/image';
import { getInferenceConfig, loadModel, releaseAll, runModel } from '../workers/inference/session';
import { alignFace } from '../workers/faces/align';
import { detectFaces } from '../workers/faces/detect';
import { embedFaces } from '../workers/faces/embed';
import { superResolve } from '../workers/faces/superResolve';
import { heading, median, row, timeIt } from './util';

const RUNS = 20;

async function medianMs(fn: () => Promise<unknown>, runs = RUNS): Promise<number> {
  await fn(); // warm-up: first run pays for allocation and kernel selection
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timeIt(fn)).ms);
  return median(times);
}

/** Deterministic textured test pattern (latency does not depend on content for these networks). */
function pattern(w: number, h: number): Image {
  const img = createImage(w, h, 3);
  for (let i = 0; i < img.data.length; i++) img.data[i] = ((i * 2654435761) % 1000) / 1000;
  return img;
}

export async function benchModels(): Promise<void> {
  heading(`models (CPU, ${getInferenceConfig().intraOpThreads} intra-op threads, median of ${RUNS})`);
  const res = await installModels({ log: () => {} });
  const failed = res.filter((r) => r.status === 'failed');
  if (failed.length) {
    row('model install', 'FAILED', failed.map((f) => f.id).join(', '));
    return;
  }
  const load = async (id: string) => (await timeIt(() => loadModel(id))).ms;
  const raw: Array<[string, string, number[], number]> = [
    ['face-detector', 'SSD MobileNet V1', [1, 512, 512, 3], 255],
    ['face-landmarks', '68-pt landmarks, 1 face', [1, 112, 112, 3], 255],
    ['face-landmarks', '68-pt landmarks, batch 16', [16, 112, 112, 3], 255],
    ['face-embedder', 'dlib ResNet embedder, 1 face', [1, 150, 150, 3], 255],
    ['face-embedder', 'dlib ResNet embedder, batch 16', [16, 150, 150, 3], 255],
    ['identity-embedder', 'faceres identity embedder, 1 face', [1, 224, 224, 3], 255],
    ['identity-embedder', 'faceres identity embedder, batch 16', [16, 224, 224, 3], 255],
    ['super-resolution-x4', 'RRDN ×4, 32×32 face crop', [1, 32, 32, 3], 1],
    ['super-resolution-x2', 'RRDN ×2, 48×48 face crop', [1, 48, 48, 3], 1],
  ];
  for (const [id, label, dims, range] of raw) {
    const loadMs = await load(id);
    const n = dims.reduce((a, b) => a * b, 1);
    const x = new Float32Array(n).map((_, i) => ((i * 7919) % 256) * (range / 255));
    const ms = await medianMs(() => runModel(id, x, dims));
    const per = dims[0]! > 1 ? ` (${(ms / dims[0]!).toFixed(1)} ms/face)` : '';
    row(`${label} ${dims.slice(1).join('×')}`, `${ms.toFixed(1)} ms`, `${id}; session load ${loadMs.toFixed(0)} ms${per}`);
  }

  heading('face wrappers (pre/post-processing included)');
  const frame = pattern(1280, 720);
  row('detectFaces 1280×720 frame (no faces)', `${(await medianMs(() => detectFaces(frame))).toFixed(1)} ms`, 'letterbox + SSD + NMS');
  const lm5 = [[40, 50], [80, 50], [60, 75], [45, 95], [75, 95]] as const;
  const src = pattern(128, 128);
  row('alignFace → 150×150 chip', `${(await medianMs(async () => alignFace(src, lm5))).toFixed(2)} ms`);
  const chips = Array.from({ length: 16 }, () => alignFace(src, lm5).crop);
  row('embedFaces, 16 aligned chips', `${(await medianMs(() => embedFaces(chips))).toFixed(1)} ms`);
  const crop = pattern(40, 48);
  row('superResolve 40×48 crop ×4', `${(await medianMs(() => superResolve(crop, 4))).toFixed(1)} ms`);
  const big = pattern(200, 200);
  row('superResolve 200×200 ×2 (tiled)', `${(await medianMs(() => superResolve(big, 2), 5)).toFixed(1)} ms`, 'median of 5');
  await releaseAll();
}
