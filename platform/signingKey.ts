/**
 * The examiner's signing key: Ed25519 (node:crypto), one per examiner name, created on first use and kept in the
 * app's user-data folder — never in a case, so a package can be checked against a key the case does not hold.
 * `SIGHTLINE_SIGNING_KEY_DIR` overrides the folder (tests, a smart-card mount, a lab's key share).
 *
 * Files: `<dir>/<slug>-<id>.key` (PKCS#8 PEM, mode 0600) and `.pub` (SPKI PEM) beside it. The key id is the
 * SHA-256 of the raw 32-byte public key; it is printed with every signature so the examiner can say which key
 * signed.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SightlineError, fromSystemError } from '../domain/errors';

export interface SigningKey {
  readonly examiner: string;
  readonly privateKey: crypto.KeyObject;
  readonly publicKeyPem: string;
  /** SHA-256 (hex) of the raw 32-byte Ed25519 public key. */
  readonly keyId: string;
  readonly file: string;
  /** True when this call made the key. */
  readonly created: boolean;
}

/** The user-data folder of the command line and the browser shell (Electron passes its own). */
export function defaultUserDataDir(): string {
  return path.join(path.resolve(process.env.SIGHTLINE_USER_DATA ?? path.join(os.homedir(), '.sightline')), 'settings');
}

export function signingKeyDir(userDataDir?: string): string {
  const env = process.env.SIGHTLINE_SIGNING_KEY_DIR;
  if (env) return path.resolve(env);
  return path.join(userDataDir ?? defaultUserDataDir(), 'signing-keys');
}

export function rawPublicKey(pem: string): Buffer {
  const der = crypto.createPublicKey(pem).export({ format: 'der', type: 'spki' });
  // An Ed25519 SPKI is a fixed 12-byte header followed by the 32-byte key.
  return der.subarray(der.length - 32);
}

export function keyIdOf(publicKeyPem: string): string {
  return crypto.createHash('sha256').update(rawPublicKey(publicKeyPem)).digest('hex');
}

function fileStem(examiner: string): string {
  const slug = examiner.normalize('NFKD').replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 40) || 'examiner';
  return `${slug}-${crypto.createHash('sha256').update(examiner, 'utf8').digest('hex').slice(0, 12)}`;
}

/**
 * The examiner's key, created on first use. `forbiddenDir` (the case folder) must not contain the key folder:
 * a key kept inside the case would travel with it and prove nothing.
 */
export function loadOrCreateSigningKey(examiner: string, opts: { userDataDir?: string; forbiddenDir?: string } = {}): SigningKey {
  const dir = signingKeyDir(opts.userDataDir);
  if (opts.forbiddenDir) {
    const rel = path.relative(path.resolve(opts.forbiddenDir), dir);
    if (rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel))) {
      throw new SightlineError('INVALID_INPUT', `the signing-key folder ${dir} is inside the case; keep the key outside it (SIGHTLINE_SIGNING_KEY_DIR)`);
    }
  }
  const stem = fileStem(examiner);
  const keyFile = path.join(dir, `${stem}.key`);
  const pubFile = path.join(dir, `${stem}.pub`);
  try {
    if (fs.existsSync(keyFile)) {
      const privateKey = crypto.createPrivateKey(fs.readFileSync(keyFile, 'utf8'));
      if (privateKey.asymmetricKeyType !== 'ed25519') throw new SightlineError('INVALID_INPUT', `${keyFile} is not an Ed25519 key`);
      const publicKeyPem = crypto.createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
      return { examiner, privateKey, publicKeyPem, keyId: keyIdOf(publicKeyPem), file: keyFile, created: false };
    }
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
    const publicKeyPem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    // 'wx': two processes creating the key at once — the second fails and reads the first's key.
    try {
      fs.writeFileSync(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateSigningKey(examiner, opts);
      throw e;
    }
    fs.writeFileSync(pubFile, publicKeyPem, { mode: 0o644 });
    return { examiner, privateKey, publicKeyPem, keyId: keyIdOf(publicKeyPem), file: keyFile, created: true };
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    throw fromSystemError(e, `the signing key in ${dir}`) ?? e;
  }
}

export function signBytes(key: SigningKey, data: Uint8Array): Buffer {
  return crypto.sign(null, data, key.privateKey);
}

export function verifyBytes(publicKeyPem: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return crypto.verify(null, data, crypto.createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}
