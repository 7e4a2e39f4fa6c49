/**
 * Scoring of a benchmark run (workers/identify/bench.ts): for each probe condition (face size, codec) and each
 * way of making the probe (one frame, track template; per recogniser, and the two recognisers fused), the
 * closed-set identification figures (rank-1, rank-10, CMC) against the whole gallery and the verification
 * figures (TAR at FMR 1e-2 and 1e-3, DET) from the same scores: genuine = the probe against its own person's
 * gallery photo, impostor = against everyone else's. Also the CMC and DET plots as SVG.
 */
import { cmc, detCurve, fractionAbove, mean, rankOf, sorted, std, tarAtFmr, thresholdAtFmr } from '../../domain/identifyStats';
import type { BenchData, ProbeResult } from './bench';

export type ProbeMode = 'single' | 'template' | 'templateUniform' | 'singleLowRes' | 'templateLowRes';

export interface ConditionScores {
  readonly genuine: number[];
  readonly impostor: number[];
  readonly ranks: number[];
  /** Per probe: the genuine score and the best impostor score (for the gate analysis). */
  readonly perProbe: Array<{ genuine: number; bestImpostor: number; rank: number; gateQuality: number | null }>;
}

export interface ConditionResult {
  readonly size: number;
  readonly codec: string;
  readonly method: string;
  readonly mode: ProbeMode;
  readonly probes: number;
  readonly gallery: number;
  readonly rank1: number;
  readonly rank10: number;
  readonly tarAt1e2: number | null;
  readonly tarAt1e3: number | null;
  readonly cmc: number[];
  readonly det: Array<{ fmr: number; fnmr: number; threshold: number }>;
  readonly genuineMean: number;
  readonly impostorMean: number;
  readonly impostorStd: number;
}

