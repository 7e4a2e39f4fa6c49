/**
 * The packaging configuration must agree with the code: every native binary a production dependency ships is
 * unpacked from the asar, the unpacked modules are real dependencies, the extra resources land where
 * platform/tools.ts looks, and the app's entry points are inside the package. Parsed and matched with
 * electron-builder's own YAML reader and glob matcher.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGED_BIN_DIR, PACKAGED_MODELS_DIR } from '../platform/tools';

const ROOT = path.resolve(__dirname, '..');
const builderDir = path.dirname(require.resolve('app-builder-lib/package.json', { paths: [ROOT] }));
const yaml = require(require.resolve('js-yaml', { paths: [builderDir] })) as { load(s: string): unknown };
const { minimatch } = require(require.resolve('minimatch', { paths: [builderDir] })) as { minimatch(p: string, pattern: string, o?: object): boolean };

interface ExtraResource {
  from: string;
  to: string;
  filter?: string[];
}
interface PlatformConfig {
  target: (string | { target: string })[];
  extraResources?: ExtraResource[];
}
interface BuilderConfig {
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: ExtraResource[];
  linux: PlatformConfig;
  win: PlatformConfig;
  mac: PlatformConfig;
}

const config = yaml.load(fs.readFileSync(path.join(ROOT, 'build', 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };

const NATIVE_MODULES = ['better-sqlite3', 'onnxruntime-node', 'sharp'];

function unpacked(rel: string): boolean {
  return config.asarUnpack.some((p) => minimatch(rel, p, { dot: true }));
}

/** Like electron-builder's `files`: a path is in the package if the last pattern that matches it includes it. */
function included(rel: string): boolean {
  let inc = false;
  for (const p of config.files) {
    if (p.startsWith('!')) {
      if (minimatch(rel, p.slice(1), { dot: true })) inc = false;
    } else if (minimatch(rel, p, { dot: true })) inc = true;
  }
  return inc;
}

/** Installed production packages (package-lock's non-dev entries) → their folders. */
function productionPackages(): string[] {
  return Object.entries(lock.packages)
    .filter(([k, v]) => k.startsWith('node_modules/') && !v.dev && fs.existsSync(path.join(ROOT, k)))
    .map(([k]) => k);
}

function nativeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, d), { withFileTypes: true })) {
      const rel = `${d}/${e.name}`;
      if (e.isDirectory()) {
        // Nested packages are checked as packages of their own.
        if (e.name !== 'node_modules') walk(rel);
      } else if (/\.(node|dylib|dll)$|\.so(\.\d+)*$/.test(e.name)) out.push(rel);
    }
  };
  walk(dir);
  return out;
}

