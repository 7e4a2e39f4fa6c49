/**
 * Calibration of the tracker's appearance gates (issue 13, items 1 and 2) on LFW's development half
 * (../shared/data/lfw-dev; never committed, never shown), with the analysis' own pipeline: each photo's face is
 * found at full resolution by the SSD, the photo is scaled so that face is W px wide (W = 16, 20, 24, 32, 48,
 * 64), pasted into 1080p mosaic frames, every mosaic frame shown twice (the second time shifted by a fraction
 * of a pixel with fresh sensor noise, as the next frame of a still camera would), encoded as H.264 (CRF 30,
 * libx264 veryfast, the middle of the CRF 28–34 range) and decoded; then, as in `analyze`, the 68-point
 * landmarks on the (scaled) detector box, the dlib 5-point alignment and the 128-d dlib embedding.
 *
 * Three kinds of pairs per face width, cosine of the L2-normalised embeddings:
 *   - `next frame`: the same photo in two consecutive frames — what an IoU/motion association compares;
 *   - `same person`: two different photos of one person (other day, pose, light) — a re-join after a gap, or
 *     the same person after a cut;
 *   - `different`: photos of two different people — a false association.
 * Printed per width: the distributions' percentiles and, for each gate, the threshold and its error rates:
 *   - track gate (every motion association): as strict as it can be without splitting more than 1 % of next-frame
 *     pairs (the 1 % quantile of `next frame`), and no stricter than rejecting 95 % of different people (real
 *     frames of one face differ more than these re-rendered photos do — expression, head turns, blur — so a gate far
 *     above the different-person range would split real tracks for nothing): min(1 % next-frame quantile, the
 *     cosine that 5 % of different-person pairs reach). The tracker compares a detection with the track's mean
 *     embedding, steadier than one frame, so a real track splits less often than 1 %;
 *   - re-join gate (> 1 s unseen, appearance within a widening spatial gate): different-person acceptance ≤ 1 %;
 *   - cut gate (re-association across a shot cut, appearance only): different-person acceptance ≤ 0.1 %.
 * `--json FILE` writes the table that domain/trackIdentity.ts holds.
 *
 *   node dist/bench/calibrateTracking.js [--people N] [--widths 16,20,24,32,48,64] [--crf 30] [--json FILE]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { decodeFrames, runFfmpeg } from '../platform/ffmpeg';
import { repoRoot } from '../models/paths';
import { tempDir } from '../testing/tmp';
import { createRng } from '../domain/random';
import { alignFace } from '../workers/faces/align';
import { detectFaces, detectLandmarks, toLandmarks5 } from '../workers/faces/detect';
import { embedFaces } from '../workers/faces/embed';
import type { Point } from '../workers/image/geometry';
import { createImage, type Image } from '../workers/image/image';
import { releaseAll } from '../workers/inference/session';
import { heading, row } from './util';

export function lfwDir(): string {
  return process.env.SIGHTLINE_LFW_DEV ?? path.resolve(repoRoot(), '..', 'shared', 'data', 'lfw-dev');
}

interface Photo {
  readonly person: string;
  readonly file: string;
  /** Face box at full resolution (SSD), in photo pixels. */
  readonly box: { x: number; y: number; w: number; h: number };
  readonly rgb: Buffer;
  readonly width: number;
  readonly height: number;
}

/** People (sorted by name, every other one after the first `skip`) with two photos each, face found by the SSD. */
async function loadPhotos(people: number): Promise<Photo[]> {
  const dir = lfwDir();
  const names = fs.readdirSync(dir).filter((n) => fs.statSync(path.join(dir, n)).isDirectory()).sort();
  const out: Photo[] = [];
  for (const name of names) {
    if (out.length >= people * 2) break;
    const files = fs.readdirSync(path.join(dir, name)).filter((f) => f.endsWith('.jpg')).sort().slice(0, 2);
    if (files.length < 2) continue;
    const both: Photo[] = [];
    for (const f of files) {
      const file = path.join(dir, name, f);
      const { data, info } = await sharp(file).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      // Pad into a 600 px canvas: the SSD letterboxes to 512 px and degrades on faces wider than ~190 px there.
      const P = 600;
      const canvas = createImage(P, P, 3, 0.5);
      const ox = Math.floor((P - info.width) / 2);
      const oy = Math.floor((P - info.height) / 2);
      for (let y = 0; y < info.height; y++) for (let x = 0; x < info.width; x++) for (let c = 0; c < 3; c++) canvas.data[((oy + y) * P + ox + x) * 3 + c] = data[(y * info.width + x) * 3 + c]! / 255;
      const faces = await detectFaces(canvas, { minScore: 0.5 });
      // The central face (LFW centres the named person).
      const centre = faces
        .map((d) => ({ d, dist: Math.hypot(d.box.x + d.box.w / 2 - P / 2, d.box.y + d.box.h / 2 - P / 2) }))
        .sort((a, b) => a.dist - b.dist)[0];
      if (!centre || centre.dist > 40) break;
      const b = centre.d.box;
      both.push({ person: name, file, box: { x: b.x - ox, y: b.y - oy, w: b.w, h: b.h }, rgb: data, width: info.width, height: info.height });
    }
    if (both.length === 2) out.push(...both);
  }
  return out;
}

