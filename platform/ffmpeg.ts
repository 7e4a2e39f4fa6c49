/**
 * The one adapter around ffmpeg and ffprobe. Everything else in Sightline asks this module for media facts,
 * frame indexes, frames and raw pixels, so replacing the binaries or fluent-ffmpeg touches only this file.
 *
 * - Media facts come from ffprobe through fluent-ffmpeg (its one well-kept feature).
 * - Everything that reads pixels runs ffmpeg directly with an argument list built in one function per use,
 *   one comment per flag, and streams on stdout; cancellation kills the child with SIGKILL.
 * - Frame numbering is ffmpeg's own decode order (presentation order after reordering), recorded at import
 *   with each frame's exact timestamp and the MD5 of its decoded pixels (`-f framemd5`, the form other
 *   examiners can reproduce with a stock ffmpeg). Extraction re-checks that MD5, so "frame 1234" always means
 *   the same pixels, also for variable frame rate.
 * - One decode path for pixels: every consumer of RGB (frame export and thumbnails, enhancement inputs, analysis)
 *   gets it through the same explicit conversion in the filter graph (`rgbFilter`), so the same frame gives the
 *   same bytes everywhere, with any ffmpeg from the bundled 2018 build to a current one.
 */
import { spawn } from 'node:child_process';
import ffmpegLib from 'fluent-ffmpeg';
import { z } from 'zod';
import { SightlineError, cancelled } from '../domain/errors';
import { MAX_FRAME_PIXELS, frameSizeProblem } from '../domain/mediaLimits';
import { openFrameDigests } from './frameDigests';
import { cleanLine, ffmpegReason, meaningfulLines } from './ffmpegText';
import { toolPaths } from './tools';

// ───────────────────────────── probe ─────────────────────────────

export type MediaKind = 'video' | 'image';

export interface MediaFacts {
  readonly kind: MediaKind;
  /** ffprobe's format_name, e.g. 'mov,mp4,m4a,3gp,3g2,mj2', 'matroska,webm', 'avi', 'h264', 'png_pipe'. */
  readonly container: string;
  readonly codec: string;
  readonly width: number;
  readonly height: number;
  /** Average frame rate (frames/s); null for still images and streams that do not state one. */
  readonly fps: number | null;
  readonly duration: number | null;
  /** Frame count the container declares (not trusted: the frame index counts decoded frames). */
  readonly declaredFrames: number | null;
  /** True for raw elementary streams (.h264/.hevc) that carry no timestamps: ffmpeg assigns them by frame rate. */
  readonly noTimestamps: boolean;
  /** format.start_time in seconds: `-ss` positions are relative to it. */
  readonly startTime: number;
  /** The ffprobe output, kept in the case database as the record of what was probed. */
  readonly raw: unknown;
}

const IMAGE_FORMATS = /(^|,)(image2|png_pipe|jpeg_pipe|bmp_pipe|tiff_pipe|webp_pipe|gif|pgm_pipe|ppm_pipe|pgmyuv_pipe|jpegls_pipe)(,|$)/;
const RAW_STREAM_FORMATS = /^(h264|hevc|mpegvideo|m4v|h263|rawvideo)$/;

