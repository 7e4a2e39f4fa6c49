/**
 * Issue 14's fusion steps on a real face (an ORL fixture portrait): local (non-rigid) registration, per-pixel
 * agreement weights, exposure normalisation and the minimum frame count. The sequence is made like a
 * surveillance track of a person whose expression and pose change a little: every frame is shifted by up to a
 * pixel and turned slightly (a horizontal displacement varying across the face, up to 1.5 source px), half of
 * them have the mouth stretched (up to ~1.2 source px), three of them the mouth also darkened (a change no
 * registration can undo), each with its own exposure; ×4 area sampling, blur, noise, 8 bits.
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { createImage, fromBytes, toBytes, type Image } from '../image/image';
import { downsampleBox, gaussianBlur, sampleBicubic } from '../image/filters';
import { psnr } from '../image/metrics';
import { denseLocalFlow } from '../image/register';
import { createRng } from '../../domain/random';
import { faceFile } from '../../testing/faces';
import { fuseFrames, type FusionOptions } from './fusion';
import { enhanceCrops, type CropFrame } from './pipeline';
import { resolveEnhanceSettings } from '../../domain/enhance';
import type { Landmarks5 } from '../faces/align';
import { fusedPsfSigma } from './deconvolve';

const F = 4; // HR → LR factor
/** Mouth stretch and head turn, HR px (÷4 for source px). */
const DEFORM = 5;
const YAW = 6;
const K = 8;

interface Sequence {
  readonly frames: Image[];
  readonly truthHr: Image;
  readonly deformed: boolean[];
  readonly darkened: boolean[];
  readonly gains: Array<{ gain: number; offset: number }>;
  /** Mouth region in LR pixels. */
  readonly mouth: { x: number; y: number; w: number; h: number };
}

async function hrFace(): Promise<Image> {
  const { data, info } = await sharp(faceFile(2, 1)).removeAlpha().toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return fromBytes(data, info.width, info.height, 1);
}

/** HR → LR frame: sample the HR face at (x + shift + deformation), blur, area-integrate ×F, exposure, noise, 8 bits. */
function makeFrame(hr: Image, shift: [number, number], deform: number, darken: number, exposure: { gain: number; offset: number }, noise: () => number, lw: number, lh: number, margin: number, yaw = 0, zoom = 1): Image {
  const hw = lw * F;
  const hh = lh * F;
  const cx = margin + hw * 0.5;
  const cy = margin + hh * 0.78; // the mouth of an ORL portrait
  const s = hw * 0.12;
  const img = createImage(hw, hh, 1);
  for (let y = 0; y < hh; y++) {
    for (let x = 0; x < hw; x++) {
      // zoom < 1: the face appears smaller (the person farther away), about the crop's centre.
      const X = margin + hw / 2 + (x - hw / 2) / zoom + shift[0] * F;
      const Y = margin + hh / 2 + (y - hh / 2) / zoom + shift[1] * F;
      const g = Math.exp(-((X - cx) ** 2 + (Y - cy) ** 2) / (2 * s * s));
      // A smooth vertical stretch about the mouth (opening it a little), a slight turn of the head (a horizontal
      // displacement that varies across the face: no affine warp models it), and optionally a darker mouth.
      const turn = yaw * Math.sin((Math.PI * (X - margin)) / hw);
      const v = sampleBicubic(hr, X - turn, Y - deform * g * ((Y - cy) / s), 0);
      img.data[y * hw + x] = v - darken * g;
    }
  }
  const lr = downsampleBox(gaussianBlur(img, 0.5 * F), F);
  for (let i = 0; i < lr.data.length; i++) lr.data[i] = Math.round(Math.min(1, Math.max(0, exposure.gain * lr.data[i]! + exposure.offset + noise())) * 255) / 255;
  return lr;
}

async function sequence(): Promise<Sequence> {
  const hr = await hrFace();
  const margin = 8;
  const lw = Math.floor((hr.width - 2 * margin) / F);
  const lh = Math.floor((hr.height - 2 * margin) / F);
  const rng = createRng(14);
  const frames: Image[] = [];
  const deformed: boolean[] = [];
  const darkened: boolean[] = [];
  const gains: Array<{ gain: number; offset: number }> = [];
  for (let k = 0; k < K; k++) {
    const shift: [number, number] = k === 0 ? [0, 0] : [rng.uniform(-1, 1), rng.uniform(-1, 1)];
    const d = k % 2 === 1;
    const dark = k === 3 || k === 5 || k === 7;
    const e = k === 0 ? { gain: 1, offset: 0 } : { gain: rng.uniform(0.8, 1.25), offset: rng.uniform(-0.06, 0.06) };
    frames.push(makeFrame(hr, shift, d ? DEFORM : 0, dark ? 0.25 : 0, e, () => rng.normal() * 0.01, lw, lh, margin, k === 0 ? 0 : YAW * (k % 3 === 0 ? -1 : 1)));
    deformed.push(d);
    darkened.push(dark);
    gains.push(e);
  }
  const truth = createImage(lw * F, lh * F, 1);
  for (let y = 0; y < truth.height; y++) for (let x = 0; x < truth.width; x++) truth.data[y * truth.width + x] = hr.data[(y + margin) * hr.width + x + margin]!;
  // The core of the darkened mouth (within one σ of the darkening's centre).
  return { frames, truthHr: truth, deformed, darkened, gains, mouth: { x: lw * 0.38, y: lh * 0.78 - lw * 0.12, w: lw * 0.24, h: lw * 0.24 } };
}

