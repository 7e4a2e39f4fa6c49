/**
 * Evidence import: the original is copied into `evidence/<sha256>.<ext>` while SHA-256 and MD5 are computed,
 * the copy is read back and verified, probed, its every frame indexed (timestamp + pixel MD5), made read-only and
 * recorded with its audit entry in one transaction. The source file is only ever read.
 *
 * Nothing is half-recorded: all work happens in a scratch file until the final rename + commit; cancellation,
 * a failure or a crash before that leaves the case as it was.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import sharp from 'sharp';
import { Transform } from 'node:stream';
import { scratchPath, type CaseHandle } from './case';
import { canonicalJson } from '../domain/canonicalJson';
import { SightlineError, fromSystemError, throwIfAborted } from '../domain/errors';
import { sha256File } from '../platform/hashing';
import { displaySize, indexFrames, probeFrameSize, probeMedia, rgbConversionFromProbe, type FrameIndex, type MediaFacts, type RgbConversion } from '../platform/ffmpeg';
import { ffmpegInfo, type FfmpegInfo } from '../platform/tools';
import { ffmpegReason } from '../platform/ffmpegText';
import { MAX_FRAME_PIXELS, frameSizeProblem } from '../domain/mediaLimits';
import { FrameIndexStage } from './frameIndexStage';
import type { WorkOptions } from '../domain/progress';
import { recordVerified } from './evidenceVerify';

export interface Evidence {
  readonly id: number;
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
  readonly kind: 'video' | 'image';
  readonly originalName: string;
  readonly sourcePath: string;
  readonly storedName: string;
  readonly container: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number | null;
  readonly duration: number | null;
  readonly frameCount: number;
  readonly timeBase: string | null;
  /** The file's start time (ffprobe format.start_time): seeking is relative to it. */
  readonly startTime: number;
  /** Raw elementary stream: timestamps are assigned by ffmpeg from the frame rate, and seeking is not possible. */
  readonly noTimestamps: boolean;
  /** Which decoder reads the pixels: ffmpeg for video and BMP, libvips (sharp) for still formats it supports fully. */
  readonly decoder: 'ffmpeg' | 'sharp';
  readonly vfr: boolean;
  readonly importedAt: string;
  readonly importedBy: string;
  /** Decoder messages seen while indexing (empty for clean media). */
  readonly warnings: string[];
  /** The ffmpeg that indexed it; null for evidence imported before this was recorded (the bundled 2018 build). */
  readonly ffmpeg: FfmpegInfo | null;
  /** How its frames become RGB (from the stream's tags in the recorded probe): the one decode path's parameters. */
  readonly rgbConversion: RgbConversion;
  /**
   * The stored file's state at its last check against the recorded SHA-256 (core/evidenceVerify.ts): 'unchecked'
   * until the first check; 'altered' or 'missing' evidence is never read.
   */
  readonly integrity: 'intact' | 'altered' | 'missing' | 'unchecked';
}

export interface ImportOptions extends WorkOptions {
  /** Import media with decoding errors or missing frames anyway; the damage is recorded with the evidence. */
  readonly allowDamaged?: boolean;
  /**
   * Runs the final database writes (evidence row, frame index, audit entry) in a transaction; a job passes its
   * own `commit` so that the job's success is part of the same transaction. Default: an IMMEDIATE transaction.
   */
  readonly commit?: (fn: () => ImportResult) => ImportResult;
}

export interface ImportResult {
  readonly evidence: Evidence;
  /** The same bytes were already in the case; nothing was copied. */
  readonly duplicate: boolean;
}

interface EvidenceRow {
  id: number;
  sha256: string;
  md5: string;
  size: number;
  kind: 'video' | 'image';
  original_name: string;
  source_path: string;
  stored_name: string;
  container: string;
  codec: string;
  width: number;
  height: number;
  fps: number | null;
  duration: number | null;
  frame_count: number;
  time_base: string | null;
  start_time: number;
  no_timestamps: number;
  decoder: 'ffmpeg' | 'sharp';
  vfr: number;
  probe_json: string;
  imported_at: string;
  imported_by: string;
  ffmpeg_json: string | null;
  /** From evidence_checks (LEFT JOIN): null when never checked. */
  check_size?: number | null;
  check_ok?: number | null;
}