export function probeMedia(file: string): Promise<MediaFacts> {
  ffmpegLib.setFfprobePath(toolPaths().ffprobe);
  return new Promise((resolve, reject) => {
    ffmpegLib.ffprobe(file, (err: Error | null, data: ffmpegLib.FfprobeData) => {
      if (err) {
        reject(classifyProbeError(err.message));
        return;
      }
      try {
        resolve(factsFrom(data));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/**
 * The size of the first frame as the decoder produces it (what every later decode delivers: ffmpeg scales later
 * frames to the first one's size), which a container's header may contradict. Null when no frame decodes.
 */
export function probeFrameSize(file: string, signal?: AbortSignal): Promise<{ width: number; height: number } | null> {
  const args = [
    '-v', 'error',
    '-max_pixels', String(MAX_FRAME_PIXELS), // a frame beyond the limit is not decoded at all
    '-select_streams', 'v:0',
    '-read_intervals', '%+#1', // the first frame only
    '-show_entries', 'frame=width,height',
    '-of', 'csv=p=0',
    file,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(toolPaths().ffprobe, args, { stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
    let out = '';
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.on('error', (e) => reject(new SightlineError('TOOL_FAILED', `could not start ffprobe: ${e.message}`)));
    child.on('close', () => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(cancelled());
      const m = /^(\d+),(\d+)/m.exec(out);
      resolve(m ? { width: Number(m[1]), height: Number(m[2]) } : null);
    });
  });
}

function classifyProbeError(message: string): SightlineError {
  // ffprobe writes the reason as the last line(s) of stderr; keep the meaningful one for the investigator.
  const lines = message.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const reason = lines.reverse().find((l) => /:/.test(l) && !/^ffprobe (version|exited)/i.test(l)) ?? lines[0] ?? message;
  const short = cleanLine(reason).replace(/^.*?:\s*/, '');
  // A container recognised only by its extension ("low score") is not media at all, whatever else it says.
  if (!/low score|misdetection possible/i.test(message) && /moov atom not found|Invalid NAL|partial file|truncat|End of file|corrupt/i.test(message)) {
    return new SightlineError('CORRUPT_MEDIA', `damaged or truncated media (${short})`);
  }
  return new SightlineError('UNSUPPORTED_MEDIA', `not a video or image that ffmpeg can read (${short})`);
}

function ratio(s: unknown): number | null {
  if (typeof s === 'number') return s > 0 ? s : null;
  if (typeof s !== 'string') return null;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) {
    const d = Number(m[2]);
    return d > 0 && Number(m[1]) > 0 ? Number(m[1]) / d : null;
  }
  const n = Number(s);
  return Number.isFinite(n) && n > 0 ? n : null;
}

function numberOrNull(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function factsFrom(data: ffmpegLib.FfprobeData): MediaFacts {
  const video = data.streams.find((s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1);
  const container = String(data.format.format_name ?? 'unknown');
  if (!video || !video.width || !video.height) {
    throw new SightlineError('UNSUPPORTED_MEDIA', 'no video or image stream found (audio-only or not a media file)');
  }
  const isImage = IMAGE_FORMATS.test(container);
  const fps = isImage ? null : (ratio(video.avg_frame_rate) ?? ratio(video.r_frame_rate));
  // The size frames decode at (a rotation tag turns them), not the stored size: see displaySize.
  const size = isImage ? { width: video.width, height: video.height } : displaySize({ streams: data.streams }, { width: video.width, height: video.height });
  return {
    kind: isImage ? 'image' : 'video',
    container,
    codec: String(video.codec_name ?? 'unknown'),
    width: size.width,
    height: size.height,
    fps,
    duration: isImage ? null : (numberOrNull(video.duration) ?? numberOrNull(data.format.duration)),
    declaredFrames: numberOrNull(video.nb_frames),
    noTimestamps: RAW_STREAM_FORMATS.test(container),
    startTime: numberOrNull(data.format.start_time) ?? 0,
    raw: { format: data.format, streams: data.streams },
  };
}

// ───────────────────────────── process runner ─────────────────────────────

export interface RunOptions {
  readonly signal?: AbortSignal;
  /** Called with each complete line of stdout (text protocols like framemd5). */
  readonly onLine?: (line: string) => void;
  /** Called with stdout chunks (binary protocols like rawvideo). */
  readonly onData?: (chunk: Buffer) => void;
}

export interface RunResult {
  readonly stderrTail: string;
}

/** Run ffmpeg with an argument list (never a shell). Resolves on exit 0, rejects with the stderr tail otherwise. */
export function runFfmpeg(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const child = spawn(toolPaths().ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    let stderr = '';
    let partial = '';
    let userError: unknown;
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => {
      if (userError) return;
      try {
        if (opts.onData) opts.onData(chunk);
        if (opts.onLine) {
          partial += chunk.toString('latin1');
          let nl: number;
          while ((nl = partial.indexOf('\n')) >= 0) {
            opts.onLine(partial.slice(0, nl).replace(/\r$/, ''));
            partial = partial.slice(nl + 1);
          }
        }
      } catch (e) {
        // A consumer that throws (e.g. cancellation from a progress callback) ends the run.
        userError = e;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-8192);
    });
    child.on('error', (e) => {
      signal?.removeEventListener('abort', onAbort);
      reject(new SightlineError('TOOL_FAILED', `could not start ffmpeg: ${e.message}`));
    });
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (userError) return reject(userError);
      if (signal?.aborted) return reject(cancelled());
      if (partial && opts.onLine) opts.onLine(partial);
      if (code === 0) return resolve({ stderrTail: stderr });
      // A short reason for people (no memory addresses or stream dumps); the raw text stays in the details.
      reject(new SightlineError('TOOL_FAILED', `ffmpeg failed (${sig ?? `exit ${code}`}): ${ffmpegReason(stderr, { lines: 3 })}`, { stderr }));
    });
  });
}

// ───────────────────────────── frame index ─────────────────────────────

export interface IndexedFrame {
  /** Presentation timestamp in `timeBase` units. */
  readonly pts: number;
  readonly ptsTime: number;
  /** MD5 of the decoded frame in its native pixel format, as `ffmpeg -f framemd5` prints it. */
  readonly md5: string;
}

export interface FrameIndex {
  /** e.g. '1/12800'. */
  readonly timeBase: string;
  /** Every frame, in order (empty when the caller took them one by one through `onIndexed`). */
  readonly frames: IndexedFrame[];
  /** Frames indexed (also when they were not kept). */
  readonly count: number;
  /** What ffmpeg reported while decoding (damage, concealed errors), as short distinct reasons; empty for clean media. */
  readonly messages: string[];
  /** ffmpeg's own stderr text (tail), kept for the record beside the short reasons. */
  readonly log: string;
}

/**
 * Arguments for the decode pass that lists every frame with its timestamp and pixel MD5.
 *
 * Timestamp convention: with `-copyts -enc_time_base -1` each line carries the stream's own pts in the stream's
 * own time base (`#tb 0: 1/30000`, pts 0, 1001, 2002 …). A stock `ffmpeg -i FILE -f framemd5 -` prints the
 * same MD5s (of the same native frames), but its timestamps are shifted to start at 0 and counted in the
 * encoder's 1/fps time base (`#tb 0: 1001/30000`, pts 0, 1, 2 …): the two agree line for line only when the stock
 * command is given `-copyts -enc_time_base -1` (and `-map 0:v:0 -vsync passthrough` for files with audio or
 * variable frame rate). The MD5s are of the decoder's native output (e.g. yuv420p), which is bit-exact across
 * ffmpeg versions for H.264: the index made by the bundled 2018 build verifies with ffmpeg 5.1.
 */
function frameIndexArgs(file: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v', 'error', // errors only on stderr; the frame list is on stdout
    '-max_pixels', String(MAX_FRAME_PIXELS), // a frame larger than Sightline reads is a decode error, not 1 GB of memory
    '-copyts', // keep the stream's own timestamps: they are what the index records
    '-i', file,
    '-map', '0:v:0', // the first video stream; other streams are not indexed
    '-vsync', 'passthrough', // one output per decoded frame: never duplicate or drop frames to a constant rate
    '-enc_time_base', '-1', // output timestamps in the stream's own time base, so VFR timestamps stay exact
    '-f', 'framemd5', // per-frame: stream, dts, pts, duration, size, MD5 of the decoded pixels
    'pipe:1',
  ];
}

export interface IndexOptions {
  readonly signal?: AbortSignal;
  readonly onFrame?: (count: number) => void;
  /**
   * Take each frame as it is decoded instead of collecting them: memory stays flat however long the clip (the
   * import streams them into the database). Frames arrive in order; `frames` of the result is then empty.
   */
  readonly onIndexed?: (frame: IndexedFrame, index: number) => void;
  /** Paths to show by another name in messages (the scratch copy as the original's name). */
  readonly rename?: ReadonlyArray<readonly [string, string]>;
}

export async function indexFrames(file: string, opts: IndexOptions = {}): Promise<FrameIndex> {
  let timeBase = '';
  const frames: IndexedFrame[] = [];
  let count = 0;
  let lastPts = -Infinity;
  let num = 0;
  let den = 1;
  const { stderrTail } = await runFfmpeg(frameIndexArgs(file), {
    signal: opts.signal,
    onLine: (line) => {
      if (line.startsWith('#tb 0:')) {
        timeBase = line.slice(6).trim();
        const [n, d] = timeBase.split('/').map(Number);
        num = n ?? 0;
        den = d ?? 1;
        return;
      }
      if (line.startsWith('#') || !line.trim()) return;
      const parts = line.split(',').map((p) => p.trim());
      if (parts.length < 6 || parts[0] !== '0') return;
      const pts = Number(parts[2]);
      // ffmpeg emits frames in presentation order; assert it rather than assume it.
      if (pts < lastPts) throw new SightlineError('CORRUPT_MEDIA', `frame timestamps go backwards at frame ${count} (pts ${pts} < ${lastPts})`);
      lastPts = pts;
      const frame: IndexedFrame = { pts, ptsTime: (pts * num) / den, md5: parts[5]! };
      if (opts.onIndexed) opts.onIndexed(frame, count);
      else frames.push(frame);
      count++;
      opts.onFrame?.(count);
    },
  });
  if (!timeBase) throw new SightlineError('TOOL_FAILED', 'ffmpeg did not report a time base for the video stream');
  const messages = meaningfulLines(stderrTail, opts.rename).slice(0, 20);
  return { timeBase, frames, count, messages, log: stderrTail };
}

// ───────────────────────────── frame extraction ─────────────────────────────

export interface FrameTarget {
  readonly index: number;
  readonly pts: number;
  readonly ptsTime: number;
  readonly md5: string;
  /** Seconds from the start of the file to seek to before decoding; null decodes from the start. */
  readonly seekTo: number | null;
  /**
   * How the decoded frame becomes RGB: the stated conversion (the one decode path), or `'legacy'` — the graph
   * Sightline used before the conversion was made explicit, kept only so enhancements recorded then replay
   * exactly (their recorded task has no conversion).
   */
  readonly conversion: RgbConversion | 'legacy';
}

/**
 * Arguments that decode exactly one frame and write it as an RGB PNG, plus its native-format MD5 on stdout so
 * the caller can prove it is the indexed frame. Seeking lands on a keyframe at or before `seekTo`, and the
 * select filter then takes the first frame whose timestamp is ≥ the target's (an exact integer comparison).
 * The RGB conversion is the stated one (`rgbFilter`): the same bytes `decodeFrames` gives analysis.
 */
function extractFrameArgs(file: string, t: FrameTarget, outPng: string, byNumber: boolean): string[] {
  if (t.conversion === 'legacy') return legacyExtractFrameArgs(file, t, outPng, byNumber);
  const select = byNumber ? `select=eq(n\\,${t.index})` : `select=gte(pts\\,${t.pts})`;
  return [
    '-hide_banner',
    '-nostdin',
    '-v', 'error',
    '-y', // the output is our own temporary file
    '-max_pixels', String(MAX_FRAME_PIXELS), // bound the decoder's memory per frame
    '-copyts', // compare against the stream's own timestamps, as indexed
    ...(t.seekTo !== null && !byNumber ? ['-ss', t.seekTo.toFixed(6)] : []), // fast seek to a keyframe before the target
    '-i', file,
    // One selected frame, used twice: its native pixels for the MD5, and the stated RGB conversion for the PNG.
    '-filter_complex', `[0:v:0]${select},split=2[hash][native];[native]${rgbFilter(t.conversion)}[png]`,
    '-map', '[hash]',
    '-frames:v', '1',
    '-vsync', 'passthrough',
    '-enc_time_base', '-1',
    '-f', 'framemd5', // MD5 of the native decoded pixels, compared with the index
    'pipe:1',
    '-map', '[png]',
    '-frames:v', '1',
    '-vsync', 'passthrough',
    '-pix_fmt', 'rgb24', // already rgb24 after rgbFilter: stated so no other conversion can be negotiated
    '-flags', '+bitexact', // no encoder version strings: equal pixels give equal bytes
    '-c:v', 'png',
    '-f', 'image2',
    outPng,
  ];
}

/**
 * The extraction graph before the conversion was stated (Sightline ≤ issue 14). Under `-filter_complex`,
 * ffmpeg ignores `-sws_flags`, so the RGB came from the auto-inserted converter's defaults — up to 25 grey
 * levels from what analysis decoded. Kept unchanged, and used only for enhancements recorded with it (their
 * task carries no conversion), so those replay to the recorded hashes: it gives the same bytes in the 2018 build
 * and in ffmpeg 5.1 (core/legacyCase.test.ts replays such a case).
 */
function legacyExtractFrameArgs(file: string, t: FrameTarget, outPng: string, byNumber: boolean): string[] {
  const select = byNumber ? `select=eq(n\\,${t.index})` : `select=gte(pts\\,${t.pts})`;
  return [
    '-hide_banner', '-nostdin', '-v', 'error', '-y', '-copyts',
    ...(t.seekTo !== null && !byNumber ? ['-ss', t.seekTo.toFixed(6)] : []),
    '-i', file,
    '-filter_complex', `[0:v:0]${select},split=2[hash][png]`,
    '-map', '[hash]', '-frames:v', '1', '-vsync', 'passthrough', '-enc_time_base', '-1', '-f', 'framemd5', 'pipe:1',
    '-map', '[png]', '-frames:v', '1', '-vsync', 'passthrough',
    '-pix_fmt', 'rgb24',
    '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', // ignored under -filter_complex (kept: these are the recorded arguments)
    '-flags', '+bitexact', '-c:v', 'png', '-f', 'image2', outPng,
  ];
}

/** Decode frame `t` into `outPng`; verify its pixel MD5 against the index (falls back to counting frames from the start). */
export async function extractFrame(file: string, t: FrameTarget, outPng: string, signal?: AbortSignal): Promise<void> {
  const attempt = async (byNumber: boolean): Promise<string | undefined> => {
    let md5: string | undefined;
    await runFfmpeg(extractFrameArgs(file, t, outPng, byNumber), {
      signal,
      onLine: (line) => {
        if (!line.startsWith('#') && line.includes(',')) md5 = line.split(',')[5]?.trim();
      },
    });
    return md5;
  };
  const first = await attempt(t.seekTo === null);
  if (first === t.md5) return;
  if (t.seekTo !== null) {
    // Seeking can land after the target with open GOPs or odd indexes; decoding from the start cannot.
    const second = await attempt(true);
    if (second === t.md5) return;
  }
  throw new SightlineError('CORRUPT_MEDIA', `frame ${t.index} decodes differently from when it was indexed (MD5 ${first ?? 'none'} ≠ ${t.md5})`);
}

// ───────────────────────────── raw decode for the pipeline ─────────────────────────────

export interface RawFrame {
  readonly index: number;
  readonly width: number;
  readonly height: number;
  /** RGB24, row-major. */
  readonly data: Buffer;
}

/**
 * Arguments that stream every frame (or every k-th) as raw RGB24 over stdout; with `hashTo`, also each of those
 * frames' MD5 in its native decoded format (`-f framemd5`, as the frame index records it) on that pipe, so the
 * reader can prove every frame it gets is the frame that was indexed. The RGB goes through the stated conversion.
 */
function rawDecodeArgs(file: string, step: number, conversion: RgbConversion, scaleTo?: { width: number; height: number }, hashTo?: string): string[] {
  const select = step > 1 ? [`select=not(mod(n\\,${step}))`] : []; // every k-th decoded frame; indexes stay those of the full decode
  // The one decode path: the same RGB as frame export and enhancement inputs, then an optional downscale (of the RGB).
  const scale = [rgbFilter(conversion), ...(scaleTo ? [`scale=${scaleTo.width}:${scaleTo.height}:flags=area`] : [])];
  const input = [
    '-hide_banner',
    '-nostdin',
    '-v', 'error',
    '-max_pixels', String(MAX_FRAME_PIXELS), // bound the decoder's memory per frame
    '-copyts',
    '-i', file,
  ];
  const rgb = [
    '-vsync', 'passthrough', // never invent or drop frames
    '-pix_fmt', 'rgb24', // already rgb24 after rgbFilter: stated so no other conversion can be negotiated
    '-f', 'rawvideo',
    'pipe:1',
  ];
  if (!hashTo) {
    const filters = [...select, ...scale];
    return [...input, '-map', '0:v:0', ...(filters.length ? ['-vf', filters.join(',')] : []), ...rgb];
  }
  // The decoded frames, split before any conversion: one copy is hashed as decoded, the other becomes RGB.
  const graph = `[0:v:0]${[...select, 'split=2'].join(',')}[hash][pix]${scale.length ? `;[pix]${scale.join(',')}[rgb]` : ''}`;
  return [
    ...input,
    '-filter_complex', graph,
    '-map', '[hash]',
    '-vsync', 'passthrough',
    '-enc_time_base', '-1',
    '-f', 'framemd5', // MD5 of the native decoded pixels, compared with the frame index
    hashTo,
    '-map', scale.length ? '[rgb]' : '[pix]',
    ...rgb,
  ];
}

export interface DecodeOptions {
  readonly step?: number;
  readonly signal?: AbortSignal;
  readonly scaleTo?: { width: number; height: number };
  /**
   * The frame index's MD5s (a file from platform/frameDigests.ts): every decoded frame is checked against the MD5
   * recorded at import before `onFrame` sees it, and the first that differs ends the decode with
   * EVIDENCE_ALTERED (details: frame, expected, actual).
   */
  readonly verify?: string;
  /** The stated RGB conversion; by default the one the file's stream tags call for (`probeRgbConversion`). */
  readonly conversion?: RgbConversion;
  onFrame(f: RawFrame): void | Promise<void>;
}

/** Frames decoded ahead while their checksum is on its way (ffmpeg writes the two outputs in turn). */
const MAX_AHEAD = 4;

/**
 * Decode frames as raw RGB and hand each to `onFrame` in order. `onFrame` may be async (back-pressure: ffmpeg
 * is paused while it runs). Cancelling kills ffmpeg. Resolves with the number of frames delivered (all of them
 * verified when `verify` is given).
 */
export async function decodeFrames(file: string, size: { width: number; height: number }, opts: DecodeOptions): Promise<number> {
  const step = Math.max(1, Math.floor(opts.step ?? 1));
  const conversion = opts.conversion ?? (await probeRgbConversion(file));
  const w = opts.scaleTo?.width ?? size.width;
  const h = opts.scaleTo?.height ?? size.height;
  const tooLarge = frameSizeProblem(size.width, size.height) ?? frameSizeProblem(w, h);
  if (tooLarge) throw new SightlineError('UNSUPPORTED_MEDIA', `frames of ${tooLarge}`);
  const frameBytes = w * h * 3;
  const { signal } = opts;
  if (signal?.aborted) throw cancelled();
  const digests = opts.verify ? openFrameDigests(opts.verify) : undefined;
  return new Promise<number>((resolve, reject) => {
    const child = spawn(toolPaths().ffmpeg, rawDecodeArgs(file, step, conversion, opts.scaleTo, digests ? 'pipe:3' : undefined), {
      stdio: ['ignore', 'pipe', 'pipe', ...(digests ? (['pipe'] as const) : [])],
      windowsHide: true,
    });
    const stdout = child.stdout!;
    let stderr = '';
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let n = 0;
    let delivered = 0;
    let failure: unknown;
    let busy = false;
    let exited: { code: number | null; sig: NodeJS.Signals | null } | undefined;
    let settled = false;
    const ready: RawFrame[] = [];
    const hashes: string[] = [];
    let hashPartial = '';
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const fail = (e: unknown): void => {
      if (failure === undefined) failure = e;
      child.kill('SIGKILL');
      finish();
    };
    // Read ahead only while nothing is being processed and few frames wait for their checksum.
    const flow = (): void => {
      if (!busy && !failure && ready.length < MAX_AHEAD) stdout.resume();
      else stdout.pause();
    };
    const finish = (): void => {
      if (settled || !exited || busy) return;
      if (failure === undefined && ready.length > 0) return; // frames still to deliver
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      digests?.close();
      if (failure !== undefined) return reject(failure);
      if (signal?.aborted) return reject(cancelled());
      const { code, sig } = exited;
      if (code !== 0) {
        return reject(new SightlineError('TOOL_FAILED', `ffmpeg decode failed (${sig ?? `exit ${code}`}): ${ffmpegReason(stderr)}`, { stderr }));
      }
      if (pendingBytes > 0) {
        return reject(new SightlineError('CORRUPT_MEDIA', `the decoded frames are not ${w}×${h} as the frame index records (${pendingBytes} bytes left over after frame ${n - 1})`));
      }
      if (digests && hashes.length > 0) return reject(new SightlineError('TOOL_FAILED', `ffmpeg gave ${hashes.length} checksum(s) more than frames`));
      resolve(delivered);
    };
    const deliver = (): void => {
      while (!busy && failure === undefined && ready.length > 0 && (!digests || hashes.length > 0 || exited)) {
        const f = ready.shift()!;
        if (digests) {
          const actual = hashes.shift();
          const expected = digests.md5At(f.index);
          if (actual === undefined || actual !== expected) {
            fail(
              new SightlineError('EVIDENCE_ALTERED', `frame ${f.index} decodes to different pixels than when it was indexed (MD5 ${actual ?? 'none'} ≠ ${expected ?? 'none: beyond the frame index'})`, {
                frame: f.index,
                expected: expected ?? null,
                actual: actual ?? null,
              }),
            );
            return;
          }
        }
        busy = true;
        Promise.resolve()
          .then(() => opts.onFrame(f))
          .then(
            () => {
              delivered++;
              busy = false;
              deliver();
              flow();
              finish();
            },
            (e: unknown) => {
              busy = false;
              fail(e);
            },
          );
      }
      flow();
    };
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-8192);
    });
    const hashPipe = digests ? (child.stdio[3] as NodeJS.ReadableStream) : undefined;
    hashPipe?.on('data', (c: Buffer) => {
      hashPartial += c.toString('latin1');
      let nl: number;
      while ((nl = hashPartial.indexOf('\n')) >= 0) {
        const line = hashPartial.slice(0, nl).trim();
        hashPartial = hashPartial.slice(nl + 1);
        if (line && !line.startsWith('#')) hashes.push(line.split(',')[5]?.trim() ?? '');
      }
      deliver();
    });
    stdout.on('data', (chunk: Buffer) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes && failure === undefined) {
        const all = Buffer.concat(pending, pendingBytes);
        ready.push({ index: n * step, width: w, height: h, data: Buffer.from(all.subarray(0, frameBytes)) });
        pending = [all.subarray(frameBytes)];
        pendingBytes -= frameBytes;
        n++;
      }
      deliver();
    });
    child.on('error', (e) => fail(new SightlineError('TOOL_FAILED', `could not start ffmpeg: ${e.message}`)));
    child.on('close', (code, sig) => {
      exited = { code, sig };
      deliver();
      finish();
    });
  });
}

