/**
 * Headline check of the evidential tier on real faces: sequences made from ORL portraits (each downscaled ×4 to
 * about 20×25 px with random sub-pixel motion, blur and noise, and H.264 in one setting); multi-frame fusion must
 * beat the best single frame upscaled, in PSNR and in SSIM, averaged over several faces. The numbers are printed.
 */
import { describe, expect, it } from 'vitest';
import { readImage } from '../image/image';
import { degradeSequence, type DegradeParams } from '../../testing/degrade';
import { fusedPsfSigma } from './deconvolve';
import { scoreFusion } from '../../testing/evaluate';
import { faceFile } from '../../testing/faces';
import type { FusionOptions } from './fusion';

const PEOPLE = [1, 2, 3, 4, 5, 6, 7, 8];

interface Setting {
  readonly name: string;
  readonly scale: 2 | 4;
  readonly degrade: Partial<DegradeParams>;
  readonly robust?: FusionOptions['robust'];
}

interface Row {
  person: number;
  bestPsnr: number;
  bestSsim: number;
  plainPsnr: number;
  plainSsim: number;
  fusedPsnr: number;
  fusedSsim: number;
  regError: number;
  rejected: number;
}

async function run(setting: Setting): Promise<Row[]> {
  const rows: Row[] = [];
  for (const person of PEOPLE) {
    const hr = await readImage(faceFile(person, 1), 1);
    const seq = await degradeSequence(hr, { factor: 4, seed: 100 + person, ...setting.degrade });
    // The PSF stated for deconvolution: the known optical blur, the LR pixel's area and the fusion kernel.
    const psfSigma = fusedPsfSigma(setting.scale, seq.params.blurSigma, 0.25 * setting.scale);
    const plain = scoreFusion(seq, { scale: setting.scale, robust: setting.robust });
    const fused = scoreFusion(seq, { scale: setting.scale, robust: setting.robust, deconvolution: { method: 'wiener', psfSigma, nsr: 0.1 } });
    rows.push({
      person,
      bestPsnr: fused.bestFramePsnr,
      bestSsim: fused.bestFrameSsim,
      plainPsnr: plain.fusedPsnr,
      plainSsim: plain.fusedSsim,
      fusedPsnr: fused.fusedPsnr,
      fusedSsim: fused.fusedSsim,
      regError: fused.registrationError,
      rejected: fused.rejected,
    });
  }
  return rows;
}

function mean(rows: Row[], key: keyof Row): number {
  return rows.reduce((a, r) => a + r[key], 0) / rows.length;
}

function report(setting: Setting, rows: Row[]): void {
  const lr = `${setting.name}`;
  const lines = rows.map(
    (r) =>
      `  s${String(r.person).padEnd(3)} best frame ${r.bestPsnr.toFixed(2)} dB / ${r.bestSsim.toFixed(3)}   fusion ${r.plainPsnr.toFixed(2)} / ${r.plainSsim.toFixed(3)}   fusion+Wiener ${r.fusedPsnr.toFixed(2)} / ${r.fusedSsim.toFixed(3)}   reg.err ${r.regError.toFixed(3)} px${r.rejected ? `  rejected ${r.rejected}` : ''}`,
  );
  console.log(
    [
      `[fusion.faces] ${lr} — mean over ${rows.length} faces:`,
      `  best single frame (bicubic, true alignment): PSNR ${mean(rows, 'bestPsnr').toFixed(2)} dB, SSIM ${mean(rows, 'bestSsim').toFixed(4)}`,
      `  fusion (no deconvolution):                   PSNR ${mean(rows, 'plainPsnr').toFixed(2)} dB, SSIM ${mean(rows, 'plainSsim').toFixed(4)}`,
      `  fusion + Wiener (stated PSF, NSR 0.1):       PSNR ${mean(rows, 'fusedPsnr').toFixed(2)} dB, SSIM ${mean(rows, 'fusedSsim').toFixed(4)}`,
      `  mean registration error ${mean(rows, 'regError').toFixed(3)} LR px; frames rejected ${rows.reduce((a, r) => a + r.rejected, 0)}`,
      ...lines,
    ].join('\n'),
  );
}

