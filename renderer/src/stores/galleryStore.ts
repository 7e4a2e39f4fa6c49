/**
 * The Gallery view's state: the people and their references, enrolment (one `enrol` job per photo, followed in
 * the jobs store), and the face to pick when a photo shows several (from the failed job's error details).
 */
import { create } from 'zustand';
import type { Job, PersonView } from '../../../app/contract';
import { call } from '../bridge/api';
import { adoptJob } from './identifyStore';
import { useJobs } from './jobsStore';

export interface FaceChoice {
  readonly path: string;
  readonly person: string;
  readonly note: string | null;
  readonly faces: ReadonlyArray<{ readonly index: number; readonly box: { x: number; y: number; w: number; h: number }; readonly score: number; readonly thumbSha256: string }>;
}

interface GalleryState {
  people: PersonView[];
  loading: boolean;
  /** Enrol jobs started from this view (their outcome is shown beside the form). */
  jobIds: number[];
  choice: FaceChoice | null;
  load(): Promise<void>;
  enrol(paths: string[], person: string, note: string | null, faceIndex?: number): Promise<Job[]>;
  importFolder(folder: string): Promise<{ jobs: Job[]; people: number; skipped: string[] }>;
  rename(personId: number, name: string, reason: string): Promise<void>;
  setStatus(personId: number, status: 'active' | 'retired', reason: string): Promise<void>;
  clearChoice(): void;
}

export const useGallery = create<GalleryState>()((set, get) => ({
  people: [],
  loading: false,
  jobIds: [],
  choice: null,
  async load() {
    set({ loading: true });
    try {
      set({ people: await call('gallery:list', { includeRetired: true }) });
    } finally {
      set({ loading: false });
    }
  },
  async enrol(paths, person, note, faceIndex) {
    const jobs = await call('gallery:enrol', { paths, person, ...(note ? { note } : {}), ...(faceIndex !== undefined ? { faceIndex } : {}) });
    const known = jobs.map(adoptJob);
    set((s) => ({ jobIds: [...s.jobIds, ...jobs.map((j) => j.id)], choice: null }));
    // A job may have ended before its id was known here (events travel apart from the answer).
    for (const j of known) offerChoice(j);
    return known;
  },
  async importFolder(folder) {
    const r = await call('gallery:importFolder', { folder });
    for (const j of r.jobs) adoptJob(j);
    set((s) => ({ jobIds: [...s.jobIds, ...r.jobs.map((j) => j.id)] }));
    return r;
  },
  async rename(personId, name, reason) {
    await call('gallery:rename', { personId, name, reason });
    await get().load();
  },
  async setStatus(personId, status, reason) {
    await call(status === 'retired' ? 'gallery:retire' : 'gallery:reinstate', { personId, reason });
    await get().load();
  },
  clearChoice() {
    set({ choice: null });
  },
}));

/** An enrolment from this view refused for showing several faces: ask which face to take. */
function offerChoice(job: Job): void {
  const d = job.lastError?.details as { reason?: string; faces?: FaceChoice['faces'] } | undefined;
  if (job.kind !== 'enrol' || job.state !== 'failed' || d?.reason !== 'several-faces' || !d.faces || !useGallery.getState().jobIds.includes(job.id)) return;
  const p = job.params as { path: string; person: string; note: string | null };
  useGallery.setState({ choice: { path: p.path, person: p.person, note: p.note, faces: d.faces } });
}

// An enrolment that ended changes the gallery.
useJobs.subscribe((s, prev) => {
  for (const job of Object.values(s.jobs)) {
    if (job.kind !== 'enrol') continue;
    const before = prev.jobs[job.id]?.state;
    if (before === job.state || (job.state !== 'succeeded' && job.state !== 'failed')) continue;
    void useGallery.getState().load().catch(() => undefined);
    offerChoice(job);
  }
});