// ───────────────────────────── verified frame ranges for the pipeline ─────────────────────────────

/** A frame as the frame index recorded it: what a decoded frame must match. */
export interface ExpectedFrame {
  readonly index: number;
  /** Presentation timestamp in the stream's time base (null for stills: compared by order only). */
  readonly pts: number | null;
  readonly md5: string;
}

export interface VerifiedFrame extends RawFrame {
  readonly pts: number | null;
  readonly md5: string;
}

/**
 * The one check that a decoded frame is the indexed one: the MD5 of its native decoded pixels (and its timestamp)
 * against the frame index. Every pipeline reader of evidence pixels calls this (extractFrame compares the same
 * two values); a mismatch is damage or an edited file, never a reason to carry on.
 */
export function verifyFrame(expected: ExpectedFrame, got: { readonly md5: string; readonly pts: number | null }): void {
  if (got.md5 !== expected.md5) {
    throw new SightlineError('EVIDENCE_ALTERED', `frame ${expected.index} decodes to different pixels than when it was indexed (MD5 ${got.md5} ≠ ${expected.md5})`, {
      frame: expected.index,
      expected: expected.md5,
      actual: got.md5,
    });
  }
  if (expected.pts !== null && got.pts !== null && got.pts !== expected.pts) {
    throw new SightlineError('CORRUPT_MEDIA', `frame ${expected.index} decodes at another time than when it was indexed (pts ${got.pts} ≠ ${expected.pts})`, { frame: expected.index });
  }
}

