/**
 * Hand labels of faces in frames of the three real clips in ../shared/data/video (bench/labels/real-clips.json,
 * how they were made and their limits: bench/labels/README.md) and the scoring of a detector against them.
 *
 * `scoreDetections(labels, detections, { iou })` matches detections to labelled faces frame by frame and returns
 * true positives, false positives and misses per face-size band (< 20, 20–40, > 40 px wide), per clip and in
 * total. It has no dependencies beyond Node, so a test or a notebook can import it without the models;
 * bench/realLabelsBaseline.ts runs the project's detector over the labelled frames and scores it.
 *
 *   node dist/bench/realLabels.js DETECTIONS.json [--iou 0.4] [--min-score 0.4]
 *
 * scores a file holding `Detection[]` (or `{ detections: Detection[] }`) against the labels.
 */
import fs from 'node:fs';
import path from 'node:path';

/** [x, y, w, h] in pixels of the decoded, displayed frame (see the labels' `convention`). */
export type Box4 = [number, number, number, number];

export type Difficulty = 'normal' | 'small' | 'occluded' | 'profile' | 'blurred';

export interface FaceLabel {
  box: Box4;
  difficulty: Difficulty;
  /** Every condition that applies (the difficulty is the main one), e.g. ['occluded', 'blurred']. */
  tags?: string[];
  /** The face is cut by the frame edge; the box covers the visible part. */
  truncated?: boolean;
  note?: string;
}

export interface NonFaceLabel {
  box: Box4;
  what: string;
  /** Detector scores that proposed it: default pyramid, and the pyramid on the frame upscaled ×2 (null: < 0.2). */
  scores?: { pyramid: number | null; upscaled2x: number | null };
}

export interface FrameLabels {
  index: number;
  pts_time: number;
  md5: string;
  faces: FaceLabel[];
  ignore: Box4[];
  nonFaces: NonFaceLabel[];
}

export interface ClipLabels {
  file: string;
  sha256: string;
  orientation: 'displayed';
  width: number;
  height: number;
  frameCount: number;
  timeBase: string;
  frames: FrameLabels[];
}

export interface RealLabels {
  convention: string;
  clips: ClipLabels[];
}

export interface Detection {
  /** Clip file name as in the labels (a path is reduced to its base name). */
  clip: string;
  /** Frame index (N-th decoded picture, from 0). */
  frame: number;
  box: Box4;
  score: number;
}

export type Band = '<20' | '20-40' | '>40';
export const BANDS: readonly Band[] = ['<20', '20-40', '>40'];

export interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

export interface Tally extends Counts {
  /** tp / (tp + fp); null when nothing was detected. */
  precision: number | null;
  /** tp / (tp + fn); null when nothing is labelled. */
  recall: number | null;
  /** False positives that overlap a labelled face (IoU > 0.1): second boxes and badly placed boxes. */
  fpOnFace: number;
  /** Detections dropped because they lie in an ignore region or on a face treated as ignore. */
  ignored: number;
}

export interface Score {
  options: Required<Omit<ScoreOptions, 'ignoreFace'>> & { ignoreFace: string };
  total: Tally;
  bands: Record<Band, Tally>;
  clips: Record<string, { total: Tally; bands: Record<Band, Tally> }>;
  /** One entry per labelled frame, for inspection. */
  frames: Array<{
    clip: string;
    frame: number;
    matches: Array<{ label: number; detection: Box4; score: number; iou: number }>;
    falsePositives: Array<{ box: Box4; score: number; onFace: boolean }>;
    misses: number[];
  }>;
}

export interface ScoreOptions {
  /** Minimum IoU between a detection and a labelled face for a match (default 0.4). */
  iou?: number;
  /** Detections below this score are not counted (default 0: count what is given). */
  minScore?: number;
  /** A detection whose area lies at least this much inside one ignore region is dropped (default 0.5). */
  ignoreCover?: number;
  /** Labelled faces to treat as ignore regions, e.g. `(f) => f.truncated === true` (default: none). */
  ignoreFace?: (face: FaceLabel) => boolean;
  /** Band edges on the face width: < lo, lo..hi, > hi (default [20, 40]). */
  bandEdges?: [number, number];
}

