/**
 * The Compare view's state: the enhancement shown, how it is compared with its source (side by side, wipe,
 * flicker), and one zoom/pan shared by every pane so the two images always show the same place.
 */
import { create } from 'zustand';
import type { Job } from '../../../app/contract';
import type { EnhancementView } from '../../../app/contract';
import { call } from '../bridge/api';
import { useJobs } from './jobsStore';

export type CompareMode = 'side' | 'wipe' | 'flicker';

export const ZOOM_MIN = 0.25;
export const ZOOM_MAX = 16;

interface CompareState {
  enhancementId: number | null;
  enhancement: EnhancementView | null;
  mode: CompareMode;
  /** Wipe divider position, 0 (all result) … 100 (all original), percent of the viewport width. */
  wipe: number;
  /** Swaps per second in flicker mode. */
  flickerHz: number;
  flickerPaused: boolean;
  /** Display pixels per output pixel, and the pan offset in display pixels. */
  zoom: number;
  panX: number;
  panY: number;
  replayJobId: number | null;
  load(id: number): Promise<void>;
  setMode(m: CompareMode): void;
  setWipe(v: number): void;
  setFlickerHz(hz: number): void;
  toggleFlickerPause(): void;
  /** Zoom by `factor` keeping the point (ax, ay) of the viewport fixed (default: its top-left). */
  zoomBy(factor: number, ax?: number, ay?: number): void;
  setZoom(z: number): void;
  panBy(dx: number, dy: number): void;
  resetView(zoom?: number): void;
  replay(): Promise<Job>;
}

const clampZoom = (z: number): number => Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z));

export const useCompare = create<CompareState>()((set, get) => ({
  enhancementId: null,
  enhancement: null,
  mode: 'side',
  wipe: 50,
  flickerHz: 2,
  flickerPaused: false,
  zoom: 1,
  panX: 0,
  panY: 0,
  replayJobId: null,
  async load(id) {
    const changed = get().enhancementId !== id;
    set({ enhancementId: id, ...(changed ? { enhancement: null } : {}) });
    const e = await call('enhance:get', { enhancementId: id });
    if (get().enhancementId === id) set({ enhancement: e });
  },
  setMode(mode) {
    set({ mode });
  },
  setWipe(v) {
    set({ wipe: Math.min(100, Math.max(0, v)) });
  },
  setFlickerHz(hz) {
    set({ flickerHz: Math.min(10, Math.max(0.5, hz)) });
  },
  toggleFlickerPause() {
    set((s) => ({ flickerPaused: !s.flickerPaused }));
  },
  zoomBy(factor, ax = 0, ay = 0) {
    const { zoom, panX, panY } = get();
    const z = clampZoom(zoom * factor);
    const k = z / zoom;
    // The image point under (ax, ay) stays under it: pan' = a − (a − pan)·k.
    set({ zoom: z, panX: ax - (ax - panX) * k, panY: ay - (ay - panY) * k });
  },
  setZoom(z) {
    set({ zoom: clampZoom(z) });
  },
  panBy(dx, dy) {
    set((s) => ({ panX: s.panX + dx, panY: s.panY + dy }));
  },
  resetView(zoom = 1) {
    set({ zoom: clampZoom(zoom), panX: 0, panY: 0 });
  },
  async replay() {
    const id = get().enhancementId;
    if (id === null) throw new Error('no enhancement is shown');
    const job = await call('enhance:replay', { enhancementId: id });
    useJobs.getState().applyJob(job);
    set({ replayJobId: job.id });
    return job;
  },
}));

// A replay of the enhancement shown adds to its replay list.
useJobs.subscribe((s, prev) => {
  const { replayJobId, enhancementId } = useCompare.getState();
  if (replayJobId === null || enhancementId === null) return;
  const job = s.jobs[replayJobId];
  if (!job || prev.jobs[replayJobId]?.state === job.state) return;
  if (job.state === 'succeeded' || job.state === 'failed' || job.state === 'cancelled') {
    useCompare.setState({ replayJobId: null });
    void useCompare.getState().load(enhancementId).catch(() => undefined);
  }
});
