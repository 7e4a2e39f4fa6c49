/**
 * Check an export package with nothing but the package: every file's SHA-256 and size against `manifest.json`,
 * the manifest's Ed25519 signature (`manifest.sig`, raw 64 bytes) against the public key inside the manifest,
 * and that no file was added. Names the first thing that differs. Needs no case, no database and no models, so
 * the recipient can run `sightline verify-package` — or the openssl/sha256sum steps in the package's
 * VERIFY.txt — on the package alone.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { SightlineError, fromSystemError } from '../../domain/errors';
import { keyIdOf, verifyBytes } from '../../platform/signingKey';
import { MANIFEST, PACKAGE_FORMAT, SIGNATURE, type PackageManifest } from './manifest';

export interface PackageDifference {
  readonly file: string;
  readonly reason: string;
}

export interface PackageVerification {
  readonly ok: boolean;
  readonly path: string;
  readonly format: string | null;
  readonly files: number;
  readonly signatureValid: boolean;
  readonly signer: { readonly examiner: string; readonly keyId: string } | null;
  readonly reportId: string | null;
  readonly caseNumber: string | null;
  /** The first difference found (null when intact); `differences` holds them all. */
  readonly firstDifference: PackageDifference | null;
  readonly differences: PackageDifference[];
}

function sha256(b: Uint8Array): string {
  return crypto.createHash('sha256').update(b).digest('hex');
}

function readFolder(root: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const walk = (dir: string, rel: string): void => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const abs = path.join(dir, ent.name);
      const r = rel ? `${rel}/${ent.name}` : ent.name;
      if (ent.isDirectory()) walk(abs, r);
      else if (ent.isFile()) out.set(r, fs.readFileSync(abs));
      else out.set(r, new Uint8Array()); // a link or device: listed so it shows as unexpected or different
    }
  };
  walk(root, '');
  return out;
}

function readPackage(p: string): Map<string, Uint8Array> {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    throw fromSystemError(e, p) ?? e;
  }
  if (st.isDirectory()) return readFolder(p);
  try {
    const entries = unzipSync(new Uint8Array(fs.readFileSync(p)));
    return new Map(Object.entries(entries).filter(([name]) => !name.endsWith('/')));
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    throw new SightlineError('INVALID_INPUT', `${p} is neither a package folder nor a readable zip (${(e as Error).message})`);
  }
}

export function verifyPackage(p: string): PackageVerification {
  const abs = path.resolve(p);
  const files = readPackage(abs);
  const differences: PackageDifference[] = [];
  const base = { path: abs, files: files.size };
  const manifestBytes = files.get(MANIFEST);
  if (!manifestBytes) throw new SightlineError('INVALID_INPUT', `${abs} is not a Sightline export package (no ${MANIFEST})`);
  let manifest: PackageManifest;
  try {
    manifest = JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as PackageManifest;
  } catch {
    const d = { file: MANIFEST, reason: 'is not valid JSON (changed or damaged)' };
    return { ...base, ok: false, format: null, signatureValid: false, signer: null, reportId: null, caseNumber: null, firstDifference: d, differences: [d] };
  }
  const signer = manifest.signer ? { examiner: manifest.signer.examiner, keyId: manifest.signer.keyId } : null;
  const sig = files.get(SIGNATURE);
  let signatureValid = false;
  if (!sig) differences.push({ file: SIGNATURE, reason: 'is missing' });
  else if (!manifest.signer?.publicKeyPem) differences.push({ file: MANIFEST, reason: 'names no signing key' });
  else {
    signatureValid = verifyBytes(manifest.signer.publicKeyPem, manifestBytes, sig);
    if (!signatureValid) differences.push({ file: MANIFEST, reason: `its signature (${SIGNATURE}) does not verify: the manifest or the signature was changed` });
    else if (keyIdOf(manifest.signer.publicKeyPem) !== manifest.signer.keyId) differences.push({ file: MANIFEST, reason: 'the key id does not match its public key' });
  }
  if (manifest.format !== PACKAGE_FORMAT) differences.push({ file: MANIFEST, reason: `unknown format ${JSON.stringify(manifest.format)} (expected ${PACKAGE_FORMAT})` });
  const listed = new Set<string>();
  for (const f of manifest.files ?? []) {
    listed.add(f.path);
    const bytes = files.get(f.path);
    if (!bytes) differences.push({ file: f.path, reason: 'is missing' });
    else if (bytes.length !== f.size || sha256(bytes) !== f.sha256) {
      differences.push({ file: f.path, reason: `differs from the manifest (SHA-256 ${sha256(bytes)}, ${bytes.length} bytes; manifest: ${f.sha256}, ${f.size} bytes)` });
    }
  }
  for (const name of files.keys()) {
    if (name !== MANIFEST && name !== SIGNATURE && !listed.has(name)) differences.push({ file: name, reason: 'is not listed in the manifest (added)' });
  }
  return {
    ...base,
    ok: differences.length === 0,
    format: manifest.format ?? null,
    signatureValid,
    signer,
    reportId: manifest.reportId ?? null,
    caseNumber: manifest.case?.caseNumber ?? null,
    firstDifference: differences[0] ?? null,
    differences,
  };
}
