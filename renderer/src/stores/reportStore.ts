/**
 * The evidence report / export package dialog: which items go in, redaction (on by default; off needs a
 * reason), where the output goes, and the job that makes it (progress and cancel through the jobs store).
 */
import { create } from 'zustand';
import type { EnhancementView, SelectionChoice } from '../../../app/contract';
import { AppError, call } from '../bridge/api';
import { chooseSavePath } from '../lib/dialogs';

export type ReportOutput = 'report' | 'package' | 'zip';

interface ReportState {
  visible: boolean;
  enhancements: EnhancementView[];
  enhancementIds: number[];
  /** Identifications chosen where the dialog was opened (the Identify view); ticked off here. */
  identificationIds: number[];
  frames: Array<{ evidenceId: number; index: number }>;
  keepTrackIds: number[];
  redact: boolean;
  reason: string;
  output: ReportOutput;
  jobId: number | null;
  error: string | null;
  open(initial?: SelectionChoice): void;
  close(): void;
  toggleEnhancement(id: number): void;
  removeIdentification(id: number): void;
  removeFrame(evidenceId: number, index: number): void;
  set(patch: Partial<Pick<ReportState, 'redact' | 'reason' | 'output'>>): void;
  start(): Promise<void>;
}

export const useReport = create<ReportState>()((set, get) => ({
  visible: false,
  enhancements: [],
  enhancementIds: [],
  identificationIds: [],
  frames: [],
  keepTrackIds: [],
  redact: true,
  reason: '',
  output: 'report',
  jobId: null,
  error: null,
  open(initial) {
    set({
      visible: true,
      enhancementIds: [...(initial?.enhancementIds ?? [])],
      identificationIds: [...(initial?.identificationIds ?? [])],
      frames: [...(initial?.frames ?? [])],
      keepTrackIds: [...(initial?.keepTrackIds ?? [])],
      redact: initial?.redact ?? true,
      reason: initial?.reason ?? '',
      jobId: null,
      error: null,
    });
    void call('enhance:list', {}).then(
      (list) => set({ enhancements: list }),
      (e: unknown) => set({ error: e instanceof Error ? e.message : String(e) }),
    );
  },
  close() {
    set({ visible: false });
  },
  toggleEnhancement(id) {
    const ids = get().enhancementIds;
    set({ enhancementIds: ids.includes(id) ? ids.filter((x) => x !== id) : [...ids, id].sort((a, b) => a - b) });
  },
  removeIdentification(id) {
    set({ identificationIds: get().identificationIds.filter((x) => x !== id) });
  },
  removeFrame(evidenceId, index) {
    set({ frames: get().frames.filter((f) => f.evidenceId !== evidenceId || f.index !== index) });
  },
  set(patch) {
    set(patch);
  },
  async start() {
    const s = get();
    // The previous job's outcome must not stand for this one's.
    set({ error: null, jobId: null });
    const selection: SelectionChoice = {
      enhancementIds: s.enhancementIds,
      identificationIds: s.identificationIds,
      frames: s.frames,
      keepTrackIds: s.keepTrackIds,
      redact: s.redact,
      ...(s.redact ? {} : { reason: s.reason.trim() }),
    };
    const def = await call('export:defaultPath', { kind: s.output === 'report' ? 'report' : 'package' });
    const suggested = s.output === 'zip' ? { ...def, name: `${def.name}.zip`, path: `${def.path}.zip` } : def;
    const path = await chooseSavePath(s.output === 'report' ? 'Save the evidence report' : 'Save the export package', suggested);
    if (!path) return;
    const channel = s.output === 'report' ? 'report:create' : 'package:create';
    try {
      const job = await call(channel, { selection, path });
      set({ jobId: job.id });
    } catch (e) {
      if (e instanceof AppError && /already exists/.test(e.message) && window.confirm(`${path} already exists. Replace it?`)) {
        const job = await call(channel, { selection, path, force: true });
        set({ jobId: job.id });
        return;
      }
      throw e;
    }
  },
}));
