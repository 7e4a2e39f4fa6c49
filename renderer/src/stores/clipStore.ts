/**
 * The clip being examined: which frame is asked for and which frame is on screen.
 *
 * The label an investigator reads must belong to the pixels they see, so the frame number, timestamp and pts shown
 * come from `shown` (the frame whose image has been decoded), never from the frame merely requested. Requests are
 * coalesced: at most one is in flight and, when it returns, the latest target is fetched next, so holding an
 * arrow key never queues hundreds of decodes.
 */
import { create } from 'zustand';
import type { FrameView, StripView } from '../../../app/contract';
import type { Evidence } from '../../../app/contract';
import type { FrameExport } from '../../../app/contract';
import { call, describeError, mediaUrl } from '../bridge/api';

interface ClipState {
  evidence: Evidence | null;
  /** Seconds from the first frame, per frame index. */
  times: number[];
  target: number;
  shown: (FrameView & { readonly url: string }) | null;
  loading: boolean;
  error: string | null;
  /** The target whose frame failed to load: not asked again until the investigator moves. */
  loadingFailedAt: number | null;
  strip: (StripView & { readonly url: string }) | null;
  stripError: string | null;
  open(evidenceId: number): Promise<void>;
  goTo(index: number): void;
  step(delta: number): void;
  exportShown(): Promise<FrameExport | null>;
  reset(): void;
}

let inFlight = false;
/** Bumped when another clip opens, so answers for the previous clip are dropped. */
let generation = 0;

const STRIP_TILE_HEIGHT = 64;

/** As many thumbnails as fit the window's width undistorted (the timeline spans the window). */
function stripCount(e: Evidence): number {
  const tileWidth = (STRIP_TILE_HEIGHT * e.width) / Math.max(1, e.height);
  return Math.max(2, Math.min(120, e.frameCount, Math.round(Math.max(320, window.innerWidth - 24) / tileWidth)));
}

async function decoded(url: string): Promise<void> {
  const img = new Image();
  img.src = url;
  await img.decode();
}

export const useClip = create<ClipState>()((set, get) => {
  async function pump(): Promise<void> {
    if (inFlight) return;
    const { evidence, target, shown, error } = get();
    if (!evidence || (shown && shown.evidenceId === evidence.id && shown.index === target)) {
      set({ loading: false });
      return;
    }
    if (error && get().loadingFailedAt === target) {
      set({ loading: false });
      return;
    }
    inFlight = true;
    const gen = generation;
    set({ loading: true });
    try {
      const frame = await call('frames:get', { evidenceId: evidence.id, index: target });
      const url = mediaUrl(frame.media);
      await decoded(url);
      if (gen === generation) set({ shown: { ...frame, url }, error: null, loadingFailedAt: null });
    } catch (e) {
      if (gen === generation) set({ error: `frame ${target}: ${describeError(e)}`, loadingFailedAt: target });
    } finally {
      inFlight = false;
      if (gen === generation) {
        const s = get();
        const done = (s.shown?.index === s.target && s.shown.evidenceId === s.evidence?.id) || s.loadingFailedAt === s.target;
        if (done) set({ loading: false });
        else void pump();
      }
    }
  }

  return {
    evidence: null,
    times: [],
    target: 0,
    shown: null,
    loading: false,
    error: null,
    loadingFailedAt: null,
    strip: null,
    stripError: null,
    async open(evidenceId) {
      if (get().evidence?.id === evidenceId) return;
      generation++;
      inFlight = false;
      set({ evidence: null, times: [], target: 0, shown: null, error: null, loadingFailedAt: null, strip: null, stripError: null, loading: true });
      const gen = generation;
      const list = await call('evidence:list', {});
      const evidence = list.find((e) => e.id === evidenceId);
      if (!evidence) throw new Error(`evidence ${evidenceId} is not in this case`);
      const times = await call('frames:times', { evidenceId });
      if (gen !== generation) return;
      set({ evidence, times });
      void pump();
      // The strip decodes a few dozen frames: it arrives after the first frame and never blocks stepping.
      call('frames:strip', { evidenceId, count: stripCount(evidence), tileHeight: STRIP_TILE_HEIGHT })
        .then((strip) => {
          if (gen === generation) set({ strip: { ...strip, url: mediaUrl(strip.media) } });
        })
        .catch((e: unknown) => {
          if (gen === generation) set({ stripError: describeError(e) });
        });
    },
    goTo(index) {
      const e = get().evidence;
      if (!e) return;
      const clamped = Math.max(0, Math.min(e.frameCount - 1, Math.round(index)));
      if (clamped === get().target && !get().error) return;
      set({ target: clamped, error: null, loadingFailedAt: null });
      void pump();
    },
    step(delta) {
      get().goTo(get().target + delta);
    },
    async exportShown() {
      const s = get().shown;
      if (!s) return null;
      return call('frames:export', { evidenceId: s.evidenceId, index: s.index });
    },
    reset() {
      generation++;
      inFlight = false;
      set({ evidence: null, times: [], target: 0, shown: null, error: null, loadingFailedAt: null, strip: null, stripError: null, loading: false });
    },
  };
});