interface Placed {
  readonly photo: number;
  /** Face box in frame pixels (frame 2k and 2k+1 differ by the sub-pixel jitter). */
  readonly boxes: [Box, Box];
  readonly frame: number;
}
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Mosaic frames (each twice, the second jittered) with every photo scaled to face width `fw`; H.264 round trip. */
async function degrade(photos: readonly Photo[], fw: number, crf: number, dir: string, seed: number): Promise<{ frames: Buffer[]; placed: Placed[]; W: number; H: number }> {
  const W = 1920;
  const H = 1080;
  const rng = createRng(seed);
  const scaled = await Promise.all(
    photos.map(async (p) => {
      const s = fw / p.box.w;
      const w = Math.max(8, Math.round(p.width * s));
      const h = Math.max(8, Math.round(p.height * s));
      const buf = await sharp(p.rgb, { raw: { width: p.width, height: p.height, channels: 3 } }).resize(w, h, { kernel: 'lanczos3', fit: 'fill' }).raw().toBuffer();
      return { w, h, buf, sx: w / p.width, sy: h / p.height };
    }),
  );
  const tile = Math.max(...scaled.map((s) => Math.max(s.w, s.h))) + 4;
  const cols = Math.floor(W / tile);
  const rows = Math.floor(H / tile);
  const per = cols * rows;
  const placed: Placed[] = [];
  const frames: Buffer[] = [];
  const files: string[] = [];
  for (let start = 0, m = 0; start < photos.length; start += per, m++) {
    const base = Buffer.alloc(W * H * 3, 118);
    const chunk = scaled.slice(start, start + per);
    const jx = rng.uniform(0.3, 0.7);
    const jy = rng.uniform(0.3, 0.7);
    const pair: Buffer[] = [Buffer.from(base), Buffer.from(base)];
    chunk.forEach((s, k) => {
      const x0 = (k % cols) * tile + 2;
      const y0 = Math.floor(k / cols) * tile + 2;
      const p = photos[start + k]!;
      for (let f = 0; f < 2; f++) {
        const dx = f ? jx : 0;
        const dy = f ? jy : 0;
        const out = pair[f]!;
        // Bilinear sub-pixel shift of the scaled photo into the frame.
        for (let y = 0; y < s.h; y++) {
          for (let x = 0; x < s.w; x++) {
            const u = x - dx;
            const v = y - dy;
            const u0 = Math.max(0, Math.min(s.w - 1, Math.floor(u)));
            const v0 = Math.max(0, Math.min(s.h - 1, Math.floor(v)));
            const u1 = Math.min(s.w - 1, u0 + 1);
            const v1 = Math.min(s.h - 1, v0 + 1);
            const fu = Math.max(0, Math.min(1, u - u0));
            const fv = Math.max(0, Math.min(1, v - v0));
            for (let c = 0; c < 3; c++) {
              const a = s.buf[(v0 * s.w + u0) * 3 + c]! * (1 - fu) + s.buf[(v0 * s.w + u1) * 3 + c]! * fu;
              const b = s.buf[(v1 * s.w + u0) * 3 + c]! * (1 - fu) + s.buf[(v1 * s.w + u1) * 3 + c]! * fu;
              out[((y0 + y) * W + x0 + x) * 3 + c] = Math.round(a * (1 - fv) + b * fv);
            }
          }
        }
      }
      const box = (f: number): Box => ({ x: x0 + p.box.x * s.sx + (f ? jx : 0), y: y0 + p.box.y * s.sy + (f ? jy : 0), w: p.box.w * s.sx, h: p.box.h * s.sy });
      placed.push({ photo: start + k, boxes: [box(0), box(1)], frame: 2 * m });
    });
    for (const buf of pair) {
      for (let i = 0; i < buf.length; i += 3) {
        const n = rng.normal() * 2;
        for (let c = 0; c < 3; c++) buf[i + c] = Math.max(0, Math.min(255, Math.round(buf[i + c]! + n)));
      }
      const f = path.join(dir, `m${String(files.length).padStart(4, '0')}.png`);
      await sharp(buf, { raw: { width: W, height: H, channels: 3 } }).png({ compressionLevel: 1 }).toFile(f);
      files.push(f);
    }
  }
  const clip = path.join(dir, `w${fw}.mp4`);
  await runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-framerate', '25', '-i', path.join(dir, 'm%04d.png'), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(crf), '-pix_fmt', 'yuv420p', clip]);
  for (const f of files) fs.rmSync(f);
  await decodeFrames(clip, { width: W, height: H }, { onFrame: (f) => void frames.push(f.data) });
  return { frames, placed, W, H };
}

