/** File and folder choosing: the system dialogs in the desktop app, the in-app dialog in the browser shell. */
import { call } from '../bridge/api';
import { useApp } from '../stores/appStore';
import { usePicker } from '../stores/pickerStore';

function native(): boolean {
  return useApp.getState().info?.shell === 'electron';
}

export async function chooseEvidenceFiles(): Promise<string[]> {
  const title = 'Import evidence';
  if (native()) return call('dialog:openFiles', { title, media: true });
  return (await usePicker.getState().open('files', title)) ?? [];
}

export async function chooseFolder(title: string, startDir?: string): Promise<string | null> {
  if (native()) return call('dialog:chooseFolder', { title });
  const r = await usePicker.getState().open('folder', title, startDir);
  return r?.[0] ?? null;
}

/**
 * "Save as": where to write an export. Starts at `defaultPath` (the case's exports/ folder and a suggested name).
 * The desktop app uses the system's save dialog; the browser shell its own dialog in save mode.
 */
export async function chooseSavePath(title: string, defaultPath: { dir: string; name: string; path: string }): Promise<string | null> {
  if (native()) return call('dialog:saveFile', { title, defaultName: defaultPath.path.length <= 255 ? defaultPath.path : defaultPath.name });
  const r = await usePicker.getState().open('save', title, defaultPath.dir, defaultPath.name);
  return r?.[0] ?? null;
}
