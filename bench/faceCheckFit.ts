/**
 * Fit and check the face check (workers/analysis/faceCheck.ts) on the hand-labelled frames of the real clips
 * (bench/labels): the analysis' candidate finder (detect.ts, full search, proposals at score ≥ 0.15) on each
 * labelled frame; for each candidate its detector score, the other detector's second opinion and the landmark
 * shape residual; labelled a face when it matches a labelled face (IoU ≥ 0.4, one candidate per face, best score
 * first), skipped when it lies in an ignore region.
 *
 * A logistic model per detector is fitted on the frames at even positions of each clip and tested on the odd
 * ones, then the other way round (two-fold, by frame, so no frame is judged by a model fitted on it), and once on
 * all frames (the coefficients shipped in FACE_MODEL: in-sample on these 24 frames, said so in the README).
 * Also prints the BlazeFace box → SSD box map (BOX_MAP) fitted on matched BlazeFace candidates.
 *
 *   node dist/bench/faceCheckFit.js [--dump FILE]
 */
import fs from 'node:fs';
import path from 'node:path';
import { BOX_MAP } from '../workers/faces/blaze';
import { detectLandmarksMany } from '../workers/faces/detect';
import { FaceFinder, type Candidate } from '../workers/analysis/detect';
import { WHOLE_FRAME } from '../workers/analysis/gating';
import { shapeResidual, type FaceEvidence } from '../workers/analysis/faceCheck';
import { regionImage } from '../workers/analysis/region';
import { releaseAll } from '../workers/inference/session';
import { DETECTION_DEFAULTS } from '../domain/analysis';
import { iou4, loadLabels, type Box4 } from './realLabels';
import { realVideoDir } from './realLabelsBaseline';
import { readFrames } from './realLabelsDetect';
import { heading, row } from './util';

export interface Sample extends FaceEvidence {
  readonly clip: string;
  readonly frame: number;
  readonly fold: 0 | 1;
  readonly box: Box4;
  readonly width: number;
  /** 1 face, 0 not a face. */
  readonly y: 0 | 1;
  /** The labelled face it matched. */
  readonly label: Box4 | null;
}

/** Candidates of the analysis' finder on every labelled frame, with their face-check evidence and truth. */
export async function collectSamples(proposalScore = 0.15): Promise<Sample[]> {
  const labels = loadLabels();
  const out: Sample[] = [];
  for (const clip of labels.clips) {
    const frames = await readFrames(path.join(realVideoDir(), clip.file), clip.frames.map((f) => f.index));
    for (const [pos, f] of frames.entries()) {
      const lab = clip.frames.find((x) => x.index === f.index)!;
      const finder = new FaceFinder(f.width, f.height, { ...DETECTION_DEFAULTS, proposalScore });
      const cands: Candidate[] = await finder.find(f.data, WHOLE_FRAME);
      const second = await finder.secondOpinion(f.data, cands);
      const regions = cands.map((c) => regionImage(f.data, f.width, f.height, c.box));
      const lms = await detectLandmarksMany(cands.map((c, i) => ({ image: regions[i]!.img, box: { x: c.box.x - regions[i]!.x0, y: c.box.y - regions[i]!.y0, w: c.box.w, h: c.box.h } })));
      const used = new Set<number>();
      const order = cands.map((_, i) => i).sort((a, b) => cands[b]!.score - cands[a]!.score);
      const truth = new Array<0 | 1 | -1>(cands.length).fill(0);
      const matched = new Array<Box4 | null>(cands.length).fill(null);
      for (const i of order) {
        const b: Box4 = [cands[i]!.box.x, cands[i]!.box.y, cands[i]!.box.w, cands[i]!.box.h];
        let best = -1;
        let bestIou = 0.4;
        lab.faces.forEach((face, k) => {
          if (used.has(k)) return;
          const v = iou4(face.box, b);
          if (v >= bestIou) {
            bestIou = v;
            best = k;
          }
        });
        if (best >= 0) {
          used.add(best);
          truth[i] = 1;
          matched[i] = lab.faces[best]!.box;
          continue;
        }
        const inIgnore = lab.ignore.some((r) => {
          const ix = Math.max(0, Math.min(r[0] + r[2], b[0] + b[2]) - Math.max(r[0], b[0]));
          const iy = Math.max(0, Math.min(r[1] + r[3], b[1] + b[3]) - Math.max(r[1], b[1]));
          return ix * iy >= 0.5 * b[2] * b[3];
        });
        if (inIgnore) truth[i] = -1;
      }
      cands.forEach((c, i) => {
        if (truth[i] === -1) return;
        out.push({
          clip: clip.file,
          frame: f.index,
          fold: (pos % 2) as 0 | 1,
          box: [c.box.x, c.box.y, c.box.w, c.box.h],
          width: c.box.w,
          source: c.source,
          score: c.score,
          second: second[i]!,
          residual: shapeResidual(lms[i]!),
          y: truth[i] as 0 | 1,
          label: matched[i]!,
        });
      });
    }
  }
  return out;
}

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
  return Math.log(q / (1 - q));
};
/** The model's inputs; the residual column is zeroed (see FACE_MODEL), so its coefficient comes out 0. */
const features = (s: FaceEvidence): number[] => [1, logit(s.score), logit(Math.max(0.01, s.second)), 0 * s.residual];

