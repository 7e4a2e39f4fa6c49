/**
 * `sightline bench identify DATASET …`: 1:N identification on any folder-per-person photo set, the way footage
 * degrades faces (workers/identify/bench.ts): gallery = each person's first photo at full size, probes = their
 * next photos with the face downscaled to each size (optionally through H.264), identified as a single frame and
 * as a track template of F frames; rank-1, rank-10 and TAR at FMR 1e-2 / 1e-3 per size, CMC/DET plots as SVG.
 * Runs in this process (no case is opened); Ctrl-C cancels.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '../command';
import { SightlineError } from '../../../domain/errors';
import { inCalibrationHalf, listDataset, runBench, type CodecSpec } from '../../../workers/identify/bench';
import { formatTable, gateFigures, plotSvg, scoreBench, scoresFor } from '../../../workers/identify/benchScore';
import { RECOGNIZER_IDS, type RecognizerId } from '../../../workers/identify/recognizer';
import { releaseAll } from '../../../workers/inference/session';
import { DEFAULT_GATE } from '../../../domain/identify';
import { EXIT } from '../exitCodes';
import { str } from './shared';

function intList(raw: string | undefined, what: string, dflt: number[], min: number, max: number): number[] {
  if (raw === undefined) return dflt;
  const v = raw.split(',').map((s) => s.trim());
  if (v.some((s) => !/^\d+$/.test(s) || Number(s) < min || Number(s) > max)) throw new SightlineError('INVALID_INPUT', `${what} must be whole numbers from ${min} to ${max} separated by commas, got ${JSON.stringify(raw)}`);
  return v.map(Number);
}

function int(raw: string | undefined, what: string, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < min || Number(raw) > max) throw new SightlineError('INVALID_INPUT', `${what} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** `crf:30`, `crf:30,preset:veryfast,keyint:1`, or `none`. */
export function parseCodec(raw: string | undefined): CodecSpec | null {
  if (raw === undefined || raw === 'none') return null;
  const spec: { crf?: number; preset: string; keyint: number } = { preset: 'medium', keyint: 1 };
  for (const part of raw.split(',')) {
    const [k, v] = part.split(':').map((s) => s.trim());
    if (k === 'crf' && v && /^\d+$/.test(v) && Number(v) <= 51) spec.crf = Number(v);
    else if (k === 'preset' && v && /^[a-z]+$/.test(v)) spec.preset = v;
    else if (k === 'keyint' && v && /^\d+$/.test(v) && Number(v) >= 1) spec.keyint = Number(v);
    else throw new SightlineError('INVALID_INPUT', `--codec must look like crf:30[,preset:medium][,keyint:1] or none, got ${JSON.stringify(raw)}`);
  }
  if (spec.crf === undefined) throw new SightlineError('INVALID_INPUT', `--codec needs crf:N, got ${JSON.stringify(raw)}`);
  return { crf: spec.crf, preset: spec.preset, keyint: spec.keyint };
}