export function defaultLabelsPath(): string {
  // bench/realLabels.ts runs from source (tsx) or from dist/bench; the labels stay in bench/labels.
  const here = __dirname;
  const candidates = [path.join(here, 'labels', 'real-clips.json'), path.join(here, '..', '..', 'bench', 'labels', 'real-clips.json')];
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0]!;
}

export function loadLabels(file = defaultLabelsPath()): RealLabels {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as RealLabels;
  if (!Array.isArray(data.clips)) throw new Error(`${file}: no clips`);
  for (const c of data.clips) {
    for (const f of c.frames) {
      for (const face of f.faces) checkBox(face.box, `${c.file}#${f.index} face`);
      for (const r of f.ignore) checkBox(r, `${c.file}#${f.index} ignore`);
    }
  }
  return data;
}

function checkBox(b: unknown, where: string): void {
  if (!Array.isArray(b) || b.length !== 4 || b.some((v) => typeof v !== 'number' || !Number.isFinite(v)) || b[2] <= 0 || b[3] <= 0) {
    throw new Error(`${where}: bad box ${JSON.stringify(b)}`);
  }
}

export function iou4(a: Box4, b: Box4): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  return inter <= 0 ? 0 : inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

/** Fraction of `a`'s area inside `r`. */
function coveredBy(a: Box4, r: Box4): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], r[0] + r[2]) - Math.max(a[0], r[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], r[1] + r[3]) - Math.max(a[1], r[1]));
  return (ix * iy) / Math.max(1e-9, a[2] * a[3]);
}

export function bandOf(width: number, edges: [number, number] = [20, 40]): Band {
  return width < edges[0] ? '<20' : width <= edges[1] ? '20-40' : '>40';
}

function emptyCounts(): Counts & { fpOnFace: number; ignored: number } {
  return { tp: 0, fp: 0, fn: 0, fpOnFace: 0, ignored: 0 };
}

function tally(c: Counts & { fpOnFace: number; ignored: number }): Tally {
  return {
    ...c,
    precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : null,
    recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : null,
  };
}

/**
 * Scores detections against the labels. Per labelled frame, detections (at or above `minScore`) are taken best
 * score first; each claims the unclaimed labelled face it overlaps most, if that IoU ≥ `iou` (a true positive,
 * banded by the labelled face's width). A detection that claims nothing is dropped when it overlaps a face
 * treated as ignore by ≥ `iou` or lies ≥ `ignoreCover` inside an ignore region; otherwise it is a false positive,
 * banded by its own width (a second box on an already claimed face is a false positive too). Labelled faces left
 * unclaimed are misses. Detections on frames that are not labelled are not scored.
 */
