/**
 * Where the external binaries (and, in a packaged app, the model pack) are. One place, so packaging
 * (electron-builder extraResources) and development (npm packages, the repository) agree. Order for ffmpeg:
 *  1. `SIGHTLINE_FFMPEG` (a path, or `bundled` for the npm package's binary) — the examiner's explicit choice;
 *  2. a system ffmpeg of major version ≥ 5 (`/usr/bin/ffmpeg`, `/usr/local/bin/ffmpeg`, then `PATH`): current
 *     decoders and filters, kept up to date by the operating system (Debian ships 5.1);
 *  3. the packaged app's resources, then the npm package (@ffmpeg-installer/ffmpeg: a 2018 static build).
 * ffprobe follows ffmpeg (`SIGHTLINE_FFPROBE` overrides): the one beside a system ffmpeg, else the bundled one,
 * so media facts and decoding come from the same release.
 *
 * Frame numbering and the frame-index MD5s do not depend on which ffmpeg runs: they are MD5s of the decoder's
 * native output (e.g. yuv420p), which H.264 decoders produce bit-exactly in every version, and the RGB conversion
 * is stated in the filter graph (platform/ffmpeg.ts), which gives identical bytes in the 2018 build and in 5.1
 * (checked by platform/ffmpeg.test.ts). Which binary ran is still recorded with every import, analysis and
 * enhancement (`ffmpegInfo()`).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SightlineError } from '../domain/errors';

/**
 * Folders inside a packaged app's resources, where electron-builder's `extraResources` put the binaries and the
 * model pack (build/electron-builder.yml; build/packaging.test.ts keeps the two in agreement).
 */
export const PACKAGED_BIN_DIR = 'bin';
export const PACKAGED_MODELS_DIR = 'models/onnx';

/** The oldest system ffmpeg preferred over the bundled one. */
export const MIN_SYSTEM_FFMPEG_MAJOR = 5;

/** Where a system ffmpeg is looked for before PATH (the usual package-manager locations). */
const SYSTEM_DIRS = ['/usr/bin', '/usr/local/bin'];

