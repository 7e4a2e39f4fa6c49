/**
 * The browser shell's file dialog. A browser cannot reveal paths on disk, so the renderer draws its own dialog
 * from folder listings that the local service provides (`dialog:listFolder`); the desktop app uses the system
 * dialogs instead (see lib/dialogs.ts). Investigators can also type or paste a path.
 */
import { create } from 'zustand';
import type { FolderListing } from '../../../app/contract';
import { call, describeError } from '../bridge/api';

export type PickerMode = 'files' | 'folder' | 'save';

interface Request {
  readonly mode: PickerMode;
  readonly title: string;
  readonly resolve: (paths: string[] | null) => void;
}

interface PickerState {
  request: Request | null;
  listing: FolderListing | null;
  /** The location field: the listed folder, or what the investigator is typing. */
  location: string;
  selected: string[];
  /** Save mode: the file name typed (or picked from the list) to save under, in the listed folder. */
  fileName: string;
  error: string | null;
  loading: boolean;
  open(mode: PickerMode, title: string, startDir?: string, defaultName?: string): Promise<string[] | null>;
  setFileName(name: string): void;
  browse(dir?: string): Promise<void>;
  setLocation(text: string): void;
  toggle(path: string, additive: boolean): void;
  confirm(paths?: string[]): void;
  cancel(): void;
}

/**
 * Only the latest listing asked for is shown, and none once the investigator starts typing a location: a slow
 * folder must never replace what was typed after it was asked for.
 */
let browseSeq = 0;

export const usePicker = create<PickerState>()((set, get) => ({
  request: null,
  listing: null,
  location: '',
  selected: [],
  fileName: '',
  error: null,
  loading: false,
  open(mode, title, startDir, defaultName) {
    get().request?.resolve(null);
    return new Promise((resolve) => {
      set({ request: { mode, title, resolve }, selected: [], error: null, fileName: defaultName ?? '' });
      void get().browse(startDir ?? get().listing?.dir);
    });
  },
  async browse(dir) {
    const seq = ++browseSeq;
    set({ loading: true, error: null });
    try {
      const listing = await call('dialog:listFolder', dir ? { dir } : {});
      if (seq === browseSeq) {
        // Re-listing the same folder keeps what was ticked (entries still there); another folder starts afresh.
        const keep = get().listing?.dir === listing.dir ? get().selected.filter((p) => listing.entries.some((e) => e.path === p)) : [];
        set({ listing, selected: keep, location: listing.dir });
      }
    } catch (e) {
      if (seq === browseSeq) set({ error: describeError(e) });
    } finally {
      if (seq === browseSeq) set({ loading: false });
    }
  },
  setFileName(name) {
    set({ fileName: name });
  },
  setLocation(text) {
    browseSeq++;
    set({ location: text, loading: false });
  },
  toggle(path, additive) {
    const { selected, request } = get();
    if (request?.mode === 'folder' || !additive) set({ selected: selected.length === 1 && selected[0] === path ? [] : [path] });
    else set({ selected: selected.includes(path) ? selected.filter((p) => p !== path) : [...selected, path] });
  },
  confirm(paths) {
    const { request, selected, listing, fileName } = get();
    if (!request) return;
    if (request.mode === 'save') {
      const name = fileName.trim();
      if (!listing || !name) return;
      if (/[\\/]/.test(name)) {
        set({ error: 'Type a file name only; choose the folder in the list' });
        return;
      }
      const sep = listing.dir.includes('\\') && !listing.dir.includes('/') ? '\\' : '/';
      set({ request: null });
      request.resolve([listing.dir.endsWith(sep) ? listing.dir + name : listing.dir + sep + name]);
      return;
    }
    const chosen = paths ?? (selected.length > 0 ? selected : request.mode === 'folder' && listing ? [listing.dir] : []);
    if (chosen.length === 0) return;
    set({ request: null });
    request.resolve(chosen);
  },
  cancel() {
    const { request } = get();
    set({ request: null });
    request?.resolve(null);
  },
}));
