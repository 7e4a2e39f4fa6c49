/**
 * Single-image exports from the views (Compare, Clip) and the CLI: the enhanced image, the side-by-side
 * comparison (the source crop enlarged nearest-neighbour to the result's size, beside the result), and a frame,
 * each bystander-redacted by default, written where the examiner chose ("Save as"; default exports/), never
 * over a file unless asked, atomically, and audited (`image.export`) with its output hash. The tier label and
 * the record it came from are written into the PNG itself (tEXt chunks), so a copied file still says what it is.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import type { CaseHandle } from '../case';
import { tierLabel } from '../../domain/enhance';
import { describeRedaction } from '../../domain/redaction';
import { SightlineError } from '../../domain/errors';
import { sha256Hex } from '../../platform/hashing';
import { getEnhancement } from '../enhance/records';
import { getEvidence } from '../evidence';
import { EXPORT_PNG } from '../redaction/apply';
import { prepareExportImages, type ExportImage, type PreparedImages } from './images';
import { checkOutputPath, writeFileAtomic } from './output';
import { resolveSelection } from './selection';

export type ImageExportKind = 'enhanced' | 'comparison' | 'frame';

export interface ImageExportRequest {
  readonly kind: ImageExportKind;
  readonly enhancementId?: number;
  readonly evidenceId?: number;
  readonly index?: number;
  /** Tracks whose faces stay visible in a frame export (an enhancement's own track is always kept). */
  readonly keepTrackIds?: readonly number[];
  readonly redact?: boolean;
  readonly reason?: string | null;
  readonly path?: string;
  readonly force?: boolean;
  readonly signal?: AbortSignal;
}

export interface ImageExport {
  readonly kind: ImageExportKind;
  readonly path: string;
  readonly sha256: string;
  readonly width: number;
  readonly height: number;
  readonly redaction: { readonly enabled: boolean; readonly reason: string | null; readonly regions: number };
  readonly label: string | null;
}

/** Insert tEXt chunks after a PNG's IHDR (keyword/value pairs, Latin-1 per the PNG spec). */
export function withPngText(png: Buffer, text: Record<string, string>): Buffer {
  const ihdrEnd = 8 + 4 + 4 + 13 + 4;
  const chunks = Object.entries(text).map(([k, v]) => {
    const data = Buffer.concat([Buffer.from(k, 'latin1'), Buffer.from([0]), Buffer.from(v.replace(/[^\x20-\x7e\xa0-\xff]/g, (ch) => (ch === '—' ? '-' : '?')), 'latin1')]);
    const type = Buffer.from('tEXt', 'latin1');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([type, data])) >>> 0);
    return Buffer.concat([len, type, data, crc]);
  });
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

function defaultName(c: CaseHandle, r: ImageExportRequest): string {
  const suffix = r.redact === false ? '' : '-redacted';
  if (r.kind === 'frame') return path.join(c.paths.exports, `evidence${r.evidenceId}-frame${r.index}${suffix}.png`);
  return path.join(c.paths.exports, `enhancement${r.enhancementId}-${r.kind}${suffix}.png`);
}

/** The default file of an export (the Save-as dialog starts there). */
export function defaultImageExportPath(c: CaseHandle, r: Pick<ImageExportRequest, 'kind' | 'enhancementId' | 'evidenceId' | 'index' | 'redact'>): string {
  return defaultName(c, r);
}

async function comparison(src: ExportImage, res: ExportImage): Promise<{ png: Buffer; width: number; height: number }> {
  const gap = 8;
  const h = res.height;
  const factor = Math.max(1, Math.round(res.height / src.height));
  const sw = src.width * factor;
  const sh = src.height * factor;
  const left = await sharp(src.png).resize(sw, sh, { kernel: 'nearest' }).png().toBuffer();
  const width = sw + gap + res.width;
  const height = Math.max(sh, h);
  const png = await sharp({ create: { width, height, channels: 3, background: { r: 255, g: 255, b: 255 } } })
    .composite([
      { input: left, left: 0, top: 0 },
      { input: res.png, left: sw + gap, top: 0 },
    ])
    .png(EXPORT_PNG)
    .toBuffer();
  return { png, width, height };
}