/**
 * Arguments that decode the frames `expected` (consecutive indexed frames every `step` frames, from the first
 * one's timestamp on) as raw RGB24 on stdout, and the framemd5 of the same frames' native pixels on fd 3.
 */
function rangeDecodeArgs(file: string, expected: readonly ExpectedFrame[], step: number, seekTo: number | null, conversion: RgbConversion): string[] {
  const first = expected[0]!;
  const select = [
    ...(first.pts !== null && first.index > 0 ? [`select=gte(pts\\,${first.pts})`] : []), // drop what the seek decoded before the range
    ...(step > 1 ? [`select=not(mod(n\\,${step}))`] : []), // n counts from the range's first frame, an analysed one
  ];
  return [
    '-hide_banner',
    '-nostdin',
    '-v', 'error',
    '-max_pixels', String(MAX_FRAME_PIXELS), // bound the decoder's memory per frame
    '-copyts', // the stream's own timestamps, as indexed
    ...(seekTo !== null ? ['-ss', seekTo.toFixed(6)] : []), // fast seek to a keyframe before the range
    '-i', file,
    // One decode, two outputs: the native frame for the MD5, the stated conversion for the pixels.
    '-filter_complex', `[0:v:0]${select.length ? `${select.join(',')},` : ''}split=2[hash][native];[native]${rgbFilter(conversion)}[rgb]`, // the one decode path's stated conversion
    '-map', '[hash]',
    '-frames:v', String(expected.length), // stop at the range's end instead of decoding the rest of the file
    '-vsync', 'passthrough',
    '-enc_time_base', '-1', // timestamps in the stream's time base, comparable with the index
    '-f', 'framemd5',
    'pipe:3',
    '-map', '[rgb]',
    '-frames:v', String(expected.length),
    '-vsync', 'passthrough', // never invent or drop frames
    '-pix_fmt', 'rgb24',
    '-f', 'rawvideo',
    'pipe:1',
  ];
}

