import { describe, expect, it } from 'vitest';
import { invertAffine, type Affine, type Image } from './image';
import { createRng } from '../../domain/random';
import { renderScene, syntheticScene } from '../../testing/synthetic';
import {
  composeAffine,
  describeAffine,
  eccRegister,
  IDENTITY,
  phaseCorrelate,
  translation,
  warpDistance,
  type MotionModel,
} from './register';

const W = 32;
const H = 28;
const scene = syntheticScene(7, 48, 44, 2);
/** Template: the scene seen through a fixed window (offset so moved views stay inside the scene). */
const base: Affine = [1, 0, 8, 0, 1, 8];
/** Render what a sensor sees when the template→input warp is `w`: input(p) = template(w⁻¹(p)). */
function viewThrough(w: Affine): Image {
  return renderScene(scene, W, H, composeAffine(base, invertAffine(w)), 3);
}
const template = viewThrough(IDENTITY);

function addNoise(img: Image, sigma: number, seed: number): Image {
  const rng = createRng(seed);
  return { ...img, data: img.data.map((v) => v + sigma * rng.normal()) };
}

/** A warp of the given model about the image centre. */
function warpOf(motion: MotionModel, rng: ReturnType<typeof createRng>): Affine {
  const th = motion === 'translation' ? 0 : rng.uniform(-0.08, 0.08);
  const s = motion === 'similarity' || motion === 'affine' ? rng.uniform(0.94, 1.06) : 1;
  const shear = motion === 'affine' ? rng.uniform(-0.04, 0.04) : 0;
  const a = s * Math.cos(th), b = -s * Math.sin(th) + shear, c = s * Math.sin(th), d = s * Math.cos(th);
  const cx = (W - 1) / 2, cy = (H - 1) / 2;
  const tx = rng.uniform(-1.2, 1.2), ty = rng.uniform(-1.2, 1.2);
  return [a, b, cx + tx - a * cx - b * cy, c, d, cy + ty - c * cx - d * cy];
}

describe('affine helpers', () => {
  it('compose, compare and describe warps', () => {
    const r: Affine = [Math.cos(0.1), -Math.sin(0.1), 2, Math.sin(0.1), Math.cos(0.1), -1];
    const both = composeAffine(r, invertAffine(r));
    expect(warpDistance(both, IDENTITY, 10, 10)).toBeLessThan(1e-12);
    expect(warpDistance(translation(0.3, 0.4), IDENTITY, 5, 5)).toBeCloseTo(0.5, 12);
    const d = describeAffine([2 * Math.cos(0.2), -2 * Math.sin(0.2), 1, 2 * Math.sin(0.2), 2 * Math.cos(0.2), 3]);
    expect(d.scale).toBeCloseTo(2, 12);
    expect(d.rotationDeg).toBeCloseTo((0.2 * 180) / Math.PI, 10);
    expect(d.anisotropy).toBeCloseTo(0, 12);
  });
});

describe('phaseCorrelate', () => {
  it('recovers known sub-pixel shifts within 0.05 px', () => {
    const rng = createRng(11);
    const errors: number[] = [];
    for (let k = 0; k < 12; k++) {
      const dx = rng.uniform(-2, 2);
      const dy = rng.uniform(-2, 2);
      const moving = viewThrough(translation(dx, dy));
      const r = phaseCorrelate(template, moving);
      errors.push(Math.hypot(r.dx - dx, r.dy - dy));
    }
    console.log(`phase correlation, 12 shifts in ±2 px: mean error ${(errors.reduce((a, b) => a + b) / errors.length).toFixed(4)} px, max ${Math.max(...errors).toFixed(4)} px`);
    expect(Math.max(...errors)).toBeLessThan(0.05);
  });

  it('finds a large shift and stays accurate with noise', () => {
    const moving = addNoise(viewThrough(translation(-4.3, 3.6)), 0.01, 3);
    const r = phaseCorrelate(addNoise(template, 0.01, 4), moving);
    expect(Math.hypot(r.dx + 4.3, r.dy - 3.6)).toBeLessThan(0.15);
    expect(r.params.whitening).toBe(0.5);
  });

  it('reports a coherent peak for identical images and respects maxShift', () => {
    const r = phaseCorrelate(template, template);
    expect(r.dx).toBeCloseTo(0, 6);
    expect(r.dy).toBeCloseTo(0, 6);
    expect(r.peak).toBeGreaterThan(0.99);
    const far = phaseCorrelate(template, viewThrough(translation(5, 0)), { maxShift: 2 });
    expect(Math.abs(far.dx)).toBeLessThanOrEqual(2 + 1.5);
  });
});