/** The analysis' own path on one face: landmarks on the box region, dlib alignment, embedding. */
async function embedPlaced(frame: Buffer, W: number, H: number, boxes: readonly Box[]): Promise<Float32Array[]> {
  const crops: Image[] = [];
  for (const box of boxes) {
    const side = Math.max(box.w, box.h) * 2.2;
    const cx = box.x + box.w / 2;
    const cy = box.y + box.h / 2;
    const x0 = Math.max(0, Math.floor(cx - side / 2));
    const y0 = Math.max(0, Math.floor(cy - side / 2));
    const x1 = Math.min(W, Math.ceil(cx + side / 2));
    const y1 = Math.min(H, Math.ceil(cy + side / 2));
    const img = createImage(x1 - x0, y1 - y0, 3);
    for (let y = 0; y < img.height; y++) for (let i = 0; i < img.width * 3; i++) img.data[y * img.width * 3 + i] = frame[((y0 + y) * W + x0) * 3 + i]! / 255;
    const [pts] = await detectLandmarks(img, [{ x: box.x - x0, y: box.y - y0, w: box.w, h: box.h }]);
    const lm5 = toLandmarks5(pts!).map(([x, y]) => [x, y] as Point);
    crops.push(alignFace(img, lm5 as unknown as Parameters<typeof alignFace>[1], 150).crop);
  }
  return embedFaces(crops);
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))]!;
}

/** Smallest threshold t with acceptance (share ≥ t) of `neg` at most `rate`. */
function thresholdAtRate(negSorted: readonly number[], rate: number): number {
  const k = Math.ceil(negSorted.length * (1 - rate));
  return k >= negSorted.length ? negSorted[negSorted.length - 1]! + 1e-4 : negSorted[k]!;
}

const share = (xs: readonly number[], pred: (x: number) => boolean): number => xs.filter(pred).length / Math.max(1, xs.length);

export interface BandCalibration {
  readonly width: number;
  readonly faces: number;
  readonly nextFrame: { readonly p01: number; readonly p05: number; readonly median: number };
  readonly samePerson: { readonly p05: number; readonly median: number };
  readonly different: { readonly median: number; readonly p99: number; readonly p999: number; readonly max: number; readonly pairs: number };
  readonly track: { readonly threshold: number; readonly falseSplit: number; readonly falseAccept: number };
  readonly rejoin: { readonly threshold: number; readonly falseAccept: number; readonly sameAccept: number };
  readonly cut: { readonly threshold: number; readonly falseAccept: number; readonly sameAccept: number };
}