/** Logistic regression by Newton's method (IRLS) with a small ridge; returns [b0, own, second, residual]. */
export function fitLogistic(samples: readonly Sample[], ridge = 1): number[] {
  let w = [0, 1, 1, -5];
  for (let it = 0; it < 200; it++) {
    const g = [0, 0, 0, 0];
    const H = [0, 1, 2, 3].map(() => [0, 0, 0, 0]);
    for (const s of samples) {
      const x = features(s);
      const p = 1 / (1 + Math.exp(-x.reduce((a, v, i) => a + v * w[i]!, 0)));
      for (let i = 0; i < 4; i++) {
        g[i]! += (p - s.y) * x[i]!;
        for (let j = 0; j < 4; j++) H[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    }
    for (let i = 1; i < 4; i++) {
      g[i]! += ridge * w[i]!;
      H[i]![i]! += ridge;
    }
    // Damped: a step of at most 1 per coefficient (near-separable data would otherwise run off to infinity).
    const step = solve4(H, g).map((v) => Math.max(-1, Math.min(1, v)));
    w = w.map((v, i) => v - step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-6) break;
  }
  return w;
}

function solve4(A: number[][], b: number[]): number[] {
  const n = 4;
  const M = A.map((r, i) => [...r, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    const d = M[c]![c]! || 1e-12;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r]![c]! / d;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  return M.map((r, i) => r[n]! / (r[i]! || 1e-12));
}

const prob = (w: readonly number[], s: FaceEvidence): number => 1 / (1 + Math.exp(-features(s).reduce((a, v, i) => a + v * w[i]!, 0)));

export async function faceCheckFit(args: readonly string[] = []): Promise<void> {
  heading('Face check fitted on the hand-labelled real frames (bench/labels): logistic per detector; two-fold by frame, then all frames');
  if (!fs.existsSync(realVideoDir())) {
    process.stdout.write(`  skipped: ${realVideoDir()} is absent\n`);
    return;
  }
  try {
    // Candidates as the analysis proposes them: BlazeFace at ≥ proposalScore, the SSD small-face path at ≥ smallProposalScore.
    const samples = (await collectSamples()).filter((s) => s.score >= (s.source === 'blaze' ? DETECTION_DEFAULTS.proposalScore : DETECTION_DEFAULTS.smallProposalScore));
    const dump = args[args.indexOf('--dump') + 1];
    if (args.includes('--dump') && dump) fs.writeFileSync(dump, JSON.stringify(samples));
    const faces = samples.filter((s) => s.y === 1).length;
    row(`candidates (BlazeFace ≥ ${DETECTION_DEFAULTS.proposalScore}, SSD ≥ ${DETECTION_DEFAULTS.smallProposalScore})`, `${samples.length}`, `${faces} on labelled faces, ${samples.length - faces} not (ignore regions left out)`);
    const models: Record<string, number[]> = {};
    for (const source of ['blaze', 'ssd'] as const) {
      const mine = samples.filter((s) => s.source === source);
      const all = fitLogistic(mine);
      models[source] = all;
      row(`${source}: coefficients (all frames)`, all.map((v) => v.toFixed(3)).join(' '), `[b0, own logit, second-opinion logit, shape residual]; ${mine.filter((s) => s.y).length} faces / ${mine.length} candidates`);
    }
    for (const source of ['blaze', 'ssd'] as const) {
      const med = (xs: number[]): string => ([...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN).toFixed(3);
      const f = samples.filter((s) => s.source === source && s.y === 1).map((s) => s.residual);
      const n = samples.filter((s) => s.source === source && s.y === 0).map((s) => s.residual);
      row(`${source}: landmark shape residual (median)`, `faces ${med(f)}`, `non-faces ${med(n)} (a measure stored with every detection; no weight in the model)`);
    }
    // Precision / recall of the final rule at thresholds, two-fold (each half judged by the model of the other).
    const labelled = loadLabels().clips.reduce((a, c) => a + c.frames.reduce((b, f) => b + f.faces.length, 0), 0);
    for (const t of [0.3, 0.5, 0.7]) {
      let tp = 0, fp = 0, tpIn = 0, fpIn = 0;
      for (const fold of [0, 1] as const) {
        const train = samples.filter((s) => s.fold !== fold);
        const test = samples.filter((s) => s.fold === fold);
        const w = { blaze: fitLogistic(train.filter((s) => s.source === 'blaze')), ssd: fitLogistic(train.filter((s) => s.source === 'ssd')) };
        for (const s of test) {
          if (prob(w[s.source], s) < t) continue;
          if (s.y) tp++;
          else fp++;
        }
      }
      for (const s of samples) {
        if (prob(models[s.source]!, s) < t) continue;
        if (s.y) tpIn++;
        else fpIn++;
      }
      row(
        `face probability ≥ ${t}`,
        `P ${((100 * tp) / Math.max(1, tp + fp)).toFixed(1)}% R ${((100 * tp) / labelled).toFixed(1)}%`,
        `two-fold: ${tp} of the ${labelled} labelled faces kept, ${fp} non-faces kept; all-frame fit (in-sample): P ${((100 * tpIn) / Math.max(1, tpIn + fpIn)).toFixed(1)}% R ${((100 * tpIn) / labelled).toFixed(1)}%`,
      );
    }
    // BlazeFace raw box → labelled (SSD-style) box.
    const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1] ?? NaN;
    const raw = samples
      .filter((s) => s.source === 'blaze' && s.y === 1 && s.label)
      .map((s) => {
        const rw = s.box[2] / BOX_MAP.w;
        const rh = s.box[3] / BOX_MAP.h;
        const rcy = s.box[1] + s.box[3] / 2 - BOX_MAP.dy * rh;
        const l = s.label!;
        return { w: l[2] / rw, h: l[3] / rh, dy: (l[1] + l[3] / 2 - rcy) / rh };
      });
    if (raw.length) {
      row('BlazeFace box → labelled box (medians)', `w ×${med(raw.map((r) => r.w)).toFixed(3)}`, `h ×${med(raw.map((r) => r.h)).toFixed(3)}, centre dy ${med(raw.map((r) => r.dy)).toFixed(3)} box heights; ${raw.length} matched faces (BOX_MAP now ${JSON.stringify(BOX_MAP)})`);
    }
  } finally {
    await releaseAll();
  }
}

if (require.main === module) {
  faceCheckFit(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
