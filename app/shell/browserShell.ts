/**
 * The Shell of the browser shell: no native dialogs exist, so the renderer draws its own file dialog from
 * `listFolder` (names, kinds, sizes and dates; never file contents). The native-dialog methods refuse with a
 * message saying so: the renderer never calls them in a browser (see renderer/src/lib/dialogs.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CASE_SUFFIX } from '../../core/case';
import { SightlineError, fromSystemError } from '../../domain/errors';
import type { FolderEntry, FolderListing } from '../contract';
import type { Shell } from '../service/appService';

/** A folder with thousands of files is listed in part rather than freezing the dialog. */
const MAX_ENTRIES = 5000;

export interface BrowserShellOptions {
  readonly userDataDir: string;
  readonly casesDir: string;
  /** Extra shortcuts in the dialog (e.g. an evidence drive). */
  readonly places?: readonly { label: string; path: string }[];
}

export function browserShell(opts: BrowserShellOptions): Shell {
  const refuse = (): never => {
    throw new SightlineError('INVALID_INPUT', 'the browser shell has no system file dialog: its own dialog lists folders with dialog:listFolder');
  };
  return {
    kind: 'browser',
    userDataDir: opts.userDataDir,
    casesDir: opts.casesDir,
    openFiles: async () => refuse(),
    chooseFolder: async () => refuse(),
    saveFile: async () => refuse(),
    listFolder: async (dir) => listFolder(dir ?? opts.casesDir, placesFor(opts)),
  };
}

function placesFor(opts: BrowserShellOptions): { label: string; path: string }[] {
  const places = [{ label: 'Cases', path: opts.casesDir }, ...(opts.places ?? []), { label: 'Home', path: os.homedir() }];
  if (process.platform !== 'win32') places.push({ label: 'Computer', path: '/' });
  const seen = new Set<string>();
  return places.filter((p) => !seen.has(p.path) && seen.add(p.path) && fs.existsSync(p.path));
}

export async function listFolder(dir: string, places: { label: string; path: string }[] = []): Promise<FolderListing> {
  const abs = path.resolve(dir);
  let dirents: fs.Dirent[];
  try {
    const st = await fs.promises.stat(abs);
    if (!st.isDirectory()) throw new SightlineError('INVALID_INPUT', `${abs} is a file, not a folder`);
    dirents = await fs.promises.readdir(abs, { withFileTypes: true });
  } catch (e) {
    if (e instanceof SightlineError) throw e;
    throw fromSystemError(e, abs) ?? e;
  }
  const entries: FolderEntry[] = [];
  for (const d of dirents) {
    // Hidden files are app and system clutter; a path typed in the location field still reaches them.
    if (d.name.startsWith('.')) continue;
    if (entries.length >= MAX_ENTRIES) break;
    const p = path.join(abs, d.name);
    try {
      const st = await fs.promises.stat(p); // follows symlinks: a link to a clip is listed as the clip
      if (st.isDirectory()) {
        const isCase = d.name.endsWith(CASE_SUFFIX) && fs.existsSync(path.join(p, 'case.db'));
        entries.push({ name: d.name, path: p, kind: isCase ? 'case' : 'folder', size: null, modifiedAt: st.mtime.toISOString() });
      } else if (st.isFile()) {
        entries.push({ name: d.name, path: p, kind: 'file', size: st.size, modifiedAt: st.mtime.toISOString() });
      }
    } catch {
      // A dangling link or an unreadable entry is left out rather than failing the whole listing.
    }
  }
  const rank = (e: FolderEntry): number => (e.kind === 'file' ? 1 : 0);
  entries.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name, undefined, { numeric: true, sensitivity: 'base' }));
  const parent = path.dirname(abs);
  return { dir: abs, parent: parent === abs ? null : parent, entries, places };
}
