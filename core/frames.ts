/**
 * Frame access by index: what the scrubber, the exports and the pipeline use. Frames are decoded once into the
 * derived store (`derived/<sha256>.png`) and served from there; each decode is checked against the pixel MD5
 * recorded at import, so a frame number always means the same pixels.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { scratchPath, type CaseHandle } from './case';
import { adoptDerivedFile, storeDerivedBytes, type DerivedFile } from '../platform/derivedStore';
import { derivedPath, recordDerived } from './derived';
import { SightlineError, fromSystemError } from '../domain/errors';
import { decodeStill, getEvidence, type Evidence } from './evidence';
import { verifiedEvidenceFile } from './evidenceVerify';
import { RGB_CONVERSION_GRAPH, extractFrame } from '../platform/ffmpeg';
import { ffmpegInfo } from '../platform/tools';

/**
 * Cache key of frames decoded through the stated RGB conversion (the one decode path). Frames cached before it
 * (variant 'frame', converted by ffmpeg's defaults) stay recorded in `derived` but are never served again.
 */
const FRAME_VARIANT = 'frame-rgb';

export interface FrameInfo {
  readonly evidenceId: number;
  readonly index: number;
  /** Presentation timestamp in the stream's time base and in seconds (absolute, as in the file). */
  readonly pts: number | null;
  readonly ptsTime: number;
  /** Seconds from the clip's first frame: what the scrubber shows. */
  readonly time: number;
  /** MD5 of the decoded pixels (ffmpeg framemd5). */
  readonly md5: string;
}

export interface FrameImage extends FrameInfo {
  readonly file: DerivedFile;
}

interface FrameRow {
  idx: number;
  pts: number | null;
  pts_time: number;
  md5: string;
}

export function frameInfo(c: CaseHandle, evidenceId: number, index: number): FrameInfo {
  const e = getEvidence(c, evidenceId);
  checkIndex(e, index);
  const row = c.db.prepare('SELECT idx, pts, pts_time, md5 FROM frame_index WHERE evidence_id = ? AND idx = ?').get(evidenceId, index) as FrameRow;
  const first = firstPtsTime(c, evidenceId);
  return { evidenceId, index, pts: row.pts, ptsTime: row.pts_time, time: row.pts_time - first, md5: row.md5 };
}

/** Every frame's time (seconds from the first frame), in index order: for the scrubber's time display. */
export function frameTimes(c: CaseHandle, evidenceId: number): Float64Array {
  getEvidence(c, evidenceId);
  const rows = c.db.prepare('SELECT pts_time FROM frame_index WHERE evidence_id = ? ORDER BY idx').raw().all(evidenceId) as [number][];
  const out = new Float64Array(rows.length);
  const first = rows[0]?.[0] ?? 0;
  rows.forEach((r, i) => (out[i] = r[0] - first));
  return out;
}

function firstPtsTime(c: CaseHandle, evidenceId: number): number {
  return (c.db.prepare('SELECT pts_time FROM frame_index WHERE evidence_id = ? AND idx = 0').get(evidenceId) as { pts_time: number } | undefined)?.pts_time ?? 0;
}

function checkIndex(e: Evidence, index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= e.frameCount) {
    throw new SightlineError('INVALID_INPUT', `frame ${index} is out of range: evidence ${e.id} has frames 0–${e.frameCount - 1}`);
  }
}

/** The frame as a PNG in the derived store, decoding it on first use. */
export async function getFrame(c: CaseHandle, evidenceId: number, index: number, signal?: AbortSignal): Promise<FrameImage> {
  const e = getEvidence(c, evidenceId);
  const info = frameInfo(c, evidenceId, index);
  const cached = c.db.prepare(`SELECT sha256 FROM derived_cache WHERE evidence_id = ? AND idx = ? AND variant = ?`).get(evidenceId, index, FRAME_VARIANT) as
    | { sha256: string }
    | undefined;
  if (cached) {
    const p = derivedPath(c, cached.sha256);
    if (fs.existsSync(p)) return { ...info, file: { sha256: cached.sha256, path: p, width: e.width, height: e.height } };
  }
  const out = scratchPath(c, '.png');
  try {
    // Seek half a second before the frame (keyframe seeking lands at or before it), relative to the file's start.
    const seekTo = e.kind === 'image' || index === 0 || e.noTimestamps ? null : Math.max(0, info.ptsTime - e.startTime - 0.5);
    // The stored file must still be the one imported (its SHA-256, cached by file identity), and the frame's
    // pixels the ones indexed (MD5, checked by the extraction).
    const source = await verifiedEvidenceFile(c, e, { ...(signal ? { signal } : {}) });
    if (e.decoder === 'sharp') await extractStill(source, info.md5, out);
    else await extractFrame(source, { index, pts: info.pts ?? 0, ptsTime: info.ptsTime, md5: info.md5, seekTo, conversion: e.rgbConversion }, out, signal);
    const meta = await sharp(out).metadata();
    const file = adoptDerivedFile(c.paths.derived, out, meta.width ?? e.width, meta.height ?? e.height);
    c.db.transaction(() => {
      const decode =
        e.decoder === 'sharp'
          ? { decoder: 'sharp' }
          : { decoder: 'ffmpeg', conversion: e.rgbConversion, graph: RGB_CONVERSION_GRAPH, ffmpeg: ffmpegInfo().version };
      recordDerived(c, file, { kind: 'frame', evidenceId, params: { index, pts: info.pts, frameMd5: info.md5, pixelFormat: 'rgb24', ...decode }, width: file.width, height: file.height });
      c.db.prepare(`INSERT OR REPLACE INTO derived_cache (evidence_id, idx, variant, sha256) VALUES (?, ?, ?, ?)`).run(evidenceId, index, FRAME_VARIANT, file.sha256);
    })();
    return { ...info, file };
  } finally {
    fs.rmSync(out, { force: true });
  }
}