describe('eccRegister', () => {
  it.each(['translation', 'euclidean', 'similarity', 'affine'] as const)('recovers a known %s warp from the identity', (motion) => {
    const rng = createRng(motion.length * 17);
    const errs: number[] = [];
    for (let k = 0; k < 4; k++) {
      const truth = warpOf(motion, rng);
      const r = eccRegister(template, viewThrough(truth), IDENTITY, { motion });
      expect(r.converged).toBe(true);
      expect(r.failure).toBeNull();
      expect(r.correlation).toBeGreaterThan(0.99);
      errs.push(warpDistance(r.warp, truth, W, H));
    }
    console.log(`ECC ${motion}: RMS warp error ${errs.map((e) => e.toFixed(4)).join(', ')} px`);
    expect(Math.max(...errs)).toBeLessThan(0.03);
  });

  it('recovers a similarity transform starting from a rough (landmark-like) estimate', () => {
    const truth = warpOf('similarity', createRng(99));
    const rough = composeAffine(truth, translation(0.7, -0.5));
    const r = eccRegister(addNoise(template, 0.01, 1), addNoise(viewThrough(truth), 0.01, 2), rough, { motion: 'similarity', presmoothSigma: 0.5 });
    expect(r.converged).toBe(true);
    expect(warpDistance(r.warp, truth, W, H)).toBeLessThan(0.06);
    const d = describeAffine(r.warp);
    const dt = describeAffine(truth);
    expect(d.scale).toBeCloseTo(dt.scale, 2);
    expect(d.rotationDeg).toBeCloseTo(dt.rotationDeg, 0);
  });

  it('coarse-to-fine handles a larger displacement', () => {
    const big = syntheticScene(21, 100, 100, 3);
    const w0: Affine = [1, 0, 12, 0, 1, 12];
    const truth = translation(3.4, -2.7);
    const t = renderScene(big, 64, 64, w0);
    const inp = renderScene(big, 64, 64, composeAffine(w0, invertAffine(truth)));
    const r = eccRegister(t, inp, IDENTITY, { motion: 'translation', pyramidLevels: 3, presmoothSigma: 1 });
    expect(r.converged).toBe(true);
    expect(warpDistance(r.warp, truth, 64, 64)).toBeLessThan(0.05);
  });

  it('robust ECC ignores an occluder that derails plain ECC', () => {
    const truth = translation(0.6, -0.4);
    const occluded = viewThrough(truth);
    for (let y = 6; y < 16; y++) for (let x = 4; x < 14; x++) occluded.data[y * W + x] = 1;
    const robust = eccRegister(template, occluded, IDENTITY, { motion: 'similarity', robust: 'tukey' });
    const plain = eccRegister(template, occluded, IDENTITY, { motion: 'similarity', robust: 'none' });
    const eRobust = warpDistance(robust.warp, truth, W, H);
    const ePlain = warpDistance(plain.warp, truth, W, H);
    console.log(`occluded input: robust ECC error ${eRobust.toFixed(4)} px (inliers ${(robust.inlierFraction * 100).toFixed(0)} %), plain ECC ${ePlain.toFixed(4)} px`);
    expect(eRobust).toBeLessThan(0.05);
    expect(eRobust).toBeLessThan(ePlain);
    expect(robust.inlierFraction).toBeLessThan(0.95);
    expect(robust.robustCorrelation).toBeGreaterThan(robust.correlation);
  });

  it('reports failure or poor correlation for unrelated images', () => {
    const other = renderScene(syntheticScene(1234, 48, 44, 2), W, H);
    const r = eccRegister(template, other, IDENTITY, { motion: 'affine' });
    expect(r.failure !== null || r.correlation < 0.5).toBe(true);
  });

  it('is deterministic', () => {
    const inp = viewThrough(warpOf('affine', createRng(5)));
    const a = eccRegister(template, inp, IDENTITY, { motion: 'affine', robust: 'tukey' });
    const b = eccRegister(template, inp, IDENTITY, { motion: 'affine', robust: 'tukey' });
    expect(a.warp).toEqual(b.warp);
    expect(a.correlation).toBe(b.correlation);
  });
});