export const benchIdentifyCmd: Command = {
  path: ['bench', 'identify'],
  summary: 'benchmark 1:N identification on a folder-per-person photo set at small face sizes (single frame vs track template)',
  usage: 'bench identify DATASET [--sizes 20,32,48] [--codec crf:30] [--half calibration|test] [--max-people N] [--probe-people M] [--probes-per-person K] [--frames F] [--models faceres,dlib] [--gate] [--plot FILE.svg] [--json]',
  positionals: [1, 1],
  options: {
    sizes: { type: 'string' },
    codec: { type: 'string' },
    'max-people': { type: 'string' },
    'probe-people': { type: 'string' },
    half: { type: 'string' },
    'probes-per-person': { type: 'string' },
    frames: { type: 'string' },
    models: { type: 'string' },
    seed: { type: 'string' },
    gate: { type: 'boolean' },
    plot: { type: 'string' },
  },
  async run([dataset], values, ctx) {
    const sizes = intList(str(values, 'sizes'), '--sizes', [20, 32, 48], 8, 512);
    const codec = parseCodec(str(values, 'codec'));
    const maxRaw = str(values, 'max-people');
    const maxPeople = maxRaw === undefined ? undefined : int(maxRaw, '--max-people', 0, 2, 1_000_000);
    const half = str(values, 'half');
    if (half !== undefined && half !== 'calibration' && half !== 'test') throw new SightlineError('INVALID_INPUT', `--half must be calibration or test, got ${JSON.stringify(half)}`);
    const probeRaw = str(values, 'probe-people');
    const probePeople = probeRaw === undefined ? undefined : int(probeRaw, '--probe-people', 0, 1, 1_000_000);
    const probesPerPerson = int(str(values, 'probes-per-person'), '--probes-per-person', 2, 1, 1000);
    const frames = int(str(values, 'frames'), '--frames', 16, 1, 64);
    const seed = int(str(values, 'seed'), '--seed', 1, 0, 2 ** 31);
    const models = (str(values, 'models') ?? 'faceres').split(',').map((s) => s.trim());
    for (const m of models) if (!(RECOGNIZER_IDS as readonly string[]).includes(m)) throw new SightlineError('INVALID_INPUT', `--models must name ${RECOGNIZER_IDS.join(' and/or ')}, got ${JSON.stringify(m)}`);
    const plot = str(values, 'plot');
    if (plot && !fs.existsSync(path.dirname(path.resolve(plot)))) throw new SightlineError('FILE_NOT_FOUND', `no folder for the plot: ${path.dirname(path.resolve(plot))}`);
    const t0 = performance.now();
    try {
      const data = await runBench({
        dataset: path.resolve(dataset!),
        recognizers: models as RecognizerId[],
        ...(maxPeople !== undefined ? { maxPeople } : {}),
        ...(probePeople !== undefined ? { probePeople } : {}),
        // The calibration's split by person: `test` measures on people the calibration never saw.
        ...(half !== undefined ? { people: listDataset(path.resolve(dataset!)).map((p) => p.person).filter((p) => inCalibrationHalf(p) === (half === 'calibration')) } : {}),
        probesPerPerson,
        sizesFor: () => sizes,
        codecFor: () => codec,
        frames,
        seed,
        gateQuality: values.gate === true,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress(p),
      });
      ctx.progressDone();
      const results = scoreBench(data);
      const seconds = (performance.now() - t0) / 1000;
      const gate =
        values.gate === true
          ? [...new Set(data.probes.map((p) => p.size))].flatMap((size) =>
              data.recognizers.map((r) => {
                const probes = data.probes.filter((p) => p.size === size);
                const s = scoresFor(data, probes, r.id, 'template');
                // The gate's similarity here is linear on this run's own same/different means (in-sample: for the
                // product's mapping see the calibration file).
                const g = s.genuine.reduce((a, b) => a + b, 0) / s.genuine.length;
                const i = s.impostor.reduce((a, b) => a + b, 0) / s.impostor.length;
                return { size, recognizer: r.id, ...gateFigures(s, (x) => (x - i) / (g - i), DEFAULT_GATE.minQuality, DEFAULT_GATE.minSimilarity) };
              }),
            )
          : null;
      if (plot) {
        const title = `${path.basename(path.resolve(dataset!))}: ${data.gallery.length}-person gallery, ${codec ? `H.264 CRF ${codec.crf}` : 'no codec'}, ${frames}-frame templates`;
        fs.writeFileSync(plot, plotSvg(results, title));
      }
      const setup = `${path.resolve(dataset!)}${half ? ` (${half} half of the calibration's split by person)` : ''}: gallery ${data.gallery.length} people (first photo each, full size); ${data.probes.length} probe conditions from ${new Set(data.probes.map((p) => p.photo)).size} photos of ${new Set(data.probes.map((p) => p.person)).size} people; sizes ${sizes.join(', ')} px; ${codec ? `H.264 CRF ${codec.crf} (${codec.preset}, keyint ${codec.keyint})` : 'no codec'}; template = ${frames} frames (sub-pixel shifts, sensor noise σ 0.01, independent codec noise); ${data.skipped.length} photo(s) skipped (no face)`;
      ctx.print({ ok: true, setup, recognizers: data.recognizers, seconds, skipped: data.skipped, results, gate }, () =>
        [
          setup,
          ...data.recognizers.map((r) => `  ${r.id}: ${r.describe}`),
          '',
          formatTable(results),
          ...(gate ? ['', 'dual gate (template quality > 0.6 and similarity > 0.7, similarity on this run\'s own means):', ...gate.map((g) => `  ${g.size} px ${g.recognizer}: recall ${(g.recall * 100).toFixed(1)} %, false passes ${(g.falsePassPerProbe * 100).toFixed(1)} % of probes, quality passes ${(g.qualityPass * 100).toFixed(1)} %`)] : []),
          '',
          `${seconds.toFixed(0)} s${plot ? `; plots: ${plot}` : ''}`,
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      ctx.progressDone();
      await releaseAll();
    }
  },
};
