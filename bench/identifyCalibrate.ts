/**
 * Calibration of identification scores: writes models/calibration/identify-v1.json (and its SHA-256 into
 * models/manifest.json `calibrations`) from lfw-dev, reproducibly (fixed seed, fixed split, fixed order).
 *
 *   npm run build && node dist/bench/identifyCalibrate.js [--dataset DIR] [--probes-per-person K] [--frames F] [--bands-per-probe 4|2|1] [--max-people N] [--dry-run]
 *
 * Population: ../shared/data/lfw-dev (832 people), split BY PERSON into a calibration half and a test half
 * (first byte of sha256('sightline-calibration:' + name) even → calibration). In each half the gallery is every
 * person's first photo at full size; probes are their next photos (at most K), each degraded as
 * `sightline bench identify` does to one face width per band (drawn uniformly inside the band) through H.264 at
 * CRF 23, 28 or 33 in turn, and compared as an F-frame track template. Per band, from the calibration half only:
 * same-person (genuine) and different-person (impostor) score distributions, thresholds at FMR 1e-2/1e-3/1e-4,
 * and the likelihood-ratio model (logistic, λ = 1e-3, bounded by the data). The test half is then scored with
 * those numbers: measured FMR at each threshold, TAR, Cllr — out-of-sample figures. The gate's similarity scale
 * comes from clean full-size photos of the calibration half.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '../platform/hashing';
import { repoRoot } from '../models/paths';
import { getModel, loadManifest } from '../models/manifest';
import { inCalibrationHalf, runBench, listDataset, type BenchData, type ProbeResult } from '../workers/identify/bench';
import { faceresRecognizer, FACERES_INPUT } from '../workers/identify/recognizer';
import { releaseAll } from '../workers/inference/session';
import { cllr, fitLogisticLr, fractionAbove, log10Lr, mean, sorted, std, thresholdAtFmr } from '../domain/identifyStats';
import { SIZE_BANDS, TEMPLATE_RULE, type BandCalibration, type IdentifyCalibration } from '../domain/identify';

const BAND_SIZES: Record<string, [number, number]> = { xs: [14, 24], s: [25, 40], m: [41, 64], l: [65, 112] };
const CRFS = [23, 28, 33];
const FMRS = [1e-2, 1e-3, 1e-4];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}


/** Deterministic draw in [lo, hi] from a probe index and band. */
function sizeFor(probeIndex: number, band: string): number {
  const [lo, hi] = BAND_SIZES[band]!;
  const u = parseInt(sha256Hex(`${probeIndex}:${band}`).slice(0, 8), 16) / 0xffffffff;
  return Math.round(lo + u * (hi - lo));
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

interface Scores {
  genuine: number[];
  impostor: number[];
}

function bandScores(data: BenchData, band: (typeof SIZE_BANDS)[number]): Scores {
  const probes = data.probes.filter((p) => p.faceWidth > band.minWidth && p.faceWidth <= band.maxWidth);
  const out: Scores = { genuine: [], impostor: [] };
  for (const p of probes) {
    const e = p.template.faceres!;
    for (const g of data.gallery) (g.person === p.person ? out.genuine : out.impostor).push(dot(e, g.embeddings.faceres!));
  }
  return out;
}

function cleanScores(data: BenchData): Scores {
  const out: Scores = { genuine: [], impostor: [] };
  const seen = new Set<string>();
  for (const p of data.probes as ProbeResult[]) {
    if (!p.clean || seen.has(p.photo)) continue;
    seen.add(p.photo);
    for (const g of data.gallery) (g.person === p.person ? out.genuine : out.impostor).push(dot(p.clean.faceres!, g.embeddings.faceres!));
  }
  return out;
}

/** Impostor tail: [score, fraction ≥ score] on a log grid of rates from 1/2 down to 1/n. */
function tail(impAsc: readonly number[]): Array<[number, number]> {
  const n = impAsc.length;
  const out: Array<[number, number]> = [];
  const steps = Math.ceil(Math.log10(n) * 8);
  let last = -Infinity;
  for (let k = 0; k <= steps; k++) {
    const rate = Math.max(1 / n, Math.pow(10, -0.30103 - (k * (Math.log10(n) - 0.30103)) / steps));
    const idx = Math.min(n - 1, Math.max(0, n - Math.round(rate * n)));
    const score = impAsc[idx]!;
    if (score <= last) continue;
    last = score;
    out.push([Math.round(score * 1e6) / 1e6, (n - idx) / n]);
  }
  return out;
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

async function main(): Promise<void> {
  const dataset = path.resolve(arg('dataset') ?? path.join(repoRoot(), '..', 'shared', 'data', 'lfw-dev'));
  if (!fs.existsSync(dataset)) {
    process.stdout.write(`identify calibration: ${dataset} is absent; nothing to do (the committed calibration stays)\n`);
    return;
  }
  const perPerson = Number(arg('probes-per-person') ?? 2);
  const frames = Number(arg('frames') ?? 8);
  const maxPeople = arg('max-people') === undefined ? undefined : Number(arg('max-people'));
  // Each probe photo gives one probe per band, or (to cut the work) two of the four bands (xs + m, s + l) or one,
  // in turn by probe, so every band gets the same number of probes.
  const bandsPerProbe = Number(arg('bands-per-probe') ?? 4);
  const bandsFor = (i: number): typeof SIZE_BANDS =>
    bandsPerProbe >= 4 ? SIZE_BANDS : bandsPerProbe >= 2 ? SIZE_BANDS.filter((_, k) => k % 2 === i % 2) : [SIZE_BANDS[i % SIZE_BANDS.length]!];
  const people = listDataset(dataset).map((p) => p.person);
  const calPeople = people.filter(inCalibrationHalf);
  const testPeople = people.filter((p) => !inCalibrationHalf(p));
  const t0 = performance.now();
  const run = (who: string[], seed: number): Promise<BenchData> =>
    runBench({
      dataset,
      recognizers: ['faceres'],
      people: who,
      ...(maxPeople !== undefined ? { maxPeople } : {}),
      probesPerPerson: perPerson,
      sizesFor: (i) => bandsFor(i).map((b) => sizeFor(i + seed * 100000, b.id)),
      codecFor: (i, size) => ({ crf: CRFS[(i + size) % CRFS.length]!, preset: 'medium', keyint: 1 }),
      frames,
      seed,
      cleanProbe: true,
      onProgress: (p) => process.stderr.write(`\r${who === calPeople ? 'calibration' : 'test'} half: ${p.current}/${p.total} photos, ${((performance.now() - t0) / 1000).toFixed(0)} s   `),
    });
  const cal = await run(calPeople, 1);
  process.stderr.write('\n');
  const test = await run(testPeople, 2);
  process.stderr.write('\n');
  await releaseAll();

  const model = getModel('identity-embedder');
  const clean = cleanScores(cal);
  const bands: BandCalibration[] = SIZE_BANDS.map((b) => {
    const s = bandScores(cal, b);
    const t = bandScores(test, b);
    const g = sorted(s.genuine);
    const i = sorted(s.impostor);
    const lr = fitLogisticLr(g, i, 1e-3);
    const thresholds = FMRS.map((fmr) => {
      const score = thresholdAtFmr(i, fmr);
      return { fmr, score: score === null ? null : r6(score), tar: score === null ? null : r6(fractionAbove(g, score)) };
    });
    const tg = sorted(t.genuine);
    const ti = sorted(t.impostor);
    return {
      band: b.id,
      label: b.label,
      sizes: BAND_SIZES[b.id]!,
      genuine: { n: g.length, mean: r6(mean(g)), std: r6(std(g)) },
      impostor: { n: i.length, mean: r6(mean(i)), std: r6(std(i)), tail: tail(i) },
      thresholds,
      lr: { ...lr, a: r6(lr.a), b: r6(lr.b), log10Bounds: [r6(lr.log10Bounds[0]), r6(lr.log10Bounds[1])] as const },
      test: {
        genuine: tg.length,
        impostor: ti.length,
        fmrAtThresholds: thresholds.map((th) => ({ fmr: th.fmr, measuredFmr: th.score === null ? null : r6(fractionAbove(ti, th.score)), tar: th.score === null ? null : r6(fractionAbove(tg, th.score)) })),
        cllr: r6(cllr(tg.map((v) => log10Lr(lr, v)), ti.map((v) => log10Lr(lr, v)))),
        cllrCalibrationHalf: r6(cllr(g.map((v) => log10Lr(lr, v)), i.map((v) => log10Lr(lr, v)))),
      },
    };
  });
  const r = faceresRecognizer();
  const calibration: IdentifyCalibration = {
    id: 'identify-v1',
    version: 1,
    createdAt: new Date().toISOString().slice(0, 10),
    recognizer: { id: r.id, modelId: model.id, modelSha256: model.sha256, describe: r.describe },
    reference: `lfw-dev (Labeled Faces in the Wild, development half: ${people.length} people; news photographs of public figures, 250×250 JPEG, deep-funneled), calibration half: ${calPeople.length} people, ${cal.gallery.length} in the gallery (first photo each, full size), ${new Set(cal.probes.map((p) => p.photo)).size} probe photos (at most ${perPerson} per person), each degraded synthetically as stated under condition — not real surveillance footage`,
    condition: `each probe photo degraded to one face width in ${bandsPerProbe >= 4 ? 'each of the four bands' : bandsPerProbe >= 2 ? 'two of the four bands (xs + m, s + l, alternating by probe)' : 'one band (the four in turn by probe)'} (drawn uniformly in ${SIZE_BANDS.map((b) => `${b.id} ${BAND_SIZES[b.id]!.join('–')} px`).join(', ')}; never above the photo's own face): sub-pixel shifts, blur σ 0.58 px, noise σ 0.01, H.264 CRF ${CRFS.join('/')} in turn (x264 medium, every frame intra-coded), ×${TEMPLATE_RULE.upscale} bicubic + landmarks found again, ${frames}-frame quality-weighted template; scores = cosine with the full-size reference photo's embedding (faceres input ${FACERES_INPUT})`,
    split: `by person: first byte of sha256('sightline-calibration:' + name) even → calibration half (${calPeople.length} people), odd → test half (${testPeople.length} people; figures under "test" are measured there, never fitted)`,
    reproduce: `npm run build && node dist/bench/identifyCalibrate.js --probes-per-person ${perPerson} --frames ${frames} --bands-per-probe ${bandsPerProbe} (reads ../shared/data/lfw-dev; writes this file and its SHA-256 into models/manifest.json)`,
    similarity: { impostorMean: r6(mean(clean.impostor)), genuineMean: r6(mean(clean.genuine)), measuredOn: `clean full-size photos of the calibration half: ${clean.genuine.length} same-person and ${clean.impostor.length} different-person pairs` },
    bands,
  };
  const json = `${JSON.stringify(calibration, null, 2)}\n`;
  const report = { seconds: (performance.now() - t0) / 1000, skipped: { calibration: cal.skipped, test: test.skipped }, calibration };
  fs.mkdirSync(path.join(repoRoot(), 'bench', 'out'), { recursive: true });
  fs.writeFileSync(path.join(repoRoot(), 'bench', 'out', 'identify-calibration-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  for (const b of bands) {
    process.stdout.write(
      `${b.label.padEnd(9)} genuine ${b.genuine.n} (mean ${b.genuine.mean.toFixed(3)}), impostor ${b.impostor.n} (mean ${b.impostor.mean.toFixed(3)}); ` +
        `${b.thresholds.map((t) => `FMR ${t.fmr}: score ${t.score?.toFixed(3) ?? '—'} TAR ${t.tar === null ? '—' : (t.tar * 100).toFixed(1)} %`).join('; ')}; ` +
        `test: ${b.test.fmrAtThresholds.map((t) => `FMR ${t.measuredFmr === null ? '—' : t.measuredFmr.toExponential(1)} TAR ${t.tar === null ? '—' : (t.tar * 100).toFixed(1)} %`).join('; ')}; Cllr ${b.test.cllr.toFixed(3)} (cal ${b.test.cllrCalibrationHalf.toFixed(3)})\n`,
    );
  }
  if (process.argv.includes('--dry-run')) return;
  const file = path.join(repoRoot(), 'models', 'calibration', 'identify-v1.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
  const manifest = loadManifest(true);
  const entry = { id: 'identify-v1', file: 'calibration/identify-v1.json', sha256: sha256Hex(json), model: 'identity-embedder', description: 'identification score calibration per face-size band (lfw-dev, bench/identifyCalibrate.ts)' };
  manifest.calibrations = [...(manifest.calibrations ?? []).filter((c) => c.id !== entry.id), entry];
  fs.writeFileSync(path.join(repoRoot(), 'models', 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`wrote ${file} (sha256 ${entry.sha256}) and the manifest entry; ${(report.seconds / 60).toFixed(1)} min\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`calibration failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