/** Evidence rows with their last integrity check. */
const SELECT_EVIDENCE = `SELECT e.*, k.size AS check_size, k.ok AS check_ok FROM evidence e LEFT JOIN evidence_checks k ON k.evidence_id = e.id`;

function toEvidence(r: EvidenceRow): Evidence {
  const probe = JSON.parse(r.probe_json) as { warnings?: string[]; streams?: unknown[] };
  // Rows imported before issue 14 (no ffmpeg recorded) hold the stored size, but frames decode turned by a rotation
  // tag (displaySize); later rows hold the decoded size already.
  const size = r.kind === 'video' && r.ffmpeg_json === null ? displaySize(probe, { width: r.width, height: r.height }) : { width: r.width, height: r.height };
  return {
    id: r.id,
    sha256: r.sha256,
    md5: r.md5,
    size: r.size,
    kind: r.kind,
    originalName: r.original_name,
    sourcePath: r.source_path,
    storedName: r.stored_name,
    container: r.container,
    codec: r.codec,
    width: size.width,
    height: size.height,
    fps: r.fps,
    duration: r.duration,
    frameCount: r.frame_count,
    timeBase: r.time_base,
    startTime: r.start_time,
    noTimestamps: r.no_timestamps === 1,
    decoder: r.decoder,
    vfr: r.vfr === 1,
    importedAt: r.imported_at,
    importedBy: r.imported_by,
    warnings: probe.warnings ?? [],
    ffmpeg: r.ffmpeg_json ? (JSON.parse(r.ffmpeg_json) as FfmpegInfo) : null,
    rgbConversion: rgbConversionFromProbe(probe),
    integrity: r.check_size === null || r.check_size === undefined ? 'unchecked' : r.check_size < 0 ? 'missing' : r.check_ok === 1 ? 'intact' : 'altered',
  };
}

export function listEvidence(c: CaseHandle): Evidence[] {
  return (c.db.prepare(`${SELECT_EVIDENCE} ORDER BY e.id`).all() as EvidenceRow[]).map(toEvidence);
}

export function getEvidence(c: CaseHandle, id: number): Evidence {
  const row = c.db.prepare(`${SELECT_EVIDENCE} WHERE e.id = ?`).get(id) as EvidenceRow | undefined;
  if (!row) throw new SightlineError('NOT_FOUND', `no evidence with id ${id} in this case`);
  return toEvidence(row);
}

/** Resolve what a user typed: an evidence id, or a unique SHA-256 prefix (≥ 6 hex digits). */
export function findEvidence(c: CaseHandle, ref: string): Evidence {
  const s = ref.trim();
  if (/^\d+$/.test(s)) return getEvidence(c, Number(s));
  if (/^[0-9a-f]{6,64}$/i.test(s)) {
    const rows = c.db.prepare(`${SELECT_EVIDENCE} WHERE e.sha256 LIKE ? LIMIT 2`).all(`${s.toLowerCase()}%`) as EvidenceRow[];
    if (rows.length === 1) return toEvidence(rows[0]!);
    if (rows.length > 1) throw new SightlineError('INVALID_INPUT', `SHA-256 prefix ${s} is ambiguous`);
  }
  throw new SightlineError('NOT_FOUND', `no evidence ${JSON.stringify(ref)} in this case (give its id or a SHA-256 prefix)`);
}

export function evidenceFile(c: CaseHandle, e: Pick<Evidence, 'storedName'>): string {
  return path.join(c.paths.evidence, e.storedName);
}

/** The identity of a file as the file system records it: any write changes the change time (ctime). */
interface FileIdentity {
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly dev: bigint;
}

function identityOf(st: fs.BigIntStats): FileIdentity {
  return { size: st.size, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, dev: st.dev };
}

