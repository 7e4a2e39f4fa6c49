/**
 * Evidential-tier imaging: time to fuse 16 frames of a small face (registration + robust shift-and-add, and with
 * Wiener deconvolution), next to a baseline measured in the same run (bicubic upscaling of the same 16 frames),
 * plus the accuracy of that fusion against the original face. Uses an ORL face when ../shared/data is present,
 * else a synthetic texture of the same size. Printed only; nothing is asserted.
 */
import { readImage, type Image } from '../workers/image/image';
import { renderScene, syntheticScene } from '../testing/synthetic';
import { degradeSequence, type DegradeParams } from '../testing/degrade';
import { fusedPsfSigma } from '../workers/enhance/deconvolve';
import { scoreFusion } from '../testing/evaluate';
import { fuseFrames, upscaleSingleFrame, type FusionOptions } from '../workers/enhance/fusion';
import { faceFile, sharedFaces } from '../testing/faces';
import { heading, median, row, timeIt } from './util';

const RUNS = 5;

async function medianMs(fn: () => unknown, runs = RUNS): Promise<number> {
  fn(); // warm-up: JIT and plan caches (FFT twiddles) are filled on the first call
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timeIt(fn)).ms);
  return median(times);
}

async function sourceFace(): Promise<{ image: Image; label: string }> {
  // The same portrait is in the committed fixtures, so the figures do not depend on ../shared being present.
  return { image: await readImage(faceFile(1, 1, sharedFaces() ?? undefined), 1), label: 'ORL s1/1 (92×112)' };
}

export async function benchImaging(): Promise<void> {
  const { image, label } = await sourceFace();
  heading(`imaging: multi-frame fusion, 16 frames, one core (median of ${RUNS}) — ${label}`);
  const cases: Array<{ name: string; degrade: Partial<DegradeParams>; scale: 2 | 4 }> = [
    { name: '×4', degrade: { frames: 16, factor: 4, maxRotationDeg: 2, seed: 1 }, scale: 4 },
    { name: '×2', degrade: { frames: 16, factor: 4, maxRotationDeg: 2, seed: 1 }, scale: 2 },
    { name: '×4, H.264 CRF 30', degrade: { frames: 16, factor: 4, stride: 5, h264: { crf: 30, preset: 'medium', fps: 25, gop: 25 }, seed: 1 }, scale: 4 },
  ];
  for (const c of cases) {
    const seq = await degradeSequence(image, c.degrade);
    const lr = seq.frames[0]!;
    const out = `${lr.width * c.scale}×${lr.height * c.scale}`;
    const wiener: FusionOptions = {
      scale: c.scale,
      deconvolution: { method: 'wiener', psfSigma: fusedPsfSigma(c.scale, seq.params.blurSigma, 0.25 * c.scale), nsr: 0.1 },
    };
    const baseline = await medianMs(() => seq.frames.map((f) => upscaleSingleFrame(f, c.scale)));
    const plain = await medianMs(() => fuseFrames(seq.frames, { scale: c.scale }));
    const withWiener = await medianMs(() => fuseFrames(seq.frames, wiener));
    const score = scoreFusion(seq, wiener);
    row(`${c.name}: bicubic upscale of 16 frames (baseline)`, `${baseline.toFixed(1)} ms`, `${lr.width}×${lr.height} → ${out}`);
    row(`${c.name}: fusion of 16 frames`, `${plain.toFixed(1)} ms`, `${(plain / baseline).toFixed(0)}× the baseline`);
    row(`${c.name}: fusion + Wiener`, `${withWiener.toFixed(1)} ms`);
    row(
      `${c.name}: PSNR / SSIM vs original`,
      `${score.fusedPsnr.toFixed(2)} / ${score.fusedSsim.toFixed(3)}`,
      `best single frame ${score.bestFramePsnr.toFixed(2)} / ${score.bestFrameSsim.toFixed(3)}; registration error ${score.registrationError.toFixed(3)} px`,
    );
  }
  // The largest crops the pipeline fuses: ≈ 64 px in, ≈ 256 px out (synthetic texture, since ORL faces are smaller).
  const big = renderScene(syntheticScene(7, 264, 264, 5), 264, 264, undefined, 2);
  const bigSeq = await degradeSequence(big, { frames: 16, factor: 4, seed: 2 });
  const lr = bigSeq.frames[0]!;
  const baseline = await medianMs(() => bigSeq.frames.map((f) => upscaleSingleFrame(f, 4)), 3);
  const plain = await medianMs(() => fuseFrames(bigSeq.frames, { scale: 4 }), 3);
  row('×4, largest crops: bicubic upscale of 16 frames', `${baseline.toFixed(1)} ms`, `${lr.width}×${lr.height} → ${lr.width * 4}×${lr.height * 4}`);
  row('×4, largest crops: fusion of 16 frames', `${plain.toFixed(1)} ms`, `${(plain / baseline).toFixed(0)}× the baseline`);
}
