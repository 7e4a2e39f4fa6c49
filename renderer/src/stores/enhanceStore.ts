/**
 * The Enhance view's state: the clip's face tracks, the chosen track's detections (the filmstrip), the frames
 * picked for an enhancement, mode and scale, and the track's enhancements. Job ends are picked up from the jobs
 * store (which main's events feed once, at start-up), so this store holds no subscription of its own to main.
 *
 * The frame selection belongs to its track and lives here, not in the view: switching views, opening a result in
 * Compare and coming back, or looking at another track and returning all find it as it was. How it was made is
 * kept too ("best 8", then changed by hand or not), so main records the selection for what it is.
 */
import { create } from 'zustand';
import { ENHANCE_MODE_INFO, ENHANCE_MODES, tierOf, type EnhanceMode } from '../../../domain/enhance';
import type { Job } from '../../../app/contract';
import type { DetectionView, EnhancementView, TrackView } from '../../../app/contract';
import { call } from '../bridge/api';
import { useJobs } from './jobsStore';
import { toastError } from './toastStore';

export type EnhanceModeName = EnhanceMode;

/** The methods offered, in the order shown; labels, tiers and help text come from the domain layer. */
export const MODES = ENHANCE_MODES.map((mode) => ({ mode, ...ENHANCE_MODE_INFO[mode], tier: tierOf(mode) }));

/** Fusion needs this many frames that register (domain CURRENT_DEFAULTS.fusion.minFrames); checked again by main. */
export const MIN_FUSION_FRAMES = 3;

/** A track's selection and how it was made. */
export interface TrackSelection {
  readonly frames: number[];
  /** N when the selection started as "best N" (it may have been changed by hand since: main tells). */
  readonly bestOf: number | null;
}

interface EnhanceState {
  evidenceId: number | null;
  tracks: TrackView[];
  trackId: number | null;
  /** The chosen track's detections in frame order. */
  detections: DetectionView[];
  /** Selections by track id: kept while the case is open. */
  selections: Record<number, TrackSelection>;
  best: number;
  mode: EnhanceModeName;
  scale: 2 | 4;
  /** Run a fusion with fewer registered frames than its minimum as a labelled single-frame deconvolution. */
  singleFrame: boolean;
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
  setSingleFrame(v: boolean): void;
  start(): Promise<Job>;
  cancel(): Promise<void>;
  rename(trackId: number, name: string): Promise<void>;
  reloadEnhancements(): Promise<void>;
  reset(): void;
}

const EMPTY: TrackSelection = Object.freeze({ frames: [], bestOf: null }) as TrackSelection;

/** The selection of the chosen track (empty when none). */
export function currentSelection(s: Pick<EnhanceState, 'trackId' | 'selections'>): TrackSelection {
  return s.trackId !== null ? (s.selections[s.trackId] ?? EMPTY) : EMPTY;
}

/** Why the Enhance button cannot be pressed now, in words (null: it can). */
export function enhanceBlocker(s: Pick<EnhanceState, 'trackId' | 'selections' | 'mode' | 'singleFrame' | 'jobId'>): string | null {
  if (s.jobId !== null) return 'An enhancement of this track is running: wait for it, or cancel it';
  if (s.trackId === null) return 'Choose a track first';
  const n = currentSelection(s).frames.length;
  if (n === 0) return s.mode === 'restore' ? 'Select a frame (Restore uses one: the best selected)' : 'Select frames in the filmstrip, or use “Select best N”';
  if (s.mode !== 'restore' && n < MIN_FUSION_FRAMES && !(s.mode === 'fusion' && s.singleFrame)) {
    return `${ENHANCE_MODE_INFO[s.mode].label} needs at least ${MIN_FUSION_FRAMES} frames (${n} selected): select more${s.mode === 'fusion' ? ', or allow a single-frame deconvolution' : ', or use Restore'}`;
  }
  return null;
}