/** What changed between two identities of the source, for the message; null when nothing did. */
function identityChange(a: FileIdentity, b: FileIdentity): string | null {
  if (a.ino !== b.ino || a.dev !== b.dev) return 'it was replaced by another file';
  if (a.size !== b.size) return `its size changed (${a.size} → ${b.size} bytes)`;
  if (a.mtimeNs !== b.mtimeNs || a.ctimeNs !== b.ctimeNs) return 'it was written to';
  return null;
}

/** Check the source before any work: a clear error for each way it can be wrong. */
function checkSource(file: string): { abs: string; size: number; identity: FileIdentity } {
  const abs = path.resolve(file);
  let st: fs.BigIntStats;
  try {
    st = fs.statSync(abs, { bigint: true });
  } catch (e) {
    const err = fromSystemError(e, abs);
    if (err?.code === 'FILE_NOT_FOUND') throw new SightlineError('FILE_NOT_FOUND', `file not found: ${abs}`);
    throw err ?? e;
  }
  if (st.isDirectory()) throw new SightlineError('IS_DIRECTORY', `${abs} is a folder, not a file (import the files inside it)`);
  if (!st.isFile()) throw new SightlineError('INVALID_INPUT', `${abs} is not a regular file`);
  if (st.size === 0n) throw new SightlineError('EMPTY_FILE', `${abs} is empty (0 bytes)`);
  try {
    fs.accessSync(abs, fs.constants.R_OK);
  } catch {
    throw new SightlineError('PERMISSION_DENIED', `${abs} cannot be read (permission denied)`);
  }
  return { abs, size: Number(st.size), identity: identityOf(st) };
}

/** Extension for the stored copy: the original's when it is plain, otherwise one derived from the container. */
function storedExtension(originalName: string, facts: MediaFacts): string {
  const ext = path.extname(originalName).toLowerCase();
  if (/^\.[a-z0-9]{1,5}$/.test(ext)) return ext;
  const byContainer: Record<string, string> = { matroska: '.mkv', avi: '.avi', h264: '.h264', hevc: '.hevc', mov: '.mp4', png_pipe: '.png', jpeg_pipe: '.jpg', bmp_pipe: '.bmp', tiff_pipe: '.tif' };
  const key = Object.keys(byContainer).find((k) => facts.container.split(',').includes(k) || facts.container.startsWith(k));
  return key ? byContainer[key]! : '.bin';
}

/** Copy with SHA-256 and MD5 computed on the same pass; fsync before returning. */
async function copyHashing(src: string, dest: string, size: number, opts: WorkOptions): Promise<{ sha256: string; md5: string }> {
  const sha = crypto.createHash('sha256');
  const md5 = crypto.createHash('md5');
  let done = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      if (opts.signal?.aborted) {
        cb(new SightlineError('CANCELLED', 'import cancelled'));
        return;
      }
      sha.update(chunk);
      md5.update(chunk);
      done += chunk.length;
      try {
        opts.onProgress?.({ stage: 'copy', current: done, total: size, unit: 'bytes' });
      } catch (e) {
        cb(e as Error);
        return;
      }
      cb(null, chunk);
    },
  });
  const out = fs.createWriteStream(dest, { flags: 'wx', mode: 0o600 });
  await pipeline(fs.createReadStream(src, { highWaterMark: 1 << 20 }), tap, out);
  throwIfAborted(opts.signal, 'import');
  const fd = fs.openSync(dest, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  if (done !== size) throw new SightlineError('CORRUPT_MEDIA', `the source changed while it was copied (${done} of ${size} bytes)`);
  return { sha256: sha.digest('hex'), md5: md5.digest('hex') };
}

/**
 * Still images in formats libvips reads completely (JPEG, PNG, TIFF with any compression, WebP, GIF) are decoded
 * by sharp: ffmpeg's TIFF decoder, for one, lacks JPEG-in-TIFF. Pixels as stored: no EXIF rotation, alpha dropped.
 * Returns undefined when sharp cannot read the file (BMP), which ffmpeg then decodes.
 */