describe('fusion on real faces (ORL)', () => {
  it('×4, 16 frames (shifts ±1 px, rotations ±2°, blur σ 0.5 px, noise σ 0.02): fusion beats the best single frame', async () => {
    const setting: Setting = { name: '×4, 16 frames, uncompressed', scale: 4, degrade: { frames: 16, maxRotationDeg: 2 } };
    const rows = await run(setting);
    report(setting, rows);
    expect(mean(rows, 'fusedPsnr')).toBeGreaterThan(mean(rows, 'bestPsnr'));
    expect(mean(rows, 'fusedSsim')).toBeGreaterThan(mean(rows, 'bestSsim'));
    // Even without deconvolution the fused image is closer to the face than any single frame.
    expect(mean(rows, 'plainPsnr')).toBeGreaterThan(mean(rows, 'bestPsnr'));
    expect(mean(rows, 'plainSsim')).toBeGreaterThan(mean(rows, 'bestSsim'));
    expect(mean(rows, 'regError')).toBeLessThan(0.1);
  });

  it('×2, 12 frames: fusion beats the best single frame', async () => {
    const setting: Setting = { name: '×2, 12 frames, uncompressed', scale: 2, degrade: { frames: 12, maxRotationDeg: 2 } };
    const rows = await run(setting);
    report(setting, rows);
    expect(mean(rows, 'fusedPsnr')).toBeGreaterThan(mean(rows, 'bestPsnr'));
    expect(mean(rows, 'fusedSsim')).toBeGreaterThan(mean(rows, 'bestSsim'));
  });

  it('×4, 16 frames through H.264 (CRF 30, GOP 25, every 5th frame of an 80-frame clip): fusion beats the best single frame', async () => {
    const setting: Setting = {
      name: '×4, 16 frames, H.264 CRF 30 (frames picked every 5th of 80, GOP 25)',
      scale: 4,
      degrade: { frames: 16, stride: 5, h264: { crf: 30, preset: 'medium', fps: 25, gop: 25 } },
    };
    const rows = await run(setting);
    report(setting, rows);
    expect(mean(rows, 'fusedPsnr')).toBeGreaterThan(mean(rows, 'bestPsnr'));
    expect(mean(rows, 'fusedSsim')).toBeGreaterThan(mean(rows, 'bestSsim'));
  });

  it('occluded frames: robust weights do better than plain averaging', async () => {
    const base = { frames: 12, occludedFrames: 3, occluderSize: 0.3 } as const;
    const robust = await run({ name: 'robust', scale: 4, degrade: base, robust: { estimator: 'huber' } });
    const plain = await run({ name: 'unweighted', scale: 4, degrade: base, robust: { estimator: 'none' } });
    report({ name: '×4, 12 frames, 3 with a 30 % occluder, Huber weights', scale: 4, degrade: base }, robust);
    console.log(`[fusion.faces] same sequences without robust weights: PSNR ${mean(plain, 'fusedPsnr').toFixed(2)} dB, SSIM ${mean(plain, 'fusedSsim').toFixed(4)}`);
    expect(mean(robust, 'fusedPsnr')).toBeGreaterThan(mean(plain, 'fusedPsnr'));
    expect(mean(robust, 'fusedSsim')).toBeGreaterThan(mean(plain, 'fusedSsim'));
    expect(mean(robust, 'fusedPsnr')).toBeGreaterThan(mean(robust, 'bestPsnr'));
  });

  it('reports (without asserting) the hard cases: consecutive H.264 frames and CRF 35', async () => {
    // Consecutive frames of one GOP are mostly motion-compensated copies of each other, so they carry little
    // independent information; this documents how much fusion can (not) do there.
    for (const setting of [
      { name: '×4, 16 consecutive frames, H.264 CRF 30 (one GOP)', scale: 4, degrade: { frames: 16, h264: { crf: 30, preset: 'medium', fps: 25 } } },
      { name: '×4, 16 frames, H.264 CRF 35 (every 5th of 80, GOP 25)', scale: 4, degrade: { frames: 16, stride: 5, h264: { crf: 35, preset: 'medium', fps: 25, gop: 25 } } },
    ] satisfies Setting[]) {
      const rows = await run(setting);
      report(setting, rows);
      expect(rows).toHaveLength(PEOPLE.length);
    }
  });
});