describe('build/electron-builder.yml', () => {
  it("passes electron-builder's own schema validation", async () => {
    const { validateConfiguration } = require(path.join(builderDir, 'out', 'util', 'config', 'config.js')) as { validateConfiguration(c: unknown, log: unknown): Promise<void> };
    const { DebugLogger } = require(require.resolve('builder-util', { paths: [builderDir] })) as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('builds AppImage + deb, NSIS, dmg', () => {
    const targets = (p: PlatformConfig): string[] => p.target.map((t) => (typeof t === 'string' ? t : t.target));
    expect(targets(config.linux)).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(targets(config.win)).toContain('nsis');
    expect(targets(config.mac)).toContain('dmg');
    expect(config.asar).toBe(true);
  });

  it('unpacks the native modules, and they are production dependencies', () => {
    for (const m of NATIVE_MODULES) {
      expect(pkg.dependencies, `${m} must be a dependency (devDependencies are not packaged)`).toHaveProperty(m);
      expect(unpacked(`node_modules/${m}/package.json`), `${m} is not unpacked`).toBe(true);
    }
    // Every unpacked package exists in the production tree (no stale pattern after a dependency change).
    const prod = new Set(productionPackages());
    for (const p of config.asarUnpack) {
      const matches = [...prod].filter((k) => minimatch(`${k}/package.json`, p, { dot: true }));
      expect(matches.length, `asarUnpack ${p} matches no production package`).toBeGreaterThan(0);
    }
  });

  it('leaves no native binary of a production dependency inside the asar', () => {
    const found: string[] = [];
    for (const dir of productionPackages()) found.push(...nativeFiles(dir));
    // The scan itself works: it sees the bindings this machine installed.
    for (const m of ['better-sqlite3', 'onnxruntime-node', '@img/']) expect(found.some((f) => f.startsWith(`node_modules/${m}`)), m).toBe(true);
    // Packaged means: electron-builder copies production dependencies; the asar keeps whatever is not unpacked.
    expect(found.filter((f) => !unpacked(f))).toEqual([]);
  });

  it('ships ffmpeg and ffprobe to resources/bin, where tools.ts looks, for every platform', () => {
    const platforms = { linux: { cfg: config.linux, exe: '' }, win32: { cfg: config.win, exe: '.exe' }, darwin: { cfg: config.mac, exe: '' } } as const;
    for (const [platform, { cfg, exe }] of Object.entries(platforms)) {
      for (const tool of ['ffmpeg', 'ffprobe']) {
        const r = cfg.extraResources?.find((x) => x.from.includes(`@${tool}-installer/${platform}-`));
        expect(r, `${platform}: no extraResources entry for ${tool}`).toBeDefined();
        expect(r!.to).toBe(PACKAGED_BIN_DIR);
        expect(r!.filter).toContain(`${tool}${exe}`);
        // The npm binary packages' own copies stay out of the asar (they could not be executed from it).
        expect(included(`${r!.from.replace('${arch}', 'x64')}/${tool}${exe}`)).toBe(false);
      }
    }
    // On this machine, the source folder the macro names holds the binary.
    const here = { linux: config.linux, win32: config.win, darwin: config.mac }[process.platform as 'linux' | 'win32' | 'darwin'];
    if (here) {
      for (const tool of ['ffmpeg', 'ffprobe']) {
        const r = here.extraResources!.find((x) => x.from.includes(`@${tool}-installer/`))!;
        const dir = path.join(ROOT, r.from.replace('${arch}', process.arch));
        expect(fs.existsSync(path.join(dir, `${tool}${process.platform === 'win32' ? '.exe' : ''}`)), `${dir} has no ${tool}`).toBe(true);
      }
    }
  });

  it('ships the model pack to resources/models/onnx, where tools.ts looks', () => {
    const r = config.extraResources.find((x) => x.from === 'models/onnx');
    expect(r).toBeDefined();
    expect(r!.to).toBe(PACKAGED_MODELS_DIR);
  });

  it('packages the entry points: main, the bundled preload, the renderer, the model manifest', () => {
    expect(included(pkg.main)).toBe(true);
    expect(included('dist/preload/preload.js')).toBe(true);
    expect(included('dist/app/shell/server.js')).toBe(true);
    expect(included('renderer/dist/index.html')).toBe(true);
    expect(included('renderer/dist/assets/index-abc.js')).toBe(true);
    expect(included('models/manifest.json')).toBe(true);
    for (const c of JSON.parse(fs.readFileSync(path.join(ROOT, 'models', 'manifest.json'), 'utf8')).calibrations ?? []) expect(included(`models/${c.file}`)).toBe(true);
    expect(included('dist/core/audit.test.js')).toBe(false);
    expect(included('renderer/src/main.tsx')).toBe(false);
    // electron/main.ts loads these paths: keep them in step with the build outputs above.
    const main = fs.readFileSync(path.join(ROOT, 'electron', 'main.ts'), 'utf8');
    expect(main).toContain("path.join(APP_ROOT, 'dist', 'preload', 'preload.js')");
    expect(main).toContain("path.join(APP_ROOT, 'renderer', 'dist')");
  });
});
