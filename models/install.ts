/**
 * Model install step: converts each manifest model from its installed npm package into models/onnx/ and checks
 * the SHA-256 against the manifest. Idempotent: a file already present with the right hash is left alone.
 *
 *   node dist/models/install.js            (after `npm run build`)
 *   npx tsx models/install.ts              (from source)
 *   … --update-manifest                    (developers: record the hashes of a changed converter)
 *   … --force                              (rebuild even when the files are fine)
 *   … --candidates                         (also the candidate models, into candidatesDir(); naming a
 *                                           candidate's id converts just that one)
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { convertModel } from './convert/index';
import { loadManifest, modelPath, type ModelEntry } from './manifest';
import { sha256File, sha256Hex } from '../platform/hashing';
import { candidatesDir, manifestPath, onnxDir, packageVersion } from './paths';

export interface InstallOptions {
  force?: boolean;
  updateManifest?: boolean;
  only?: readonly string[];
  /** Also convert the manifest's candidate models (never part of the default install). */
  candidates?: boolean;
  log?: (line: string) => void;
}

export interface InstallResult {
  id: string;
  file: string;
  status: 'unchanged' | 'written' | 'failed';
  sha256: string;
  message?: string;
}

export async function installModels(opts: InstallOptions = {}): Promise<InstallResult[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const manifest = loadManifest(true);
  mkdirSync(onnxDir(), { recursive: true });
  const results: InstallResult[] = [];
  let manifestChanged = false;
  const candidates = (manifest.candidates ?? []).filter((c) => opts.candidates || opts.only?.includes(c.id));
  if (candidates.length) mkdirSync(candidatesDir(), { recursive: true });
  for (const entry of [...manifest.models, ...candidates]) {
    if (opts.only && !opts.only.includes(entry.id)) continue;
    const target = modelPath(entry);
    const r = await installOne(entry, target, opts);
    if (opts.updateManifest && r.sha256 && r.sha256 !== entry.sha256) {
      entry.sha256 = r.sha256;
      manifestChanged = true;
      r.status = 'written';
      r.message = 'manifest hash updated';
    }
    log(`${r.status === 'failed' ? 'FAIL' : 'ok  '} ${entry.id.padEnd(22)} ${entry.file} ${r.sha256.slice(0, 16)}… ${r.status}${r.message ? `: ${r.message}` : ''}`);
    results.push(r);
  }
  if (manifestChanged) writeFileSync(manifestPath(), `${JSON.stringify(manifest, null, 2)}\n`);
  return results;
}

async function installOne(entry: ModelEntry, target: string, opts: InstallOptions): Promise<InstallResult> {
  const base = { id: entry.id, file: target };
  if (!opts.force && !opts.updateManifest && existsSync(target)) {
    const have = await sha256File(target);
    if (have === entry.sha256) return { ...base, status: 'unchanged', sha256: have };
  }
  let bytes: Uint8Array;
  try {
    bytes = convertModel(entry);
  } catch (err) {
    return { ...base, status: 'failed', sha256: '', message: `conversion failed: ${(err as Error).message}` };
  }
  const got = sha256Hex(bytes);
  if (got !== entry.sha256 && !opts.updateManifest) {
    let installed = 'unknown';
    try { installed = packageVersion(entry.package); } catch { /* reported as unknown */ }
    return {
      ...base,
      status: 'failed',
      sha256: got,
      message: `converted bytes hash ${got}, manifest expects ${entry.sha256} (source ${entry.package}@${installed}, manifest built from @${entry.packageVersion})`,
    };
  }
  // Write beside the target and rename so a crash never leaves a truncated model that a worker might load.
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, target);
  return { ...base, status: 'written', sha256: got };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const only = args.filter((a) => !a.startsWith('--'));
  installModels({
    force: args.includes('--force'),
    candidates: args.includes('--candidates'),
    updateManifest: args.includes('--update-manifest'),
    ...(only.length ? { only } : {}),
  }).then((results) => {
    const failed = results.filter((r) => r.status === 'failed');
    if (failed.length) {
      console.error(`model install: ${failed.length} of ${results.length} failed`);
      process.exitCode = 1;
    } else {
      const n = results.filter((r) => r.file.startsWith(candidatesDir())).length;
      console.log(`model install: ${results.length - n} models ready in ${onnxDir()}${n ? `, ${n} candidates in ${candidatesDir()}` : ''}`);
    }
  }, (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