/** Internal: the first frame after a seek was not the indexed one (seeking landed wrong); decode from the start. */
class SeekMismatch extends Error {}

/**
 * Decode the indexed frames `expected` (every `step`-th frame of a range, in order) as RGB24, verify each against
 * the frame index (`verifyFrame`) before handing it to `onFrame`, and stop after the last one. With `seekTo`,
 * decoding starts at the keyframe before that time; if the first frame then does not verify (an open GOP, an odd
 * index), the range is decoded again from the start of the file. `onFrame` may be async (ffmpeg is paused while
 * it runs). Cancelling kills ffmpeg. Resolves with the number of frames delivered.
 */
export async function decodeFrameRange(
  file: string,
  size: { width: number; height: number },
  opts: { expected: readonly ExpectedFrame[]; step: number; seekTo: number | null; conversion: RgbConversion; signal?: AbortSignal; onFrame: (f: VerifiedFrame) => void | Promise<void> },
): Promise<number> {
  if (opts.expected.length === 0) return 0;
  try {
    return await decodeRangeOnce(file, size, opts, opts.seekTo);
  } catch (e) {
    if (e instanceof SeekMismatch && opts.seekTo !== null) return decodeRangeOnce(file, size, opts, null);
    throw e;
  }
}

function decodeRangeOnce(
  file: string,
  size: { width: number; height: number },
  opts: { expected: readonly ExpectedFrame[]; step: number; conversion: RgbConversion; signal?: AbortSignal; onFrame: (f: VerifiedFrame) => void | Promise<void> },
  seekTo: number | null,
): Promise<number> {
  const { signal, expected } = opts;
  const frameBytes = size.width * size.height * 3;
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise<number>((resolve, reject) => {
    const child = spawn(toolPaths().ffmpeg, rangeDecodeArgs(file, expected, Math.max(1, opts.step), seekTo, opts.conversion), { stdio: ['ignore', 'pipe', 'pipe', 'pipe'], windowsHide: true });
    const hashes = child.stdio[3] as NodeJS.ReadableStream;
    let stderr = '';
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let lineBuf = '';
    const lines: Array<{ pts: number; md5: string }> = [];
    const frames: Buffer[] = [];
    let n = 0;
    let failure: unknown;
    let chain = Promise.resolve();
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const fail = (e: unknown): void => {
      if (!failure) failure = e;
      child.kill('SIGKILL');
    };
    // Pair the k-th raw frame with the k-th framemd5 line; whichever arrives first waits for the other.
    const pump = (): void => {
      while (!failure && frames.length > 0 && lines.length > 0) {
        const data = frames.shift()!;
        const h = lines.shift()!;
        const k = n++;
        const exp = expected[k];
        if (!exp) {
          fail(new SightlineError('INTERNAL', `ffmpeg delivered more frames than the ${expected.length} asked for`));
          return;
        }
        try {
          verifyFrame(exp, { md5: h.md5, pts: exp.pts === null ? null : h.pts });
        } catch (e) {
          fail(k === 0 && seekTo !== null ? new SeekMismatch() : e);
          return;
        }
        const f: VerifiedFrame = { index: exp.index, width: size.width, height: size.height, data, pts: exp.pts, md5: h.md5 };
        child.stdout!.pause();
        chain = chain.then(() => opts.onFrame(f)).then(
          () => {
            if (!failure) child.stdout!.resume();
          },
          (e: unknown) => fail(e),
        );
      }
    };
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-8192);
    });
    hashes.on('data', (c: Buffer) => {
      lineBuf += c.toString('latin1');
      let nl: number;
      while ((nl = lineBuf.indexOf('\n')) >= 0) {
        const line = lineBuf.slice(0, nl).trim();
        lineBuf = lineBuf.slice(nl + 1);
        if (!line || line.startsWith('#')) continue;
        const parts = line.split(',').map((p) => p.trim());
        if (parts.length >= 6 && parts[0] === '0') lines.push({ pts: Number(parts[2]), md5: parts[5]! });
      }
      pump();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      while (pendingBytes >= frameBytes && !failure) {
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
        frames.push(Buffer.from(all.subarray(0, frameBytes)));
        pending = [all.subarray(frameBytes)];
        pendingBytes -= frameBytes;
      }
      pump();
    });
    child.on('error', (e) => reject(new SightlineError('TOOL_FAILED', `could not start ffmpeg: ${e.message}`)));
    child.on('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      pump();
      chain.then(() => {
        if (failure) return reject(failure);
        if (signal?.aborted) return reject(cancelled());
        if (code !== 0) {
          return reject(new SightlineError('TOOL_FAILED', `ffmpeg decode failed (${sig ?? `exit ${code}`}): ${stderr.trim().split(/\r?\n/).slice(-2).join(' | ')}`));
        }
        if (n !== expected.length) {
          return reject(new SightlineError('CORRUPT_MEDIA', `decoding frames ${expected[0]!.index}–${expected[expected.length - 1]!.index} gave ${n} of the ${expected.length} indexed frames`));
        }
        resolve(n);
      }, reject);
    });
  });
}

