/**
 * The clip being examined: which frame is asked for and which frame is on screen.
 *
 * The label an investigator reads must belong to the pixels they see, so the frame number, timestamp and pts shown
 * come from `shown` (the frame whose image has been decoded), never from the frame merely requested. Requests are
 * coalesced: at most one is in flight and, when it returns, the latest target is fetched next, so holding an
 * arrow key never queues hundreds of decodes.
 *
 * Frames already seen are kept decoded (an LRU cache sized by pixels), so stepping back — or forth again — shows
 * them at once, without asking main. Playback shows EVERY frame in order (never skipping one, so nothing on the
 * footage is missed) at up to the chosen speed: each frame stays up for its own duration (pts difference) divided
 * by the speed, or longer when decoding cannot keep up — the status then says the real speed.
 */
import { create } from 'zustand';
import type { FrameView, StripView } from '../../../app/contract';
import type { Evidence } from '../../../app/contract';
import type { FrameExport } from '../../../app/contract';
import { call, describeError, mediaUrl } from '../bridge/api';

type ShownFrame = FrameView & { readonly url: string };

interface ClipState {
  evidence: Evidence | null;
  /** Seconds from the first frame, per frame index. */
  times: number[];
  target: number;
  shown: ShownFrame | null;
  loading: boolean;
  error: string | null;
  /** The target whose frame failed to load: not asked again until the investigator moves. */
  loadingFailedAt: number | null;
  strip: (StripView & { readonly url: string }) | null;
  stripError: string | null;
  playing: boolean;
  /** Playback speed (1 = real time). */
  speed: number;
  /** Measured playback speed over the last second (real time = 1), null when not playing. */
  actualSpeed: number | null;
  open(evidenceId: number): Promise<void>;
  goTo(index: number): void;
  step(delta: number): void;
  play(): void;
  pause(): void;
  togglePlay(): void;
  setSpeed(speed: number): void;
  exportShown(): Promise<FrameExport | null>;
  reset(): void;
}

export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;

let inFlight = false;
/** Bumped when another clip opens, so answers for the previous clip are dropped. */
let generation = 0;

const STRIP_TILE_HEIGHT = 64;

/** Decoded frames kept, by total pixels (RGBA in memory): ~256 MB, at least 16 frames. */
const CACHE_PIXEL_BUDGET = 64_000_000;

interface Cached {
  readonly frame: FrameView;
  readonly url: string;
  /** Held so the browser keeps the frame decoded. */
  readonly img: HTMLImageElement;
}

/** Frames already decoded, most recently used last. */
const cache = new Map<number, Cached>();
let cacheLimit = 16;

function remember(index: number, c: Cached): void {
  cache.delete(index);
  cache.set(index, c);
  while (cache.size > cacheLimit) cache.delete(cache.keys().next().value!);
}

function cached(index: number): Cached | undefined {
  const c = cache.get(index);
  if (c) remember(index, c);
  return c;
}

/** As many thumbnails as fit the window's width undistorted (the timeline spans the window). */
function stripCount(e: Evidence): number {
  const tileWidth = (STRIP_TILE_HEIGHT * e.width) / Math.max(1, e.height);
  return Math.max(2, Math.min(120, e.frameCount, Math.round(Math.max(320, window.innerWidth - 24) / tileWidth)));
}

async function decoded(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.src = url;
  await img.decode();
  return img;
}

/** Fetch and decode frame `index` into the cache (prefetch and the pump share it). */
async function load(evidenceId: number, index: number): Promise<Cached> {
  const hit = cached(index);
  if (hit) return hit;
  const frame = await call('frames:get', { evidenceId, index });
  const url = mediaUrl(frame.media);
  const c = { frame, url, img: await decoded(url) };
  remember(index, c);
  return c;
}

let playTimer: ReturnType<typeof setTimeout> | undefined;
/** When the frame on screen appeared (for the next one's due time), and a window of shown frames for the real speed. */
let shownAt = 0;
const recent: Array<{ at: number; time: number }> = [];
let prefetching = 0;

