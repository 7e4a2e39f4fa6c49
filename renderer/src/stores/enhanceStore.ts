/**
 * The Track view's state: the clip's face tracks, the chosen track's detections (the filmstrip), the frames
 * picked for an enhancement, mode and scale, and the track's enhancements. Job ends are picked up from the jobs
 * store (which main's events feed once, at start-up), so this store holds no subscription of its own to main.
 */
import { create } from 'zustand';
import { ENHANCE_MODE_INFO, ENHANCE_MODES, tierOf, type EnhanceMode } from '../../../domain/enhance';
import type { Job } from '../../../app/contract';
import type { DetectionView, EnhancementView, TrackView } from '../../../app/contract';
import { call } from '../bridge/api';
import { useJobs } from './jobsStore';

export type EnhanceModeName = EnhanceMode;

/** The methods offered, in the order shown; labels, tiers and help text come from the domain layer. */
export const MODES = ENHANCE_MODES.map((mode) => ({ mode, ...ENHANCE_MODE_INFO[mode], tier: tierOf(mode) }));

interface EnhanceState {
  evidenceId: number | null;
  tracks: TrackView[];
  trackId: number | null;
  /** The chosen track's detections in frame order. */
  detections: DetectionView[];
  selected: number[];
  best: number;
  mode: EnhanceModeName;
  scale: 2 | 4;
  enhancements: EnhancementView[];
  loading: boolean;
  /** The enhance job started from this view, while it runs. */
  jobId: number | null;
  open(evidenceId: number, trackId?: number): Promise<void>;
  selectTrack(trackId: number): Promise<void>;
  toggleFrame(frame: number): void;
  clearSelection(): void;
  suggest(n?: number): Promise<void>;
  setBest(n: number): void;
  setMode(m: EnhanceModeName): void;
  setScale(s: 2 | 4): void;
  start(): Promise<Job>;
  reloadEnhancements(): Promise<void>;
}

export const useEnhance = create<EnhanceState>()((set, get) => ({
  evidenceId: null,
  tracks: [],
  trackId: null,
  detections: [],
  selected: [],
  best: 8,
  mode: 'fusion',
  scale: 4,
  enhancements: [],
  loading: false,
  jobId: null,
  async open(evidenceId, trackId) {
    set({ loading: true, evidenceId });
    try {
      const { tracks } = await call('tracks:list', { evidenceId, best: 1 });
      set({ tracks });
      const pick = trackId ?? (get().trackId !== null && tracks.some((t) => t.id === get().trackId) ? get().trackId! : tracks[0]?.id);
      if (pick !== undefined) await get().selectTrack(pick);
      else set({ trackId: null, detections: [], selected: [], enhancements: [] });
    } finally {
      set({ loading: false });
    }
  },
  async selectTrack(trackId) {
    const [dets, enhancements] = await Promise.all([call('tracks:detections', { trackId }), call('enhance:list', { trackId })]);
    set({ trackId, detections: [...dets].sort((a, b) => a.frame - b.frame), selected: [], enhancements });
  },
  toggleFrame(frame) {
    set((s) => ({ selected: s.selected.includes(frame) ? s.selected.filter((f) => f !== frame) : [...s.selected, frame].sort((a, b) => a - b) }));
  },
  clearSelection() {
    set({ selected: [] });
  },
  async suggest(n) {
    const { trackId, best } = get();
    if (trackId === null) return;
    const p = await call('enhance:suggest', { trackId, best: n ?? best });
    set({ selected: p.frames });
  },
  setBest(n) {
    set({ best: Math.max(1, Math.min(64, Math.round(n) || 1)) });
  },
  setMode(mode) {
    set({ mode });
  },
  setScale(scale) {
    set({ scale });
  },
  async start() {
    const { trackId, selected, mode, scale } = get();
    if (trackId === null) throw new Error('choose a track first');
    if (selected.length === 0) throw new Error('select at least one frame (or use Best N)');
    const { job } = await call('enhance:start', { trackId, frames: selected, mode, scale });
    useJobs.getState().applyJob(job);
    set({ jobId: job.id });
    return job;
  },
  async reloadEnhancements() {
    const { trackId } = get();
    if (trackId === null) return;
    set({ enhancements: await call('enhance:list', { trackId }) });
  },
}));

/** The reference a selection would use: its highest-quality frame (the rule main applies). */
export function referenceFrame(detections: readonly DetectionView[], selected: readonly number[]): number | null {
  let best: DetectionView | null = null;
  for (const d of detections) {
    if (!selected.includes(d.frame)) continue;
    if (!best || d.quality > best.quality || (d.quality === best.quality && d.frame < best.frame)) best = d;
  }
  return best?.frame ?? null;
}

// An enhancement or replay that ended changes what the Track view lists.
useJobs.subscribe((s, prev) => {
  for (const job of Object.values(s.jobs)) {
    if (job.kind !== 'enhance' && job.kind !== 'replay') continue;
    const before = prev.jobs[job.id]?.state;
    const ended = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
    if (!ended || before === job.state) continue;
    const st = useEnhance.getState();
    if (st.jobId === job.id) useEnhance.setState({ jobId: null });
    void st.reloadEnhancements().catch(() => undefined);
  }
});
