/** Exports from the views: "Save as" (starting in the case's exports/ folder), then the audited export itself. */
import type { ChannelInput, ImageExport } from '../../../app/contract';
import { AppError, call } from '../bridge/api';
import { chooseSavePath } from './dialogs';

export type ImageExportInput = Omit<ChannelInput<'export:image'>, 'path' | 'force'>;

/** Ask where, then export; asks before replacing a file. Resolves null when the examiner cancels. */
export async function exportImageAs(title: string, input: ImageExportInput): Promise<ImageExport | null> {
  const def = await call('export:defaultPath', {
    kind: input.kind,
    ...(input.enhancementId !== undefined ? { enhancementId: input.enhancementId } : {}),
    ...(input.evidenceId !== undefined ? { evidenceId: input.evidenceId } : {}),
    ...(input.index !== undefined ? { index: input.index } : {}),
    ...(input.redact !== undefined ? { redact: input.redact } : {}),
  });
  const path = await chooseSavePath(title, def);
  if (!path) return null;
  try {
    return await call('export:image', { ...input, path });
  } catch (e) {
    if (e instanceof AppError && /already exists/.test(e.message) && window.confirm(`${path} already exists. Replace it?`)) {
      return call('export:image', { ...input, path, force: true });
    }
    throw e;
  }
}
