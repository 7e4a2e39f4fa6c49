/**
 * Where the external binaries (and, in a packaged app, the model pack) are. One place, so packaging
 * (electron-builder extraResources) and development (npm packages, the repository) agree. Order for the
 * binaries: explicit environment override, the packaged app's resources, the npm packages that ship them
 * (@ffmpeg-installer/ffmpeg, @ffprobe-installer/ffprobe).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SightlineError } from '../domain/errors';

/**
 * Folders inside a packaged app's resources, where electron-builder's `extraResources` put the binaries and the
 * model pack (build/electron-builder.yml; build/packaging.test.ts keeps the two in agreement).
 */
export const PACKAGED_BIN_DIR = 'bin';
export const PACKAGED_MODELS_DIR = 'models/onnx';

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

export interface ToolPaths {
  readonly ffmpeg: string;
  readonly ffprobe: string;
}

let cached: ToolPaths | undefined;

export function toolPaths(): ToolPaths {
  if (cached) return cached;
  cached = { ffmpeg: resolveTool('ffmpeg'), ffprobe: resolveTool('ffprobe') };
  return cached;
}

function resolveTool(name: 'ffmpeg' | 'ffprobe'): string {
  const exe = process.platform === 'win32' ? `${name}.exe` : name;
  const env = process.env[name === 'ffmpeg' ? 'SIGHTLINE_FFMPEG' : 'SIGHTLINE_FFPROBE'];
  if (env) return checkExecutable(env, name);
  // Packaged app: electron-builder copies the binaries to resources/bin (see build/electron-builder.yml).
  const resources = resourcesDir();
  if (resources) {
    const packaged = path.join(resources, PACKAGED_BIN_DIR, exe);
    if (fs.existsSync(packaged)) return checkExecutable(packaged, name);
  }
  try {
    const mod = require(name === 'ffmpeg' ? '@ffmpeg-installer/ffmpeg' : '@ffprobe-installer/ffprobe') as { path: string };
    // Inside an asar archive the binary cannot be executed; electron-builder unpacks it next to the archive.
    return checkExecutable(mod.path.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`), name);
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    throw new SightlineError('TOOL_FAILED', `${name} is not installed: run the setup command (npm run setup) or set SIGHTLINE_${name.toUpperCase()}`);
  }
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
