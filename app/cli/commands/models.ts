/** `sightline models` (what the model pack holds and whether each file is intact) and `sightline detect IMAGE`. */
import { existsSync } from 'node:fs';
import type { Command } from '../command';
import { SightlineError } from '../../../domain/errors';
import { EXIT } from '../exitCodes';
import { term } from '../../../platform/terminalText';
import { loadManifest, modelPath } from '../../../models/manifest';
import { sha256File } from '../../../platform/hashing';
import { readImage } from '../../../workers/image/image';
import { detectFaces, detectorInputScale } from '../../../workers/faces/detect';
import { releaseAll } from '../../../workers/inference/session';

export type ModelStatus = 'ok' | 'missing' | 'hash-mismatch';

export interface ModelRow {
  id: string;
  role: string;
  name: string;
  source: string;
  license: string;
  file: string;
  expectedSha256: string;
  actualSha256: string | null;
  status: ModelStatus;
}

export async function modelRows(): Promise<ModelRow[]> {
  const rows: ModelRow[] = [];
  for (const m of loadManifest(true).models) {
    const file = modelPath(m);
    const actual = existsSync(file) ? await sha256File(file) : null;
    rows.push({
      id: m.id,
      role: m.role,
      name: m.name,
      source: `${m.package}@${m.packageVersion}`,
      license: m.license,
      file,
      expectedSha256: m.sha256,
      actualSha256: actual,
      status: actual === null ? 'missing' : actual === m.sha256 ? 'ok' : 'hash-mismatch',
    });
  }
  return rows;
}

export const modelsCmd: Command = {
  path: ['models'],
  summary: 'list the model pack: source package, licence, hash and status (ok / missing / hash-mismatch)',
  usage: 'models',
  positionals: [0, 0],
  async run(_positionals, _values, ctx) {
    const rows = await modelRows();
    const bad = rows.filter((r) => r.status !== 'ok');
    ctx.print({ ok: bad.length === 0, models: rows }, () => rows.map((r) => [
      `${r.status === 'ok' ? 'ok           ' : r.status.padEnd(13)} ${r.id}  ${r.name}`,
      `    source   ${r.source}`,
      `    licence  ${r.license}`,
      term`    file     ${r.file}`,
      `    sha256   ${r.expectedSha256}${r.status === 'hash-mismatch' ? `\n    actual   ${r.actualSha256}` : ''}`,
    ].join('\n')).join('\n') + (bad.length ? `\n${bad.length} model(s) not usable: run \`node dist/models/install.js\`` : ''));
    return bad.length ? EXIT.failed : EXIT.ok;
  },
};

export const detectCmd: Command = {
  path: ['detect'],
  summary: 'detect faces (box, score, five landmarks) in an image file',
  usage: 'detect IMAGE [--min-score S] [--json]',
  positionals: [1, 1],
  options: { 'min-score': { type: 'string' } },
  async run([file], values, ctx) {
    if (!existsSync(file!)) throw new SightlineError('FILE_NOT_FOUND', `no such file: ${file}`);
    const minRaw = values['min-score'];
    const minScore = typeof minRaw === 'string' ? Number(minRaw) : 0.5;
    if (!(minScore >= 0 && minScore <= 1)) throw new SightlineError('INVALID_INPUT', `--min-score must be between 0 and 1, got ${String(minRaw)}`);
    let image;
    try {
      image = await readImage(file!, 3);
    } catch (e) {
      throw new SightlineError('UNSUPPORTED_MEDIA', `cannot read ${file} as an image: ${(e as Error).message}`);
    }
    try {
      const faces = await detectFaces(image, { minScore });
      const round = (v: number) => Math.round(v * 10) / 10;
      const out = faces.map((f) => ({
        box: { x: round(f.box.x), y: round(f.box.y), w: round(f.box.w), h: round(f.box.h) },
        score: Math.round(f.score * 1000) / 1000,
        landmarks5: f.landmarks5.map(([x, y]) => [round(x), round(y)]),
      }));
      const scale = detectorInputScale(image.width, image.height);
      ctx.print(
        { ok: true, image: { file, width: image.width, height: image.height }, detectorScale: scale, faces: out },
        () => [
          term`${file}: ${image.width}×${image.height}, ${faces.length} face(s)` +
            (scale < 1 ? ` (searched at ×${scale.toFixed(3)}: faces narrower than ~${Math.ceil(32 / scale)} px are likely missed)` : ''),
          ...out.map((f, i) => `  #${i + 1} score ${f.score.toFixed(3)}  box ${f.box.x},${f.box.y} ${f.box.w}×${f.box.h}  eyes (${f.landmarks5[0]!.join(', ')}) (${f.landmarks5[1]!.join(', ')})`),
        ].join('\n'),
      );
      return EXIT.ok;
    } finally {
      await releaseAll();
    }
  },
};
