/**
 * The browser shell's file dialog. A browser cannot reveal paths on disk, so the renderer draws its own dialog
 * from folder listings that the local service provides (`dialog:listFolder`); the desktop app uses the system
 * dialogs instead (see lib/dialogs.ts). Investigators can also type or paste a path.
 */
import { create } from 'zustand';
import type { FolderListing } from '../../../app/contract';
import { call, describeError } from '../bridge/api';

export type PickerMode = 'files' | 'folder';

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
  error: string | null;
  loading: boolean;
  open(mode: PickerMode, title: string, startDir?: string): Promise<string[] | null>;
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
  error: null,
  loading: false,
  open(mode, title, startDir) {
    get().request?.resolve(null);
    return new Promise((resolve) => {
      set({ request: { mode, title, resolve }, selected: [], error: null });
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
    const { request, selected, listing } = get();
    if (!request) return;
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