export function scoreDetections(labels: RealLabels, detections: readonly Detection[], opts: ScoreOptions = {}): Score {
  const thr = opts.iou ?? 0.4;
  const minScore = opts.minScore ?? 0;
  const cover = opts.ignoreCover ?? 0.5;
  const edges = opts.bandEdges ?? [20, 40];
  const ignoreFace = opts.ignoreFace ?? (() => false);

  const byFrame = new Map<string, Detection[]>();
  for (const d of detections) {
    if (d.score < minScore) continue;
    const key = `${path.basename(d.clip)}#${d.frame}`;
    let list = byFrame.get(key);
    if (!list) byFrame.set(key, (list = []));
    list.push(d);
  }

  const total = emptyCounts();
  const bands = Object.fromEntries(BANDS.map((b) => [b, emptyCounts()])) as Record<Band, ReturnType<typeof emptyCounts>>;
  const clips: Record<string, { total: ReturnType<typeof emptyCounts>; bands: Record<Band, ReturnType<typeof emptyCounts>> }> = {};
  const frames: Score['frames'] = [];

  for (const clip of labels.clips) {
    const c = (clips[clip.file] = { total: emptyCounts(), bands: Object.fromEntries(BANDS.map((b) => [b, emptyCounts()])) as Record<Band, ReturnType<typeof emptyCounts>> });
    const add = (band: Band, key: 'tp' | 'fp' | 'fn' | 'fpOnFace' | 'ignored'): void => {
      total[key]++;
      bands[band][key]++;
      c.total[key]++;
      c.bands[band][key]++;
    };
    for (const fr of clip.frames) {
      const counted = fr.faces.map((f, i) => ({ f, i })).filter(({ f }) => !ignoreFace(f));
      const ignoredFaces = fr.faces.filter((f) => ignoreFace(f));
      const dets = [...(byFrame.get(`${clip.file}#${fr.index}`) ?? [])].sort((a, b) => b.score - a.score || a.box[1] - b.box[1] || a.box[0] - b.box[0]);
      const claimed = new Set<number>();
      const out: Score['frames'][number] = { clip: clip.file, frame: fr.index, matches: [], falsePositives: [], misses: [] };
      for (const d of dets) {
        let best = -1;
        let bestIou = thr;
        for (const { f, i } of counted) {
          if (claimed.has(i)) continue;
          const v = iou4(d.box, f.box);
          if (v >= bestIou) {
            bestIou = v;
            best = i;
          }
        }
        if (best >= 0) {
          claimed.add(best);
          add(bandOf(fr.faces[best]!.box[2], edges), 'tp');
          out.matches.push({ label: best, detection: d.box, score: d.score, iou: Math.round(bestIou * 1000) / 1000 });
          continue;
        }
        const band = bandOf(d.box[2], edges);
        if (ignoredFaces.some((f) => iou4(d.box, f.box) >= thr) || fr.ignore.some((r) => coveredBy(d.box, r) >= cover)) {
          add(band, 'ignored');
          continue;
        }
        const onFace = fr.faces.some((f) => iou4(d.box, f.box) > 0.1);
        add(band, 'fp');
        if (onFace) add(band, 'fpOnFace');
        out.falsePositives.push({ box: d.box, score: d.score, onFace });
      }
      for (const { f, i } of counted) {
        if (claimed.has(i)) continue;
        add(bandOf(f.box[2], edges), 'fn');
        out.misses.push(i);
      }
      frames.push(out);
    }
  }

  return {
    options: { iou: thr, minScore, ignoreCover: cover, bandEdges: edges, ignoreFace: opts.ignoreFace ? String(opts.ignoreFace) : 'none' },
    total: tally(total),
    bands: Object.fromEntries(BANDS.map((b) => [b, tally(bands[b])])) as Record<Band, Tally>,
    clips: Object.fromEntries(
      Object.entries(clips).map(([k, v]) => [k, { total: tally(v.total), bands: Object.fromEntries(BANDS.map((b) => [b, tally(v.bands[b])])) as Record<Band, Tally> }]),
    ),
    frames,
  };
}

/** A plain-text table of a score: one line per clip and band, then the totals. */
export function formatScore(s: Score): string {
  const pct = (v: number | null): string => (v === null ? '   –  ' : `${(v * 100).toFixed(1).padStart(5)}%`);
  const line = (name: string, t: Tally): string =>
    `${name.padEnd(40)} ${String(t.tp).padStart(4)} ${String(t.fp).padStart(4)} ${String(t.fn).padStart(4)}  ${pct(t.precision)}  ${pct(t.recall)}  ${String(t.fpOnFace).padStart(4)} ${String(t.ignored).padStart(4)}`;
  const rows = [`${'clip / face width'.padEnd(40)}   TP   FP   FN  precision  recall  FPon  ign`];
  for (const [clip, c] of Object.entries(s.clips)) {
    for (const b of BANDS) rows.push(line(`${clip} ${b}`, c.bands[b]));
    rows.push(line(`${clip} all`, c.total));
  }
  for (const b of BANDS) rows.push(line(`all clips ${b}`, s.bands[b]));
  rows.push(line('all clips all', s.total));
  return rows.join('\n');
}

function main(): void {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: realLabels DETECTIONS.json [--iou 0.4] [--min-score 0.4] [--labels FILE]');
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Detection[] | { detections: Detection[] };
  const dets = Array.isArray(raw) ? raw : raw.detections;
  const labels = loadLabels(opt('--labels'));
  const s = scoreDetections(labels, dets, { iou: Number(opt('--iou') ?? 0.4), minScore: Number(opt('--min-score') ?? 0) });
  process.stdout.write(`${formatScore(s)}\n`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
