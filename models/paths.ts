/**
 * Where the model pack lives on disk, for source (tsx/vitest) and compiled (dist/) code alike: the repository
 * root is the nearest ancestor holding models/manifest.json. `SIGHTLINE_MODELS_DIR` overrides the directory of
 * the converted ONNX files (a packaged app keeps them beside its resources).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packagedModelsDir } from '../platform/tools';

let cachedRoot: string | undefined;

export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'models', 'manifest.json')) && existsSync(path.join(dir, 'package.json'))) {
      cachedRoot = dir;
      return dir;
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`cannot find models/manifest.json above ${__dirname}`);
    dir = up;
  }
}

export function manifestPath(): string {
  return path.join(repoRoot(), 'models', 'manifest.json');
}

export function onnxDir(): string {
  // Packaged app: resources/models/onnx, resolved with the other packaged resources in platform/tools.ts.
  return process.env.SIGHTLINE_MODELS_DIR ?? packagedModelsDir() ?? path.join(repoRoot(), 'models', 'onnx');
}

/**
 * Converted candidate models (manifest `candidates`): a sibling of the shipped pack, so packaging (which copies
 * models/onnx) never picks them up. `SIGHTLINE_CANDIDATES_DIR` overrides.
 */
export function candidatesDir(): string {
  return process.env.SIGHTLINE_CANDIDATES_DIR ?? path.join(repoRoot(), 'models', 'onnx-candidates');
}

/** Root folder of an installed npm package (its package.json's folder), even when `exports` hides package.json. */
export function packageDir(name: string): string {
  const direct = path.join(repoRoot(), 'node_modules', ...name.split('/'));
  if (existsSync(path.join(direct, 'package.json'))) return direct;
  let dir = path.dirname(require.resolve(name, { paths: [repoRoot()] }));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj) && (JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === name) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`package ${name} is not installed`);
    dir = up;
  }
}

export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as { version: string }).version;
}