// ───────────────────────────── H.264 round trip (measurement) ─────────────────────────────

export interface H264RoundTripParams {
  /** x264 constant rate factor (surveillance footage: 28–36). */
  readonly crf: number;
  /** x264 preset: it changes the artefacts, so it is stated with every figure. */
  readonly preset: string;
  /** Longest distance between I-frames; 1 = every frame intra-coded (independent codec noise per frame). */
  readonly keyint: number;
}

/** Arguments that encode raw RGB frames from stdin as an H.264 Annex-B stream on stdout. */
function h264EncodeArgs(width: number, height: number, p: H264RoundTripParams): string[] {
  return [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-f', 'rawvideo', // headerless pixels on stdin…
    '-pix_fmt', 'rgb24', // …8-bit RGB…
    '-s', `${width}x${height}`, // …of this size…
    '-r', '25', // …at a nominal rate (rate control only)
    '-i', 'pipe:0',
    '-c:v', 'libx264',
    '-preset', p.preset,
    '-crf', String(p.crf),
    '-g', String(p.keyint), // longest GOP
    '-pix_fmt', 'yuv420p', // the chroma subsampling of surveillance recorders
    '-threads', '1', // single-threaded x264 is bit-reproducible
    '-f', 'h264', 'pipe:1', // raw Annex-B: no container needed for a round trip
  ];
}

