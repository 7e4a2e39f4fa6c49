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