export async function decodeStill(file: string): Promise<Buffer | undefined> {
  try {
    return await sharp(file, { failOn: 'error', limitInputPixels: MAX_FRAME_PIXELS }).toColourspace('srgb').removeAlpha().raw().toBuffer();
  } catch {
    return undefined;
  }
}

/** Source changed while it was imported: refuse (the stored copy would match neither its before nor its after). */
function sourceChanged(originalName: string, why: string): SightlineError {
  return new SightlineError(
    'SOURCE_CHANGED',
    `${originalName} changed while it was being imported (${why}); nothing was imported. Import it again once nothing is writing to it (a recorder or an export still running?)`,
  );
}

export async function importEvidence(c: CaseHandle, file: string, opts: ImportOptions = {}): Promise<ImportResult> {
  const { abs, size, identity } = checkSource(file);
  const commit = opts.commit ?? ((fn: () => ImportResult): ImportResult => c.db.transaction(fn).immediate());
  const originalName = path.basename(abs);
  throwIfAborted(opts.signal, 'import');
  // Probe the source first: a file ffmpeg cannot read is refused before anything is copied.
  const facts = await probeMedia(abs);
  const warnings: string[] = [];
  // A frame size no camera produces is a damaged or hostile header: refused before anything is copied or decoded.
  const declaredProblem = frameSizeProblem(facts.width, facts.height);
  if (declaredProblem) {
    if (!opts.allowDamaged) {
      throw new SightlineError(
        'CORRUPT_MEDIA',
        `${originalName} declares frames of ${declaredProblem}; nothing was imported. With --allow-damaged it is recorded as damaged if its frames decode within the limit`,
      );
    }
    warnings.push(`declares frames of ${declaredProblem}`);
  }
  const scratch = scratchPath(c, '.part');
  const stage = new FrameIndexStage(scratchPath(c, '.frames.db'));
  let stored: string | undefined;
  let createdStored = false;
  try {
    const hashes = await copyHashing(abs, scratch, size, opts).catch((e: unknown) => {
      throw fromSystemError(e, `copying ${originalName}`) ?? e;
    });
    // The source must not have changed while it was copied: a size check alone misses a rewrite in place.
    const afterCopy = identityOf(fs.statSync(abs, { bigint: true }));
    const changedDuringCopy = identityChange(identity, afterCopy);
    if (changedDuringCopy) throw sourceChanged(originalName, changedDuringCopy);
    // Read back the copy (storage) and read the source again (a change the file system did not date, e.g. on a
    // FAT card with 2-second times): all three hashes must agree.
    let copyBytes = 0;
    let sourceBytes = 0;
    const report = (): void => opts.onProgress?.({ stage: 'verify', current: Math.min(copyBytes, sourceBytes), total: size, unit: 'bytes' });
    const [verified, sourceAgain] = await Promise.all([
      sha256File(scratch, { signal: opts.signal, onBytes: (n) => ((copyBytes = n), report()) }),
      sha256File(abs, { signal: opts.signal, onBytes: (n) => ((sourceBytes = n), report()) }),
    ]);
    if (verified !== hashes.sha256) {
      throw new SightlineError('CORRUPT_MEDIA', `the copy of ${originalName} does not match the original (SHA-256 ${verified} ≠ ${hashes.sha256}); storage may be failing`);
    }
    const changedAfter = identityChange(identity, identityOf(fs.statSync(abs, { bigint: true })));
    if (sourceAgain !== hashes.sha256 || changedAfter) {
      throw sourceChanged(originalName, changedAfter ?? `it hashes to ${sourceAgain} now, ${hashes.sha256} as copied`);
    }

    const existing = c.db.prepare(`${SELECT_EVIDENCE} WHERE e.sha256 = ?`).get(hashes.sha256) as EvidenceRow | undefined;
    if (existing) {
      fs.rmSync(scratch, { force: true });
      return commit((): ImportResult => {
        c.audit.append({
          action: 'evidence.import.duplicate',
          params: { evidenceId: existing.id, originalName, sourcePath: abs, size },
          inputs: [{ sha256: hashes.sha256, role: 'source', name: abs }],
        });
        return { evidence: toEvidence(existing), duplicate: true };
      });
    }

    const expected = facts.declaredFrames ?? (facts.fps && facts.duration ? Math.round(facts.fps * facts.duration) : 0);
    const rename: Array<[string, string]> = [[scratch, originalName]];
    let index: Pick<FrameIndex, 'timeBase' | 'messages' | 'log'>;
    const stillPixels = facts.kind === 'image' ? await decodeStill(scratch) : undefined;
    const decoder: 'ffmpeg' | 'sharp' = stillPixels ? 'sharp' : 'ffmpeg';
    let decoded: { width: number; height: number } | null;
    try {
      if (stillPixels) {
        stage.add({ pts: 0, ptsTime: 0, md5: crypto.createHash('md5').update(stillPixels).digest('hex') });
        index = { timeBase: '1/1', messages: [], log: '' };
        const meta = await sharp(scratch, { limitInputPixels: MAX_FRAME_PIXELS }).metadata();
        decoded = meta.width && meta.height && stillPixels.length === meta.width * meta.height * 3 ? { width: meta.width, height: meta.height } : null;
      } else {
        // Each frame goes to the scratch index as it is decoded: memory stays flat however long the clip.
        index = await indexFrames(scratch, {
          signal: opts.signal,
          rename,
          onIndexed: (f) => stage.add(f),
          onFrame: (n) => opts.onProgress?.({ stage: 'index', current: n, total: Math.max(expected, n), unit: 'frames' }),
        });
        // ffprobe reports a frame's stored size; decoders turn it by the stream's rotation (displaySize), as facts do.
        const first = stage.stats().count > 0 ? await probeFrameSize(scratch, opts.signal) : null;
        decoded = first ? (({ width, height }) => ({ width, height }))(displaySize(facts.raw, first)) : null;
      }
    } catch (e) {
      if (e instanceof SightlineError && e.code === 'TOOL_FAILED') {
        const raw = typeof e.details?.stderr === 'string' ? e.details.stderr : e.message;
        throw new SightlineError('CORRUPT_MEDIA', `${originalName} cannot be decoded: ${ffmpegReason(raw, { rename })}`, { stderr: raw });
      }
      throw e;
    }
    stage.finish();
    const stats = stage.stats();
    if (stats.count === 0) throw new SightlineError('CORRUPT_MEDIA', `${originalName} has no decodable frames`);
    if (facts.declaredFrames && stats.count < facts.declaredFrames) {
      warnings.push(`container declares ${facts.declaredFrames} frames; ${stats.count} decode`);
    }
    // The frames' real size is what every reader will get; a header that says otherwise is damage.
    const width = decoded?.width ?? facts.width;
    const height = decoded?.height ?? facts.height;
    if (decoded && (decoded.width !== facts.width || decoded.height !== facts.height)) {
      warnings.push(`container declares ${facts.width}×${facts.height}; frames decode as ${decoded.width}×${decoded.height}`);
    }
    const decodedProblem = frameSizeProblem(width, height);
    if (decodedProblem) throw new SightlineError('CORRUPT_MEDIA', `${originalName} has frames of ${decodedProblem}; nothing was imported`);
    warnings.push(...index.messages);
    if (warnings.length > 0 && !opts.allowDamaged) {
      throw new SightlineError(
        'CORRUPT_MEDIA',
        `${originalName} is damaged or truncated (${warnings[0]}); nothing was imported. Import it anyway with --allow-damaged (the damage is recorded)`,
        { warnings },
      );
    }

    stored = path.join(c.paths.evidence, `${hashes.sha256}${storedExtension(originalName, facts)}`);
    if (fs.existsSync(stored)) {
      // Left by a crash between rename and commit: it holds the same bytes (its name is their hash).
      fs.chmodSync(stored, 0o600);
      fs.rmSync(stored);
    }
    fs.renameSync(scratch, stored);
    createdStored = true;
    fs.chmodSync(stored, 0o444);

    const span = stats.count > 1 ? stats.last!.ptsTime - stats.first!.ptsTime : 0;
    const fps = facts.kind === 'image' ? null : stats.count > 1 && span > 0 ? (stats.count - 1) / span : facts.fps;
    // Allow one tick of rounding jitter (e.g. 29.97 fps in a 1/1000 time base).
    const vfr = facts.kind === 'video' && stats.count >= 3 && stats.maxStep! - stats.minStep! > 1;
    const now = new Date().toISOString();
    const storedName = path.basename(stored);
    // A still decoded by sharp never ran ffmpeg's decoder; what probed it is still worth recording.
    const tool = ffmpegInfo();
    const storedPath = stored;
    return FrameIndexStage.withAttached(c.db, stage.file, (copyFrames) =>
      commit((): ImportResult => {
        const info = c.db
          .prepare(
            `INSERT INTO evidence (sha256, md5, size, kind, original_name, source_path, stored_name, container, codec, width, height,
               fps, duration, frame_count, time_base, start_time, no_timestamps, decoder, vfr, probe_json, imported_at, imported_by, ffmpeg_json)
             VALUES (@sha256, @md5, @size, @kind, @original_name, @source_path, @stored_name, @container, @codec, @width, @height,
               @fps, @duration, @frame_count, @time_base, @start_time, @no_timestamps, @decoder, @vfr, @probe_json, @imported_at, @imported_by, @ffmpeg_json)`,
          )
          .run({
            sha256: hashes.sha256,
            md5: hashes.md5,
            size,
            kind: facts.kind,
            original_name: originalName,
            source_path: abs,
            stored_name: storedName,
            container: facts.container,
            codec: facts.codec,
            width,
            height,
            fps,
            duration: facts.kind === 'image' ? null : facts.duration,
            frame_count: stats.count,
            time_base: index.timeBase,
            start_time: facts.startTime,
            no_timestamps: facts.noTimestamps ? 1 : 0,
            decoder,
            vfr: vfr ? 1 : 0,
            // ffmpeg's own words are kept for the record beside the short reasons (warnings).
            probe_json: canonicalJson({ ...(facts.raw as object), warnings, ...(warnings.length && index.log ? { decoderLog: rename.reduce((t, [a, b]) => t.split(a).join(b), index.log) } : {}) }),
            imported_at: now,
            imported_by: c.examiner,
            ffmpeg_json: canonicalJson(tool),
          });
        const id = Number(info.lastInsertRowid);
        if (copyFrames(id) !== stats.count) throw new SightlineError('INTERNAL', `the frame index of ${originalName} was not staged whole`);
        // The stored copy was just read back and hashed: its first integrity check.
        recordVerified(c, id, storedPath, hashes.sha256);
        c.audit.append({
          action: 'evidence.import',
          params: {
            evidenceId: id,
            originalName,
            sourcePath: abs,
            size,
            md5: hashes.md5,
            kind: facts.kind,
            container: facts.container,
            codec: facts.codec,
            width,
            height,
            fps,
            frameCount: stats.count,
            vfr,
            copyVerified: true,
            sourceUnchanged: true,
            ffmpeg: tool,
            ...(warnings.length ? { damaged: true, warnings } : {}),
          },
          inputs: [{ sha256: hashes.sha256, role: 'source', name: abs }],
          outputs: [{ sha256: hashes.sha256, role: 'evidence', name: storedName }],
        });
        return { evidence: getEvidence(c, id), duplicate: false };
      }),
    );
  } catch (e) {
    fs.rmSync(scratch, { force: true });
    if (createdStored && stored) {
      try {
        fs.chmodSync(stored, 0o600);
        fs.rmSync(stored, { force: true });
      } catch {
        // best effort: an unrecorded copy is quarantined on the next open, or replaced by the next import of the same bytes
      }
    }
    throw fromSystemError(e, `importing ${originalName}`) ?? e;
  } finally {
    stage.dispose();
  }
}