/** Arguments that decode an H.264 Annex-B stream from stdin to raw RGB on stdout. */
function h264DecodeArgs(): string[] {
  return [
    '-hide_banner', '-nostdin', '-v', 'error',
    '-f', 'h264', '-i', 'pipe:0',
    '-threads', '1', // deterministic decode
    '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', // the conversion frame extraction uses
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
}

function pipeThrough(args: readonly string[], input: Buffer, signal?: AbortSignal): Promise<Buffer> {
  if (signal?.aborted) return Promise.reject(cancelled());
  return new Promise((resolve, reject) => {
    const child = spawn(toolPaths().ffmpeg, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let stderr = '';
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString('utf8')).slice(-4096);
    });
    child.on('error', (e) => reject(new SightlineError('TOOL_FAILED', `could not start ffmpeg: ${e.message}`)));
    child.stdin.on('error', () => undefined); // a child that exits early reports through 'close'
    child.on('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) return reject(cancelled());
      if (code === 0) return resolve(Buffer.concat(out));
      reject(new SightlineError('TOOL_FAILED', `ffmpeg failed (exit ${code}): ${stderr.trim().split(/\r?\n/).slice(-2).join(' | ') || 'no message'}`));
    });
    child.stdin.end(input);
  });
}

/**
 * Encode frames (RGB24, `width`×`height`, even sizes) as H.264 and decode them again: the codec's damage, for
 * benchmarks that degrade clean photos the way surveillance footage is degraded.
 */
export async function h264RoundTrip(frames: readonly Buffer[], width: number, height: number, p: H264RoundTripParams, signal?: AbortSignal): Promise<Buffer[]> {
  if (width % 2 || height % 2) throw new RangeError('H.264 4:2:0 needs even frame sizes');
  const size = width * height * 3;
  for (const f of frames) if (f.length !== size) throw new RangeError('frame size does not match');
  const stream = await pipeThrough(h264EncodeArgs(width, height, p), Buffer.concat(frames), signal);
  const raw = await pipeThrough(h264DecodeArgs(), stream, signal);
  if (raw.length !== size * frames.length) throw new SightlineError('TOOL_FAILED', `the H.264 round trip returned ${raw.length} bytes, expected ${size * frames.length}`);
  return frames.map((_, k) => raw.subarray(k * size, (k + 1) * size));
}