export const useEnhance = create<EnhanceState>()((set, get) => ({
  evidenceId: null,
  tracks: [],
  trackId: null,
  detections: [],
  selections: {},
  best: 8,
  mode: 'fusion',
  scale: 4,
  singleFrame: false,
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
      else set({ trackId: null, detections: [], enhancements: [] });
    } finally {
      set({ loading: false });
    }
  },
  async selectTrack(trackId) {
    const [dets, enhancements] = await Promise.all([call('tracks:detections', { trackId }), call('enhance:list', { trackId })]);
    // The track's selection (if any) stays as it was.
    set({ trackId, detections: [...dets].sort((a, b) => a.frame - b.frame), enhancements });
  },
  toggleFrame(frame) {
    const { trackId } = get();
    if (trackId === null) return;
    set((s) => {
      const cur = currentSelection(s);
      const frames = cur.frames.includes(frame) ? cur.frames.filter((f) => f !== frame) : [...cur.frames, frame].sort((a, b) => a - b);
      return { selections: { ...s.selections, [trackId]: { frames, bestOf: frames.length ? cur.bestOf : null } } };
    });
  },
  clearSelection() {
    const { trackId } = get();
    if (trackId === null) return;
    set((s) => ({ selections: { ...s.selections, [trackId]: EMPTY } }));
  },
  async suggest(n) {
    const { trackId, best } = get();
    if (trackId === null) return;
    const count = n ?? best;
    const p = await call('enhance:suggest', { trackId, best: count });
    set((s) => ({ selections: { ...s.selections, [trackId]: { frames: p.frames, bestOf: count } } }));
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
  setSingleFrame(singleFrame) {
    set({ singleFrame });
  },
  async start() {
    const s = get();
    const why = enhanceBlocker(s);
    if (why) throw new Error(why);
    const sel = currentSelection(s);
    const { job } = await call('enhance:start', {
      trackId: s.trackId!,
      frames: sel.frames,
      ...(sel.bestOf !== null ? { rule: { name: 'best-spread' as const, n: sel.bestOf } } : {}),
      mode: s.mode,
      scale: s.scale,
      ...(s.mode === 'fusion' && s.singleFrame ? { singleFrame: true } : {}),
    });
    useJobs.getState().applyJob(job);
    set({ jobId: job.id });
    return job;
  },
  async cancel() {
    const { jobId } = get();
    if (jobId !== null) await useJobs.getState().cancel(jobId);
  },
  async rename(trackId, name) {
    const change = await call('tracks:name', { trackId, name });
    set((s) => ({ tracks: s.tracks.map((t) => (t.id === trackId ? { ...t, name: change.name } : t)) }));
  },
  async reloadEnhancements() {
    const { trackId } = get();
    if (trackId === null) return;
    set({ enhancements: await call('enhance:list', { trackId }) });
  },
  reset() {
    set({ evidenceId: null, tracks: [], trackId: null, detections: [], selections: {}, enhancements: [], jobId: null, singleFrame: false });
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

/** What each stage of the enhance job is called on screen (workers/enhance/task.ts reports these). */
export const ENHANCE_STAGES: Readonly<Record<string, string>> = Object.freeze({
  enhance: 'Starting',
  decode: 'Decoding frames from the evidence (MD5-checked)',
  fuse: 'Registering, matching exposure and fusing',
  restore: 'AI restoration (super-resolution network)',
  guard: 'Identity guard (drift check and quality)',
  store: 'Storing the images',
});

// An enhancement or replay that ended changes what the Track view lists.
useJobs.subscribe((s, prev) => {
  for (const job of Object.values(s.jobs)) {
    if (job.kind !== 'enhance' && job.kind !== 'replay') continue;
    const before = prev.jobs[job.id]?.state;
    const ended = job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled';
    if (!ended || before === job.state) continue;
    const st = useEnhance.getState();
    if (st.jobId === job.id) {
      useEnhance.setState({ jobId: null });
      // A refused fusion (too few frames registered) says why here, where it was started.
      if (job.kind === 'enhance' && job.state === 'failed') toastError('The enhancement did not run', new Error(job.lastError?.message ?? 'unknown error'));
    }
    void st.reloadEnhancements().catch(() => undefined);
  }
});
