/**
 * Where exports may go and how they are written: never into the case's evidence/ or derived/ folders, never
 * over an existing file unless asked (`force`), and never half-written — each file (or a package's whole folder)
 * is written under a temporary name beside its destination, flushed, and renamed into place, so a full disk,
 * a cancel or a crash leaves the destination as it was.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CaseHandle } from '../case';
import { SightlineError, fromSystemError } from '../../domain/errors';

function inside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The path with every existing ancestor resolved through symlinks (the destination itself may not exist). */
function realish(p: string): string {
  let cur = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(fs.realpathSync(cur), ...rest.reverse());
    } catch {
      const up = path.dirname(cur);
      if (up === cur) return path.resolve(p);
      rest.push(path.basename(cur));
      cur = up;
    }
  }
}

export interface OutputCheck {
  readonly force?: boolean;
  /** What the destination is: a file, or a folder (a package). */
  readonly kind: 'file' | 'folder';
  /** Allowed file extensions for a file (lower case, with the dot). */
  readonly extensions?: readonly string[];
}

/** Check a destination before any work is done; returns it absolute. */
export function checkOutputPath(c: CaseHandle | null, out: string, opts: OutputCheck): string {
  if (!out.trim()) throw new SightlineError('INVALID_INPUT', 'give an output path');
  const dest = path.resolve(out);
  if (c) {
    const real = realish(dest);
    for (const [dir, what] of [
      [c.paths.evidence, 'evidence/ (the originals)'],
      [c.paths.derived, 'derived/ (the content-addressed store)'],
      [c.paths.incoming, '.incoming/'],
    ] as const) {
      if (inside(dest, dir) || inside(real, realish(dir))) throw new SightlineError('INVALID_INPUT', `${dest} is inside the case's ${what}; exports go elsewhere (default: exports/)`);
    }
    if (dest === c.paths.root || real === realish(c.paths.root)) throw new SightlineError('INVALID_INPUT', `${dest} is the case folder itself`);
  }
  if (opts.kind === 'file' && opts.extensions && !opts.extensions.includes(path.extname(dest).toLowerCase())) {
    throw new SightlineError('INVALID_INPUT', `${dest}: the file name must end in ${opts.extensions.join(' or ')}`);
  }
  if (fs.existsSync(dest)) {
    const st = fs.statSync(dest);
    if (opts.kind === 'file' && st.isDirectory()) throw new SightlineError('IS_DIRECTORY', `${dest} is a folder; give a file name`);
    if (opts.kind === 'folder' && !st.isDirectory()) throw new SightlineError('INVALID_INPUT', `${dest} exists and is not a folder`);
    const empty = st.isDirectory() && fs.readdirSync(dest).length === 0;
    if (!empty && !opts.force) throw new SightlineError('INVALID_INPUT', `${dest} already exists; choose another name or replace it (--force)`);
  }
  // The nearest existing folder must be writable (we create the rest).
  let dir = path.dirname(dest);
  while (!fs.existsSync(dir) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new SightlineError('INVALID_INPUT', `${dir} is not a folder`);
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    throw fromSystemError(e, `cannot write into ${dir}`) ?? e;
  }
  return dest;
}

/** Write bytes to `dest` through a temporary file in the same folder, flushed, then renamed. */
export function writeFileAtomic(dest: string, bytes: Uint8Array | string): void {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.part`);
  try {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeFileSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw fromSystemError(e, `writing ${dest}`) ?? e;
  }
}

/**
 * Build a folder under a temporary name beside `dest`, then move it into place (replacing an existing `dest`
 * only after the new one is complete). On any failure the temporary folder is removed and `dest` is untouched.
 */
export async function writeFolderAtomic<T>(dest: string, build: (tmpDir: string) => Promise<T>): Promise<T> {
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.part`);
  const old = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.old`);
  try {
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp, { recursive: true });
    const result = await build(tmp);
    if (fs.existsSync(dest)) fs.renameSync(dest, old);
    fs.renameSync(tmp, dest);
    fs.rmSync(old, { recursive: true, force: true });
    return result;
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dest) && fs.existsSync(old)) fs.renameSync(old, dest);
    if (e instanceof SightlineError) throw e;
    throw fromSystemError(e, `writing ${dest}`) ?? e;
  }
}
