/** File dialogs: native ones in the desktop app; the browser shell's renderer draws its own from folder listings. */
import { z } from 'zod';
import { channel, FilePath } from './channel';

/** One row of the browser shell's in-app file dialog. */
export interface FolderEntry {
  readonly name: string;
  readonly path: string;
  /** 'case': a `.sightline` folder (opened as a whole, not browsed into). */
  readonly kind: 'folder' | 'file' | 'case';
  readonly size: number | null;
  readonly modifiedAt: string | null;
}

export interface FolderListing {
  readonly dir: string;
  readonly parent: string | null;
  readonly entries: FolderEntry[];
  /** Shortcuts shown beside the list (cases folder, home). */
  readonly places: { readonly label: string; readonly path: string }[];
}

export const dialogChannels = {
  /** Native file dialogs (Electron); the browser shell answers from its own picker. */
  'dialog:openFiles': channel<string[]>()(z.object({ title: z.string().max(200).optional(), media: z.boolean().optional() }).strict()),
  'dialog:chooseFolder': channel<string | null>()(z.object({ title: z.string().max(200).optional() }).strict()),
  'dialog:saveFile': channel<string | null>()(z.object({ title: z.string().max(200).optional(), defaultName: z.string().max(255).optional() }).strict()),
  /**
   * The browser shell has no native dialogs: its renderer draws its own file dialog from these listings (names,
   * kinds and sizes only, never contents). The desktop app refuses it and uses the system dialogs.
   */
  'dialog:listFolder': channel<FolderListing>()(z.object({ dir: FilePath.optional() }).strict()),
} as const;