const codecLabel = (p: ProbeResult): string => (p.codec ? `H.264 CRF ${p.codec.crf}` : 'no codec');

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** All scores of one recogniser (or 'fusion': the mean of both recognisers' z-normalised scores). */
export function scoresFor(data: BenchData, probes: readonly ProbeResult[], method: string, mode: ProbeMode): ConditionScores {
  const people = data.gallery.map((g) => g.person);
  const rawScores = (id: string): number[][] =>
    probes.map((p) => {
      const e = p[mode]?.[id];
      if (!e) throw new Error(`no ${mode} embedding for ${id}`);
      return data.gallery.map((g) => dot(e, g.embeddings[id]!));
    });
  let matrix: number[][];
  if (method === 'fusion') {
    const ids = data.recognizers.map((r) => r.id);
    const parts = ids.map((id) => {
      const m = rawScores(id);
      // z-normalisation on this condition's own impostor scores (stated as in-sample in the report).
      const imp: number[] = [];
      m.forEach((row, i) => row.forEach((s, j) => { if (people[j] !== probes[i]!.person) imp.push(s); }));
      const mu = mean(imp);
      const sd = std(imp) || 1;
      return m.map((row) => row.map((s) => (s - mu) / sd));
    });
    matrix = parts[0]!.map((row, i) => row.map((_, j) => parts.reduce((s, m) => s + m[i]![j]!, 0) / parts.length));
  } else matrix = rawScores(method);
  const genuine: number[] = [];
  const impostor: number[] = [];
  const ranks: number[] = [];
  const perProbe: ConditionScores['perProbe'] = [];
  matrix.forEach((row, i) => {
    const own = people.indexOf(probes[i]!.person);
    const g = row[own]!;
    const imps = row.filter((_, j) => j !== own);
    genuine.push(g);
    impostor.push(...imps);
    const rank = rankOf(g, imps);
    ranks.push(rank);
    perProbe.push({ genuine: g, bestImpostor: imps.length ? Math.max(...imps) : -Infinity, rank, gateQuality: probes[i]!.gateQuality });
  });
  return { genuine, impostor, ranks, perProbe };
}

/** Every condition × method × mode of a run. */
export function scoreBench(data: BenchData, modes: readonly ProbeMode[] = ['single', 'template']): ConditionResult[] {
  const methods = [...data.recognizers.map((r) => r.id), ...(data.recognizers.length > 1 ? ['fusion'] : [])];
  const groups = new Map<string, ProbeResult[]>();
  for (const p of data.probes) {
    const key = `${p.size}|${codecLabel(p)}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const out: ConditionResult[] = [];
  for (const [key, probes] of [...groups.entries()].sort((a, b) => Number(a[0].split('|')[0]) - Number(b[0].split('|')[0]))) {
    const [size, codec] = key.split('|') as [string, string];
    for (const mode of modes) {
      if (!probes[0]![mode]) continue;
      for (const method of methods) {
        const s = scoresFor(data, probes, method, mode);
        const g = sorted(s.genuine);
        const i = sorted(s.impostor);
        const c = cmc(s.ranks, 20);
        out.push({
          size: Number(size),
          codec,
          method,
          mode,
          probes: probes.length,
          gallery: data.gallery.length,
          rank1: c[0]!,
          rank10: c[9]!,
          tarAt1e2: tarAtFmr(g, i, 1e-2),
          tarAt1e3: tarAtFmr(g, i, 1e-3),
          cmc: c,
          det: detCurve(g, i),
          genuineMean: mean(s.genuine),
          impostorMean: mean(s.impostor),
          impostorStd: std(s.impostor),
        });
      }
    }
  }
  return out;
}

/**
 * The dual gate on benchmark probes: a candidate passes when the template's quality > minQuality and the
 * calibrated similarity of its score > minSimilarity. Recall = genuine candidates passing; false passes =
 * impostor candidates (the best-scoring other person) passing, per probe.
 */
export function gateFigures(scores: ConditionScores, similarity: (score: number) => number, minQuality: number, minSimilarity: number): { recall: number; falsePassPerProbe: number; qualityPass: number } {
  const n = scores.perProbe.length;
  const q = (p: (typeof scores.perProbe)[number]): boolean => p.gateQuality !== null && p.gateQuality > minQuality;
  const recall = scores.perProbe.filter((p) => q(p) && similarity(p.genuine) > minSimilarity).length / n;
  const falsePass = scores.perProbe.filter((p) => q(p) && similarity(p.bestImpostor) > minSimilarity).length / n;
  return { recall, falsePassPerProbe: falsePass, qualityPass: scores.perProbe.filter(q).length / n };
}

export { fractionAbove, thresholdAtFmr };

const pct = (v: number | null): string => (v === null ? '  —  ' : `${(v * 100).toFixed(1)} %`);

/** The table the CLI prints. */
export function formatTable(results: readonly ConditionResult[]): string {
  const head = ['face', 'codec', 'recogniser', 'probe', 'rank-1', 'rank-10', 'TAR@1e-2', 'TAR@1e-3', 'probes'];
  const rows = results.map((r) => [`${r.size} px`, r.codec, r.method, r.mode === 'template' ? 'track template' : r.mode === 'single' ? 'single frame' : r.mode, pct(r.rank1), pct(r.rank10), pct(r.tarAt1e2), pct(r.tarAt1e3), String(r.probes)]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** CMC (left) and DET (right) curves of every result, one SVG. */
export function plotSvg(results: readonly ConditionResult[], title: string): string {
  const W = 980, H = 460, pw = 400, ph = 320, top = 60;
  const left1 = 70, left2 = 560;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + results.length * 16}" font-family="sans-serif" font-size="12">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/><text x="${W / 2}" y="24" text-anchor="middle" font-size="15">${esc(title)}</text>`);
  const frame = (x0: number, label: string, xl: string, yl: string): void => {
    parts.push(`<rect x="${x0}" y="${top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
    parts.push(`<text x="${x0 + pw / 2}" y="${top - 8}" text-anchor="middle" font-size="13">${esc(label)}</text>`);
    parts.push(`<text x="${x0 + pw / 2}" y="${top + ph + 36}" text-anchor="middle">${esc(xl)}</text>`);
    parts.push(`<text transform="translate(${x0 - 48},${top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yl)}</text>`);
  };
  frame(left1, 'CMC', 'rank', 'identification rate');
  frame(left2, 'DET', 'false-match rate (log)', 'false non-match rate');
  for (let k = 0; k <= 10; k++) {
    const y = top + ph - (k / 10) * ph;
    parts.push(`<line x1="${left1}" x2="${left1 + pw}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${left1 - 6}" y="${y + 4}" text-anchor="end">${k * 10}%</text>`);
    parts.push(`<line x1="${left2}" x2="${left2 + pw}" y1="${y}" y2="${y}" stroke="#eee"/><text x="${left2 - 6}" y="${y + 4}" text-anchor="end">${k * 10}%</text>`);
  }
  for (let r = 1; r <= 20; r += r < 5 ? 1 : 5) parts.push(`<text x="${left1 + ((r - 1) / 19) * pw}" y="${top + ph + 16}" text-anchor="middle">${r}</text>`);
  const minLog = -5;
  for (let e = minLog; e <= 0; e++) parts.push(`<text x="${left2 + ((e - minLog) / -minLog) * pw}" y="${top + ph + 16}" text-anchor="middle">1e${e}</text>`);
  results.forEach((r, i) => {
    const col = COLOURS[i % COLOURS.length]!;
    const dash = r.mode === 'single' ? ' stroke-dasharray="5,3"' : '';
    const cmcPts = r.cmc.map((v, k) => `${(left1 + (k / 19) * pw).toFixed(1)},${(top + ph - v * ph).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${col}" stroke-width="1.6"${dash} points="${cmcPts}"/>`);
    const detPts = r.det.filter((d) => d.fmr > 0).map((d) => `${(left2 + ((Math.max(minLog, Math.log10(d.fmr)) - minLog) / -minLog) * pw).toFixed(1)},${(top + ph - d.fnmr * ph).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${col}" stroke-width="1.6"${dash} points="${detPts}"/>`);
    const ly = top + ph + 60 + i * 16;
    parts.push(`<line x1="${left1}" x2="${left1 + 30}" y1="${ly - 4}" y2="${ly - 4}" stroke="${col}" stroke-width="2"${dash}/><text x="${left1 + 38}" y="${ly}">${esc(`${r.size} px, ${r.codec}, ${r.method}, ${r.mode === 'single' ? 'single frame' : 'track template'}: rank-1 ${pct(r.rank1)}, TAR@1e-3 ${pct(r.tarAt1e3)}`)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
