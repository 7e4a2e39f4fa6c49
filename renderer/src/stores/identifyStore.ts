/**
 * The Identify view's state for one track: its identifications (newest first), the one shown, the candidate
 * being compared, the track's enhancements (an enhanced image is only ever shown beside the original frames),
 * the latest appearance search, and the jobs started from here. Job ends come from the jobs store.
 */
import { create } from 'zustand';
import type { AppearanceSearchView, Conclusion, EnhancementView, IdentificationView, Job } from '../../../app/contract';
import { call } from '../bridge/api';
import { useApp } from './appStore';
import { useClip } from './clipStore';
import { useJobs } from './jobsStore';

interface IdentifyState {
  trackId: number | null;
  evidenceId: number | null;
  identifications: IdentificationView[];
  current: IdentificationView | null;
  personId: number | null;
  enhancements: EnhancementView[];
  enhancementId: number | null;
  appearances: AppearanceSearchView | null;
  conclusions: Conclusion[];
  /** Blind verification: earlier conclusions stay hidden until this examiner has recorded theirs. */
  blind: boolean;
  identifyJob: number | null;
  appearancesJob: number | null;
  open(evidenceId: number, trackId: number): Promise<void>;
  reload(): Promise<void>;
  show(identificationId: number): Promise<void>;
  choose(personId: number | null): void;
  chooseEnhancement(id: number | null): void;
  setBlind(b: boolean): void;
  identify(opts?: { frames?: number[]; enhancementId?: number }): Promise<Job>;
  findAppearances(): Promise<Job>;
  loadConclusions(): Promise<void>;
}

export const useIdentify = create<IdentifyState>()((set, get) => ({
  trackId: null,
  evidenceId: null,
  identifications: [],
  current: null,
  personId: null,
  enhancements: [],
  enhancementId: null,
  appearances: null,
  conclusions: [],
  blind: false,
  identifyJob: null,
  appearancesJob: null,
  async open(evidenceId, trackId) {
    if (get().trackId !== trackId) set({ trackId, evidenceId, identifications: [], current: null, personId: null, enhancements: [], enhancementId: null, appearances: null, conclusions: [], blind: false });
    await get().reload();
  },
  async reload() {
    const trackId = get().trackId;
    if (trackId === null) return;
    const [identifications, enhancements, appearances] = await Promise.all([call('identify:list', { trackId }), call('enhance:list', { trackId }), call('appearances:latest', { trackId })]);
    if (get().trackId !== trackId) return;
    const keep = get().current && identifications.find((i) => i.id === get().current!.id);
    const current = keep ?? identifications[0] ?? null;
    set({ identifications, enhancements, appearances, current, personId: current && get().personId !== null && current.candidates.some((c) => c.personId === get().personId) ? get().personId : (current?.candidates[0]?.personId ?? null) });
    await get().loadConclusions();
  },
  async show(identificationId) {
    const current = get().identifications.find((i) => i.id === identificationId) ?? (await call('identify:get', { identificationId }));
    set({ current, personId: current.candidates[0]?.personId ?? null, blind: false });
    await get().loadConclusions();
  },
  choose(personId) {
    set({ personId });
  },
  chooseEnhancement(enhancementId) {
    set({ enhancementId });
  },
  setBlind(blind) {
    set({ blind, conclusions: blind ? [] : get().conclusions });
    if (!blind) void get().loadConclusions();
  },
  async identify(opts = {}) {
    const trackId = get().trackId;
    if (trackId === null) throw new Error('choose a track first');
    const job = await call('identify:start', { trackId, ...(opts.frames ? { frames: opts.frames } : {}), ...(opts.enhancementId ? { enhancementId: opts.enhancementId } : {}) });
    const known = adoptJob(job);
    if (ended(known)) await afterJob(known);
    else set({ identifyJob: job.id });
    return known;
  },
  async findAppearances() {
    const trackId = get().trackId;
    if (trackId === null) throw new Error('choose a track first');
    const job = await call('appearances:start', { trackId });
    const known = adoptJob(job);
    if (ended(known)) await afterJob(known);
    else set({ appearancesJob: job.id });
    return known;
  },
  async loadConclusions() {
    const cur = get().current;
    // In blind verification the examiner must not see earlier conclusions: they are not even fetched.
    if (!cur || get().blind) {
      set({ conclusions: [] });
      return;
    }
    set({ conclusions: await call('conclusions:list', { identificationId: cur.id }) });
  },
}));

/** Open a clip at a frame (an appearance, an alert). */
export function jumpTo(evidenceId: number, frame: number): void {
  useApp.getState().navigate({ name: 'clip', evidenceId });
  const go = (): boolean => {
    const s = useClip.getState();
    if (s.evidence?.id !== evidenceId) return false;
    s.goTo(frame);
    return true;
  };
  if (go()) return;
  const unsub = useClip.subscribe(() => {
    if (go()) unsub();
  });
}

function ended(j: Job): boolean {
  return j.state === 'succeeded' || j.state === 'failed' || j.state === 'cancelled';
}

/**
 * A job just started, as the start call returned it. Its `jobs:changed` events may already have arrived (they
 * travel apart from the call's answer): the newer state the jobs store holds is kept, never overwritten.
 */
export function adoptJob(job: Job): Job {
  const known = useJobs.getState().jobs[job.id];
  if (known) return known;
  useJobs.getState().applyJob(job);
  return job;
}

async function afterJob(job: Job): Promise<void> {
  const st = useIdentify.getState();
  if (st.identifyJob === job.id) useIdentify.setState({ identifyJob: null });
  if (st.appearancesJob === job.id) useIdentify.setState({ appearancesJob: null });
  if (job.state !== 'succeeded') return;
  await st.reload();
  const r = job.result as { id?: number } | null;
  if (job.kind === 'identify' && r?.id) await useIdentify.getState().show(r.id);
}

useJobs.subscribe((s, prev) => {
  for (const job of Object.values(s.jobs)) {
    if (job.kind !== 'identify' && job.kind !== 'appearances') continue;
    if (!ended(job) || prev.jobs[job.id]?.state === job.state) continue;
    void afterJob(job).catch(() => undefined);
  }
});