/** Width and height of the decoded (displayed: rotation applied) frames, from the decoder itself. */
export async function decodedFrameSize(file: string, signal?: AbortSignal): Promise<{ width: number; height: number }> {
  let dims: { width: number; height: number } | undefined;
  await runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-max_pixels', String(MAX_FRAME_PIXELS), '-i', file, '-map', '0:v:0', '-frames:v', '1', '-f', 'framemd5', 'pipe:1'], {
    ...(signal ? { signal } : {}),
    onLine: (line) => {
      const m = /^#dimensions 0: (\d+)x(\d+)/.exec(line);
      if (m) dims = { width: Number(m[1]), height: Number(m[2]) };
    },
  });
  if (!dims) throw new SightlineError('TOOL_FAILED', 'ffmpeg did not report the decoded frame size');
  return dims;
}

// ───────────────────────────── RGB conversion: the one decode path ─────────────────────────────

/** The YUV → RGB matrices ffmpeg's scale filter knows by name (`in_color_matrix`). */
export type YuvMatrix = 'bt601' | 'bt709' | 'fcc' | 'smpte240m' | 'bt2020';

/**
 * How decoded pixels become RGB, stated in full: the YUV matrix and the range of the source (RGB is always full
 * range), with exact rounding and full-resolution chroma interpolation. Recorded with every frame export,
 * analysis and enhancement input.
 */
export interface RgbConversion {
  readonly matrix: YuvMatrix;
  readonly range: 'limited' | 'full';
}

/** The same, as the schema of worker task parameters (a task receives the conversion its evidence records). */
export const RgbConversionSchema = z.object({ matrix: z.enum(['bt601', 'bt709', 'fcc', 'smpte240m', 'bt2020']), range: z.enum(['limited', 'full']) }).strict();

/** Version of the conversion graph below; recorded beside the conversion (a change would be a new version). */
export const RGB_CONVERSION_GRAPH = 'scale(in_range,out_range=pc,in_color_matrix,flags=bicubic+accurate_rnd+full_chroma_int),format=rgb24';

/**
 * The conversion as filters. Every parameter is explicit, so nothing depends on the defaults of the ffmpeg that
 * runs (the 2018 bundled build ignores `-sws_flags` under `-filter_complex`, and auto-inserted converters differ
 * between versions): the 2018 build and ffmpeg 5.1 give identical bytes (platform/ffmpeg.test.ts).
 */
export function rgbFilter(c: RgbConversion): string {
  return [
    'scale=',
    `in_range=${c.range === 'full' ? 'pc' : 'tv'}`, // the source's range, as its stream states it
    ':out_range=pc', // RGB is full range
    `:in_color_matrix=${c.matrix}`, // the source's YUV matrix, as its stream states it (BT.601 when untagged, as ffmpeg assumes)
    ':flags=bicubic+accurate_rnd+full_chroma_int', // chroma interpolated to full resolution (bicubic), exact rounding
    ',format=rgb24',
  ].join('');
}

const MATRIX_OF_TAG: Readonly<Record<string, YuvMatrix>> = {
  bt709: 'bt709',
  bt470bg: 'bt601',
  smpte170m: 'bt601',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
  smpte240m: 'smpte240m',
  fcc: 'fcc',
};

/**
 * The conversion a stream's tags call for, from ffprobe's output (`MediaFacts.raw`, kept in every evidence
 * record as `probe_json`, so old cases need no new probe). Untagged YUV is taken as BT.601 limited range (what
 * ffmpeg and the frame index assume); `yuvj*` formats and `pc` range are full range; grey and RGB sources have
 * no matrix and are full range.
 */
export function rgbConversionFromProbe(raw: unknown): RgbConversion {
  const streams = (raw as { streams?: Array<Record<string, unknown>> } | null)?.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && (s.disposition as { attached_pic?: number } | undefined)?.attached_pic !== 1) ?? {};
  const pixFmt = String(v.pix_fmt ?? '');
  const tag = String(v.color_space ?? '');
  const yuv = pixFmt === '' || /^(yuv|nv|p0|p2|p4|y2|uyv|yvy)/.test(pixFmt);
  const full = !yuv || pixFmt.startsWith('yuvj') || v.color_range === 'pc' || v.color_range === 'jpeg';
  return { matrix: MATRIX_OF_TAG[tag] ?? 'bt601', range: full ? 'full' : 'limited' };
}

/** `rgbConversionFromProbe` of a file (one ffprobe run). */
export async function probeRgbConversion(file: string): Promise<RgbConversion> {
  return rgbConversionFromProbe((await probeMedia(file)).raw);
}

/**
 * The size of the pictures ffmpeg decodes, which is what every pixel consumer gets: ffmpeg applies a stream's
 * rotation (display matrix, or the older `rotate` tag) when it decodes, so a clip stored 480×640 with a −90° tag
 * decodes as 640×480. ffprobe reports the stored size; this swaps it for quarter turns.
 */
export function displaySize(raw: unknown, stored: { width: number; height: number }): { width: number; height: number; rotation: number } {
  const streams = (raw as { streams?: Array<Record<string, unknown>> } | null)?.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video' && (s.disposition as { attached_pic?: number } | undefined)?.attached_pic !== 1) ?? {};
  const side = (v.side_data_list as Array<{ rotation?: number | string }> | undefined)?.find((d) => d.rotation !== undefined);
  const tag = (v.tags as { rotate?: string } | undefined)?.rotate;
  // fluent-ffmpeg flattens the side data into the stream (`rotation`); ffprobe's JSON nests it; old muxers tag it.
  const rotation = Number((v.rotation as number | string | undefined) ?? side?.rotation ?? tag ?? 0) || 0;
  const quarter = Math.abs(Math.round(rotation / 90)) % 2 === 1;
  return quarter ? { width: stored.height, height: stored.width, rotation } : { ...stored, rotation };
}