const LOCAL = { levels: 2, iterations: 6, window: 1.5, smoothness: 2, maxDisplacement: 1.5, damping: 0.05, agreementSigma: 1, agreementScale: 2.5, minAgreement: 0.3 } as const;
const BASE: FusionOptions = { scale: F, reference: 0, deconvolution: { method: 'wiener', psfSigma: fusedPsfSigma(F, 0.5, 1), nsr: 0.1, nsrModel: 'natural' } };

describe('local registration, agreement weights and exposure normalisation', () => {
  let seq: Sequence;
  beforeAll(async () => {
    seq = await sequence();
  });

  it('recovers a smooth deformation with the dense flow (and nothing where there is none)', async () => {
    const hr = await hrFace();
    const lw = 18;
    const lh = 22;
    const still = makeFrame(hr, [0, 0], 0, 0, { gain: 1, offset: 0 }, () => 0, lw, lh, 8);
    const moved = makeFrame(hr, [0.4, -0.3], 0, 0, { gain: 1, offset: 0 }, () => 0, lw, lh, 8);
    const flow = denseLocalFlow(still, moved, LOCAL);
    // Moved by (0.4, −0.3) px: moved(x + u) = still(x) for u = (−0.4, 0.3), nearly everywhere.
    let err = 0;
    let n = 0;
    for (let y = 3; y < lh - 3; y++) {
      for (let x = 3; x < lw - 3; x++) {
        err += (flow.u[y * lw + x]! + 0.4) ** 2 + (flow.v[y * lw + x]! - 0.3) ** 2;
        n++;
      }
    }
    expect(Math.sqrt(err / n)).toBeLessThan(0.15);
    const none = denseLocalFlow(still, still, LOCAL);
    expect(none.maxMagnitude).toBeLessThan(1e-9);
    const again = denseLocalFlow(still, moved, LOCAL);
    expect(Buffer.from(again.u.buffer).equals(Buffer.from(flow.u.buffer))).toBe(true);
  });

  it('fuses frames with small expression and pose changes: all contribute, less where they disagree, closer to the truth', () => {
    const globalOnly = fuseFrames(seq.frames, BASE);
    const local = fuseFrames(seq.frames, { ...BASE, exposure: { maxGain: 2 }, local: LOCAL });
    const acc = (r: typeof local): number => r.registrations.filter((x) => x.accepted).length;
    const pGlobal = psnr(globalOnly.image, seq.truthHr);
    const pLocal = psnr(local.image, seq.truthHr);
    console.log(
      `expression sequence (${K} frames, ×${F}): global only ${acc(globalOnly)}/${K} frames, PSNR ${pGlobal.toFixed(2)} dB; ` +
        `local + exposure ${acc(local)}/${K} frames, PSNR ${pLocal.toFixed(2)} dB; ` +
        `agreement ${local.registrations.map((r) => r.local?.agreement.toFixed(2) ?? 'ref').join(' ')}`,
    );
    // Robust ECC keeps these frames too, but fuses their deformed parts out of place: local registration gains.
    expect(acc(local)).toBeGreaterThanOrEqual(K - 1);
    expect(pLocal).toBeGreaterThan(pGlobal + 0.8);
    // The darkened frames contribute less inside the mouth than elsewhere (per pixel, not all-or-nothing).
    const m = seq.mouth;
    for (const c of local.contributions) {
      if (!seq.darkened[c.index]) continue;
      let inside = 0, ni = 0, outside = 0, no = 0;
      for (let y = 0; y < c.map.height; y++) {
        for (let x = 0; x < c.map.width; x++) {
          const X = x / F;
          const Y = y / F;
          const v = c.map.data[y * c.map.width + x]!;
          if (X >= m.x && X < m.x + m.w && Y >= m.y && Y < m.y + m.h) {
            inside += v;
            ni++;
          } else if (Y < m.y - 2) {
            outside += v;
            no++;
          }
        }
      }
      expect(inside / ni).toBeLessThan(0.6 * (outside / no));
    }
    // Every parameter and per-frame number is in the steps (JSON), and the run is bit-identical when repeated.
    expect(local.steps.map((s) => s.operation)).toEqual(['fusion.register', 'fusion.exposure', 'fusion.local-register', 'fusion.shift-and-add', 'deconvolve.wiener', 'clamp']);
    expect(JSON.parse(JSON.stringify(local.steps))).toEqual(local.steps);
    const hash = (img: Image): string => createHash('sha256').update(toBytes(img)).digest('hex');
    expect(hash(fuseFrames(seq.frames, { ...BASE, exposure: { maxGain: 2 }, local: LOCAL }).image)).toBe(hash(local.image));
  });

  it('recovers each frame’s exposure (gain and offset) and records it', async () => {
    const hr = await hrFace();
    const rng = createRng(3);
    const truth = [{ gain: 1, offset: 0 }, { gain: 1.2, offset: -0.05 }, { gain: 0.85, offset: 0.04 }, { gain: 1.1, offset: 0.02 }];
    const frames = truth.map((e, k) => makeFrame(hr, k === 0 ? [0, 0] : [rng.uniform(-1, 1), rng.uniform(-1, 1)], 0, 0, e, () => rng.normal() * 0.005, 18, 22, 8));
    const r = fuseFrames(frames, { ...BASE, exposure: { maxGain: 2 } });
    const step = r.steps.find((s) => s.operation === 'fusion.exposure')!;
    const recorded = step.params.frames as Array<{ index: number; gain: number; offset: number }>;
    expect(recorded.map((e) => e.index)).toEqual([1, 2, 3]);
    for (const e of recorded) {
      // The fit maps the frame back onto the reference: the inverse of the exposure it was made with.
      const t = truth[e.index]!;
      expect(Math.abs(e.gain * t.gain - 1)).toBeLessThan(0.05);
      expect(Math.abs(e.offset + t.offset / t.gain)).toBeLessThan(0.03);
      expect(r.registrations[e.index]!.exposure).toEqual({ gain: expect.closeTo(e.gain, 6), offset: expect.closeTo(e.offset, 6) });
    }
  });

  it('keeps the pipeline as it was when neither step is asked for', () => {
    const r = fuseFrames(seq.frames, BASE);
    expect(r.steps.map((s) => s.operation)).toEqual(['fusion.register', 'fusion.shift-and-add', 'deconvolve.wiener', 'clamp']);
    for (const g of r.registrations) {
      expect(g.local).toBeUndefined();
      expect(g.exposure).toBeUndefined();
    }
  });

  it('refuses a fusion of fewer usable frames than its minimum, or runs a labelled single-frame deconvolution when asked', () => {
    const one = [seq.frames[0]!, seq.frames[0]!.width > 0 ? createImage(seq.frames[0]!.width, seq.frames[0]!.height, 1, 0.5) : seq.frames[0]!];
    expect(() => fuseFrames(one, { ...BASE, minFrames: 3, labels: [71, 80] })).toThrowError(/fusion refused: it needs at least 3 frames that register, and only 1 of 2 did \(frame 80: /);
    const single = fuseFrames(one, { ...BASE, minFrames: 3, belowMinimum: 'single-frame' });
    expect(single.registrations.filter((r) => r.accepted).map((r) => r.index)).toEqual([0]);
    expect(single.contributions.map((c) => c.index)).toEqual([0]);
    expect(single.steps.map((s) => s.operation)).toContain('fusion.single-frame');
    // Two registered frames of three: the second is marked unused, not silently fused.
    const two = fuseFrames([seq.frames[0]!, seq.frames[2]!, one[1]!], { ...BASE, minFrames: 3, belowMinimum: 'single-frame' });
    expect(two.registrations[1]!.reasons.map((x) => x.code)).toEqual(['below-minimum']);
  });

  it('keeps frames where the face is smaller (the person farther away) when the detection boxes say so', async () => {
    const hr = await hrFace();
    const rng = createRng(9);
    const zooms = [1, 0.8, 0.78, 1.05, 0.82, 0.95];
    const lw = 18;
    const lh = 22;
    const crops: CropFrame[] = zooms.map((z, k) => {
      const image = makeFrame(hr, k === 0 ? [0, 0] : [rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)], 0, 0, { gain: 1, offset: 0 }, () => rng.normal() * 0.005, lw, lh, 8, 0, z);
      // The detector's box scales with the face; the landmarks are not used by these initial transforms.
      const bw = 12 * z;
      const bh = 14 * z;
      const box = { x: (lw - bw) / 2, y: (lh - bh) / 2, w: bw, h: bh };
      const lm = [[6, 8], [12, 8], [9, 11], [7, 14], [11, 14]] as unknown as Landmarks5;
      return { frame: k * 10, image, landmarks: lm, origin: [0, 0] as const, box };
    });
    const old = await enhanceCrops(crops, 0, resolveEnhanceSettings({ mode: 'fusion', scale: 4, initialTransforms: 'centroid', fusion: { motionLimits: 'absolute', local: null, exposure: null } }));
    const now = await enhanceCrops(crops, 0, resolveEnhanceSettings({ mode: 'fusion', scale: 4 }));
    const acc = (r: typeof now): number => r.registrations!.filter((x) => x.accepted).length;
    const rejectedForScale = old.registrations!.filter((x) => x.reasons.some((y) => y.code === 'excessive-motion')).length;
    expect(rejectedForScale).toBeGreaterThanOrEqual(2);
    expect(acc(now)).toBe(zooms.length);
    expect(now.steps.map((x) => x.operation)[0]).toBe('register.box');
  });
});