/** The packaged app's resources folder; undefined in plain Node (CLI, tests, the browser shell). */
export function resourcesDir(): string | undefined {
  return (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
}

/** The model pack of a packaged app, or null when running from source (models/paths.ts then uses models/onnx). */
export function packagedModelsDir(): string | null {
  const resources = resourcesDir();
  if (!resources) return null;
  const dir = path.join(resources, ...PACKAGED_MODELS_DIR.split('/'));
  return fs.existsSync(dir) ? dir : null;
}

/** Where the binary came from: the environment, the system, the packaged app, or the npm package. */
export type ToolSource = 'env' | 'system' | 'packaged' | 'bundled';

export interface ToolPaths {
  readonly ffmpeg: string;
  readonly ffprobe: string;
  readonly source: ToolSource;
}

let cached: ToolPaths | undefined;

export function toolPaths(): ToolPaths {
  if (cached) return cached;
  const ffmpeg = resolveFfmpeg();
  cached = { ffmpeg: ffmpeg.path, ffprobe: resolveFfprobe(ffmpeg), source: ffmpeg.source };
  return cached;
}

/** Forget the resolved binaries and versions (tests that change SIGHTLINE_FFMPEG in-process). */
export function resetToolPaths(): void {
  cached = undefined;
  infoCache.clear();
}

const exe = (name: string): string => (process.platform === 'win32' ? `${name}.exe` : name);

/** The npm package's binary (inside an asar archive it cannot run: electron-builder unpacks it beside it). */
export function bundledTool(name: 'ffmpeg' | 'ffprobe'): string {
  try {
    const mod = require(name === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe') as { path: string };
    return checkExecutable(mod.path.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`), name);
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    throw new SightlineError('TOOL_FAILED', `${name} is not installed: run the setup command (npm run setup) or set SIGHTLINE_${name.toUpperCase()}`);
  }
}

function resolveFfmpeg(): { path: string; source: ToolSource } {
  const env = process.env.SIGHTLINE_FFMPEG;
  if (env) return env === 'bundled' ? { path: bundledTool('ffmpeg'), source: 'bundled' } : { path: checkExecutable(env, 'ffmpeg'), source: 'env' };
  const system = findSystemFfmpeg();
  if (system) return { path: system, source: 'system' };
  const resources = resourcesDir();
  if (resources) {
    // Packaged app: electron-builder copies the binaries to resources/bin (see build/electron-builder.yml).
    const packaged = path.join(resources, PACKAGED_BIN_DIR, exe('ffmpeg'));
    if (fs.existsSync(packaged)) return { path: checkExecutable(packaged, 'ffmpeg'), source: 'packaged' };
  }
  return { path: bundledTool('ffmpeg'), source: 'bundled' };
}

function resolveFfprobe(ffmpeg: { path: string; source: ToolSource }): string {
  const env = process.env.SIGHTLINE_FFPROBE;
  if (env) return env === 'bundled' ? bundledTool('ffprobe') : checkExecutable(env, 'ffprobe');
  if (ffmpeg.source === 'system' || ffmpeg.source === 'env') {
    // The ffprobe of the same installation, when there is one.
    const beside = path.join(path.dirname(ffmpeg.path), exe('ffprobe'));
    if (isExecutable(beside)) return beside;
  }
  const resources = resourcesDir();
  if (resources && ffmpeg.source === 'packaged') {
    const packaged = path.join(resources, PACKAGED_BIN_DIR, exe('ffprobe'));
    if (fs.existsSync(packaged)) return checkExecutable(packaged, 'ffprobe');
  }
  return bundledTool('ffprobe');
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** A system ffmpeg of major version ≥ MIN_SYSTEM_FFMPEG_MAJOR, or undefined. */
function findSystemFfmpeg(): string | undefined {
  const dirs = [...SYSTEM_DIRS, ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  const seen = new Set<string>();
  for (const d of dirs) {
    const p = path.join(d, exe('ffmpeg'));
    if (seen.has(p)) continue;
    seen.add(p);
    // Never mistake the npm package's binary (on PATH through node_modules/.bin in some setups) for a system one.
    if (p.includes(`${path.sep}node_modules${path.sep}`) || !isExecutable(p)) continue;
    const info = probeVersion(p);
    if (info.major !== null && info.major >= MIN_SYSTEM_FFMPEG_MAJOR) return p;
  }
  return undefined;
}

// ───────────────────────────── version ─────────────────────────────

/** What ran: recorded with every import, analysis and enhancement, and printed by the CLI. */
export interface FfmpegInfo {
  readonly path: string;
  readonly source: ToolSource;
  /** As the binary reports it, e.g. `5.1.9-0+deb12u1` or `N-47683-g0e8eb07980-static` (a git build). */
  readonly version: string;
  /** Release major version; null for a git build without one. */
  readonly major: number | null;
  /** The library versions that decode and convert the pixels, e.g. `59.37.100`. */
  readonly libavcodec: string | null;
  readonly libswscale: string | null;
}

const infoCache = new Map<string, Omit<FfmpegInfo, 'source'>>();

function probeVersion(p: string): Omit<FfmpegInfo, 'source'> {
  const hit = infoCache.get(p);
  if (hit) return hit;
  let out = '';
  try {
    out = execFileSync(p, ['-hide_banner', '-version'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore'], windowsHide: true });
  } catch {
    // not runnable: reported as an unknown version; the caller decides whether that matters
  }
  const info = parseFfmpegVersion(p, out);
  infoCache.set(p, info);
  return info;
}

/** Parse `ffmpeg -version` output (exported for tests). */
export function parseFfmpegVersion(p: string, text: string): Omit<FfmpegInfo, 'source'> {
  const version = /ffmpeg version (\S+)/.exec(text)?.[1] ?? 'unknown';
  const major = /^n?(\d+)\.\d+/.exec(version);
  const lib = (name: string): string | null => {
    const m = new RegExp(`${name}\\s+(\\d+)\\.\\s*(\\d+)\\.\\s*(\\d+)`).exec(text);
    return m ? `${m[1]}.${m[2]}.${m[3]}` : null;
  };
  return { path: p, version, major: major ? Number(major[1]) : null, libavcodec: lib('libavcodec'), libswscale: lib('libswscale') };
}

/** The ffmpeg this process uses, with its version (cached; one `ffmpeg -version` per process). */
export function ffmpegInfo(): FfmpegInfo {
  const t = toolPaths();
  return { ...probeVersion(t.ffmpeg), source: t.source };
}

/** One line for people: `ffmpeg 5.1.9-0+deb12u1 (system, /usr/bin/ffmpeg)`. */
export function describeFfmpeg(i: { readonly version: string; readonly source: string; readonly path: string }): string {
  return `ffmpeg ${i.version} (${i.source}, ${i.path})`;
}

function checkExecutable(p: string, name: string): string {
  try {
    fs.accessSync(p, fs.constants.X_OK);
  } catch {
    if (fs.existsSync(p)) {
      // npm tarballs sometimes lose the executable bit; restore it rather than fail.
      try {
        fs.chmodSync(p, 0o755);
        return p;
      } catch {
        // fall through to the error
      }
    }
    throw new SightlineError('TOOL_FAILED', `${name} at ${p} is missing or not executable`);
  }
  return p;
}