async function extractStill(file: string, md5: string, out: string): Promise<void> {
  const pixels = await decodeStill(file);
  if (!pixels || crypto.createHash('md5').update(pixels).digest('hex') !== md5) {
    throw new SightlineError('CORRUPT_MEDIA', `the stored image ${path.basename(file)} no longer decodes to the pixels recorded at import`);
  }
  const meta = await sharp(file).metadata();
  await sharp(pixels, { raw: { width: meta.width!, height: meta.height!, channels: 3 } }).png({ compressionLevel: 6, adaptiveFiltering: false }).toFile(out);
}

export interface FrameExport {
  readonly frame: FrameInfo;
  readonly sha256: string;
  readonly path: string;
}

/** Write a frame to a file the investigator chose (or exports/), and audit it. */
export async function exportFrame(c: CaseHandle, evidenceId: number, index: number, outPath?: string, signal?: AbortSignal): Promise<FrameExport> {
  const e = getEvidence(c, evidenceId);
  const frame = await getFrame(c, evidenceId, index, signal);
  const dest = path.resolve(outPath ?? path.join(c.paths.exports, `evidence${e.id}-frame${index}.png`));
  if (fs.existsSync(dest) && fs.statSync(dest).isDirectory()) throw new SightlineError('IS_DIRECTORY', `${dest} is a folder; give a file name ending in .png`);
  const tmp = `${dest}.${process.pid}.part`;
  try {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(frame.file.path, tmp);
    fs.chmodSync(tmp, 0o644);
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw fromSystemError(err, `writing ${dest}`) ?? err;
  }
  c.audit.append({
    action: 'frame.export',
    params: { evidenceId, index, pts: frame.pts, ptsTime: frame.ptsTime, time: frame.time, frameMd5: frame.md5, path: dest },
    inputs: [{ sha256: e.sha256, role: 'evidence', name: e.originalName }],
    outputs: [{ sha256: frame.file.sha256, role: 'frame', name: path.basename(dest) }],
  });
  const { file: _f, ...info } = frame;
  return { frame: info, sha256: frame.file.sha256, path: dest };
}

export interface ThumbnailStrip {
  readonly file: DerivedFile;
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** Frame index of each tile, left to right. */
  readonly indices: number[];
}

/** A strip of `count` evenly spaced frames, each `tileHeight` px high: the scrubber's timeline. */
export async function thumbnailStrip(c: CaseHandle, evidenceId: number, count = 24, tileHeight = 72, signal?: AbortSignal): Promise<ThumbnailStrip> {
  const e = getEvidence(c, evidenceId);
  const n = Math.max(1, Math.min(count, e.frameCount));
  const indices = Array.from({ length: n }, (_, i) => (n === 1 ? 0 : Math.round((i * (e.frameCount - 1)) / (n - 1))));
  const tileWidth = Math.max(1, Math.round((tileHeight * e.width) / e.height));
  // `rgb`: strips made from frames of the stated conversion (older strips stay recorded, never served).
  const variant = `strip-rgb-${n}x${tileHeight}`;
  const cached = c.db.prepare('SELECT sha256 FROM derived_cache WHERE evidence_id = ? AND idx = 0 AND variant = ?').get(evidenceId, variant) as { sha256: string } | undefined;
  if (cached && fs.existsSync(derivedPath(c, cached.sha256))) {
    return { file: { sha256: cached.sha256, path: derivedPath(c, cached.sha256), width: tileWidth * n, height: tileHeight }, tileWidth, tileHeight, indices };
  }
  const tiles: sharp.OverlayOptions[] = [];
  for (let i = 0; i < n; i++) {
    const f = await getFrame(c, evidenceId, indices[i]!, signal);
    const input = await sharp(f.file.path).resize(tileWidth, tileHeight, { fit: 'fill', kernel: 'lanczos3' }).png().toBuffer();
    tiles.push({ input, left: i * tileWidth, top: 0 });
  }
  const png = await sharp({ create: { width: tileWidth * n, height: tileHeight, channels: 3, background: { r: 0, g: 0, b: 0 } } })
    .composite(tiles)
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
  const file = storeDerivedBytes(c.paths.derived, png, tileWidth * n, tileHeight);
  c.db.transaction(() => {
    recordDerived(c, file, { kind: 'thumbstrip', evidenceId, params: { indices, tileWidth, tileHeight }, width: file.width, height: file.height });
    c.db.prepare('INSERT OR REPLACE INTO derived_cache (evidence_id, idx, variant, sha256) VALUES (?, 0, ?, ?)').run(evidenceId, variant, file.sha256);
  })();
  return { file, tileWidth, tileHeight, indices };
}