export const useClip = create<ClipState>()((set, get) => {
  function show(c: Cached): void {
    shownAt = performance.now();
    set({ shown: { ...c.frame, url: c.url }, error: null, loadingFailedAt: null });
    if (get().playing) onPlayedFrame(c.frame.index);
  }

  async function pump(): Promise<void> {
    const { evidence, target, shown, error } = get();
    if (!evidence || (shown && shown.evidenceId === evidence.id && shown.index === target)) {
      set({ loading: false });
      return;
    }
    if (error && get().loadingFailedAt === target) {
      set({ loading: false });
      return;
    }
    // A frame seen before is shown at once, whatever is in flight.
    const hit = cached(target);
    if (hit) {
      show(hit);
      set({ loading: false });
      return;
    }
    if (inFlight) return;
    inFlight = true;
    const gen = generation;
    set({ loading: true });
    try {
      const c = await load(evidence.id, target);
      if (gen === generation && get().target === target) show(c);
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

  /** While playing, decode the next frames in the background (two at a time at most). */
  function prefetch(from: number): void {
    const { evidence } = get();
    if (!evidence) return;
    const gen = generation;
    for (let i = from + 1; i <= Math.min(evidence.frameCount - 1, from + 3) && prefetching < 2; i++) {
      if (cache.has(i)) continue;
      prefetching++;
      load(evidence.id, i)
        .catch(() => undefined)
        .finally(() => {
          prefetching--;
          if (gen === generation && get().playing && get().target === i) void pump();
        });
    }
  }

  function onPlayedFrame(index: number): void {
    const s = get();
    const e = s.evidence;
    if (!e) return;
    const now = performance.now();
    recent.push({ at: now, time: s.times[index] ?? 0 });
    while (recent.length > 2 && now - recent[0]!.at > 1500) recent.shift();
    const span = recent.length > 1 ? (now - recent[0]!.at) / 1000 : 0;
    const actual = span > 0.3 ? (recent[recent.length - 1]!.time - recent[0]!.time) / span : null;
    if (index >= e.frameCount - 1) {
      set({ playing: false, actualSpeed: null });
      return;
    }
    set({ actualSpeed: actual });
    prefetch(index);
    // This frame stays up for its own duration at the chosen speed, then the next one is asked for.
    const duration = Math.max(0.001, (s.times[index + 1] ?? 0) - (s.times[index] ?? 0));
    const due = Math.max(0, duration / s.speed * 1000 - (performance.now() - shownAt));
    clearTimeout(playTimer);
    playTimer = setTimeout(() => {
      if (get().playing && get().shown?.index === index) get().goTo(index + 1);
    }, due);
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
    playing: false,
    speed: 1,
    actualSpeed: null,
    async open(evidenceId) {
      if (get().evidence?.id === evidenceId) return;
      generation++;
      inFlight = false;
      cache.clear();
      get().pause();
      set({ evidence: null, times: [], target: 0, shown: null, error: null, loadingFailedAt: null, strip: null, stripError: null, loading: true });
      const gen = generation;
      const list = await call('evidence:list', {});
      const evidence = list.find((e) => e.id === evidenceId);
      if (!evidence) throw new Error(`evidence ${evidenceId} is not in this case`);
      const times = await call('frames:times', { evidenceId });
      if (gen !== generation) return;
      cacheLimit = Math.max(16, Math.floor(CACHE_PIXEL_BUDGET / Math.max(1, evidence.width * evidence.height)));
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
      get().pause();
      get().goTo(get().target + delta);
    },
    play() {
      const { evidence, shown, playing } = get();
      if (!evidence || playing) return;
      recent.length = 0;
      set({ playing: true, actualSpeed: null });
      // From the end, start again at the beginning.
      if (shown && shown.index >= evidence.frameCount - 1) get().goTo(0);
      else if (shown) onPlayedFrame(shown.index);
    },
    pause() {
      clearTimeout(playTimer);
      if (get().playing) set({ playing: false, actualSpeed: null });
    },
    togglePlay() {
      if (get().playing) get().pause();
      else get().play();
    },
    setSpeed(speed) {
      set({ speed });
    },
    async exportShown() {
      const s = get().shown;
      if (!s) return null;
      return call('frames:export', { evidenceId: s.evidenceId, index: s.index });
    },
    reset() {
      generation++;
      inFlight = false;
      cache.clear();
      clearTimeout(playTimer);
      set({ evidence: null, times: [], target: 0, shown: null, error: null, loadingFailedAt: null, strip: null, stripError: null, loading: false, playing: false, actualSpeed: null });
    },
  };
});