export async function exportImage(c: CaseHandle, r: ImageExportRequest): Promise<ImageExport> {
  if ((r.kind === 'frame') !== (r.evidenceId !== undefined && r.index !== undefined)) throw new SightlineError('INVALID_INPUT', 'a frame export needs an evidence id and a frame index (and nothing else)');
  if (r.kind !== 'frame' && r.enhancementId === undefined) throw new SightlineError('INVALID_INPUT', `an ${r.kind} export needs an enhancement id`);
  const dest = checkOutputPath(c, r.path ?? defaultName(c, r), { kind: 'file', extensions: ['.png'], force: r.force ?? false });
  const selection = resolveSelection(c, {
    enhancementIds: r.kind === 'frame' ? [] : [r.enhancementId!],
    frames: r.kind === 'frame' ? [{ evidenceId: r.evidenceId!, index: r.index! }] : [],
    keepTrackIds: [...(r.keepTrackIds ?? [])],
    redact: r.redact ?? true,
    reason: r.reason ?? null,
  });
  const prepared: PreparedImages = await prepareExportImages(c, selection, r.signal ? { signal: r.signal } : {});
  const pick = (role: ExportImage['role']): ExportImage => prepared.images.find((i) => i.role === role)!;
  let out: { png: Buffer; width: number; height: number };
  let used: ExportImage[];
  let label: string | null = null;
  const text: Record<string, string> = { Software: 'Sightline', 'Case number': c.info.caseNumber };
  if (r.kind === 'frame') {
    const f = pick('frame');
    out = f;
    used = [f];
    const e = getEvidence(c, r.evidenceId!);
    text.Title = `${e.originalName}, frame ${r.index}`;
    text.Source = `evidence ${e.id} SHA-256 ${e.sha256}`;
  } else {
    const e = getEnhancement(c, r.enhancementId!);
    label = tierLabel(e.tier);
    const res = pick('result');
    if (r.kind === 'enhanced') {
      out = res;
      used = [res];
    } else {
      const src = pick('source-crop');
      out = await comparison(src, res);
      used = [src, res];
    }
    text.Title = r.kind === 'enhanced' ? `Enhancement ${e.id} (${e.mode} x${e.scale})` : `Enhancement ${e.id}: original (left, nearest-neighbour) beside the result (right)`;
    text.Description = label;
    text.Source = `enhancement ${e.id} output SHA-256 ${e.outputSha256}`;
  }
  text.Comment = selection.redact ? `bystanders redacted: ${describeRedaction(prepared.redaction.method)}` : `redaction OFF: ${selection.reason}`;
  const png = withPngText(out.png, text);
  const sha256 = sha256Hex(png);
  writeFileAtomic(dest, png);
  const regions = used.reduce((n, i) => n + i.redaction.regions.length, 0);
  c.audit.append({
    action: 'image.export',
    params: {
      kind: r.kind,
      path: dest,
      enhancementId: r.enhancementId ?? null,
      evidenceId: r.evidenceId ?? null,
      index: r.index ?? null,
      label,
      width: out.width,
      height: out.height,
      redaction: {
        enabled: selection.redact,
        reason: selection.reason,
        method: prepared.redaction.method,
        keptTrackIds: prepared.redaction.keptTrackIds,
        regions: used.flatMap((i) => i.redaction.regions.map((x) => ({ image: i.role, ...x }))),
      },
    },
    inputs: used.map((i) => ({ sha256: i.sourceSha256, role: `source-${i.role}`, name: i.caption })),
    outputs: [{ sha256, role: 'image-export', name: path.basename(dest) }],
  });
  return { kind: r.kind, path: dest, sha256, width: out.width, height: out.height, redaction: { enabled: selection.redact, reason: selection.reason, regions }, label };
}