export async function calibrateTracking(args: readonly string[] = []): Promise<BandCalibration[]> {
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const people = Number(opt('--people') ?? 300);
  const widths = (opt('--widths') ?? '16,20,24,32,48,64').split(',').map(Number);
  const crf = Number(opt('--crf') ?? 30);
  heading(`Tracker appearance gates on LFW dev (${lfwDir()}): ${people} people × 2 photos, faces ${widths.join('/')} px, 1080p mosaics, H.264 CRF ${crf}, dlib embeddings`);
  if (!fs.existsSync(lfwDir())) {
    process.stdout.write(`  skipped: ${lfwDir()} is absent (SIGHTLINE_LFW_DEV)\n`);
    return [];
  }
  const tmp = tempDir('calibrate-tracking');
  const out: BandCalibration[] = [];
  const rawPairs: Record<number, { next: number[]; same: number[]; different: number[] }> = {};
  try {
    const photos = await loadPhotos(people);
    process.stdout.write(`  ${photos.length / 2} people with both faces found by the SSD at full resolution\n`);
    for (const fw of widths) {
      const { frames, placed, W, H } = await degrade(photos, fw, crf, tmp.dir, fw);
      const emb: Array<[Float32Array, Float32Array]> = new Array(photos.length);
      const byFrame = new Map<number, Placed[]>();
      for (const p of placed) (byFrame.get(p.frame) ?? byFrame.set(p.frame, []).get(p.frame)!).push(p);
      for (const [f, list] of byFrame) {
        const a = await embedPlaced(frames[f]!, W, H, list.map((p) => p.boxes[0]));
        const b = await embedPlaced(frames[f + 1]!, W, H, list.map((p) => p.boxes[1]));
        list.forEach((p, i) => (emb[p.photo] = [a[i]!, b[i]!]));
      }
      const next: number[] = [];
      const same: number[] = [];
      const diff: number[] = [];
      for (let i = 0; i < photos.length; i++) {
        next.push(dot(emb[i]![0], emb[i]![1]));
        if (i % 2 === 0) same.push(dot(emb[i]![0], emb[i + 1]![0]), dot(emb[i]![1], emb[i + 1]![1]));
        for (let j = i + 1; j < photos.length; j++) if (photos[j]!.person !== photos[i]!.person) diff.push(dot(emb[i]![0], emb[j]![1]));
      }
      next.sort((a, b) => a - b);
      same.sort((a, b) => a - b);
      diff.sort((a, b) => a - b);
      rawPairs[fw] = { next, same, different: diff.filter((_, i) => i % 10 === 0) };
      const track = Math.min(quantile(next, 0.01), thresholdAtRate(diff, 0.05));
      const rejoin = thresholdAtRate(diff, 0.01);
      const cut = thresholdAtRate(diff, 0.001);
      const band: BandCalibration = {
        width: fw,
        faces: photos.length,
        nextFrame: { p01: quantile(next, 0.01), p05: quantile(next, 0.05), median: quantile(next, 0.5) },
        samePerson: { p05: quantile(same, 0.05), median: quantile(same, 0.5) },
        different: { median: quantile(diff, 0.5), p99: quantile(diff, 0.99), p999: quantile(diff, 0.999), max: diff[diff.length - 1]!, pairs: diff.length },
        track: { threshold: track, falseSplit: share(next, (x) => x < track), falseAccept: share(diff, (x) => x >= track) },
        rejoin: { threshold: rejoin, falseAccept: share(diff, (x) => x >= rejoin), sameAccept: share(same, (x) => x >= rejoin) },
        cut: { threshold: cut, falseAccept: share(diff, (x) => x >= cut), sameAccept: share(same, (x) => x >= cut) },
      };
      out.push(band);
      const f3 = (v: number): string => v.toFixed(3);
      const p = (v: number): string => `${(v * 100).toFixed(2)}%`;
      row(`${fw} px faces (${photos.length})`, `next ${f3(band.nextFrame.median)}`, `same person ${f3(band.samePerson.median)}, different ${f3(band.different.median)} (p99 ${f3(band.different.p99)}, max ${f3(band.different.max)}; ${band.different.pairs} pairs)`);
      row('  track gate (≤ 1% of next-frame pairs below)', f3(track), `lets through ${p(band.track.falseAccept)} of different people; next-frame quantiles 0.5/1/5%: ${f3(quantile(next, 0.005))}/${f3(quantile(next, 0.01))}/${f3(quantile(next, 0.05))}`);
      row('  re-join gate (1% of different people)', f3(rejoin), `accepts ${p(band.rejoin.sameAccept)} of same-person pairs (other photo)`);
      row('  cut gate (0.1% of different people)', f3(cut), `accepts ${p(band.cut.sameAccept)} of same-person pairs (other photo)`);
    }
    const json = opt('--json');
    if (json) fs.writeFileSync(json, `${JSON.stringify(out, null, 1)}\n`);
    const raw = opt('--raw');
    if (raw) fs.writeFileSync(raw, JSON.stringify(rawPairs));
    return out;
  } finally {
    await releaseAll();
    tmp.cleanup();
  }
}

if (require.main === module) {
  calibrateTracking(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
