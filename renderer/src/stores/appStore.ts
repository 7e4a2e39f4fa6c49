/** Which view is shown, what the app is, which case is open, and whether main is reachable. */
import { create } from 'zustand';
import type { AppInfo, CaseSummary } from '../../../app/contract';
import { call } from '../bridge/api';

export type View =
  | { readonly name: 'start' }
  | { readonly name: 'case' }
  | { readonly name: 'clip'; readonly evidenceId: number }
  | { readonly name: 'track'; readonly evidenceId: number; readonly trackId?: number }
  | { readonly name: 'compare'; readonly enhancementId: number }
  | { readonly name: 'audit' }
  | { readonly name: 'gallery' }
  | { readonly name: 'alerts' }
  | { readonly name: 'identify'; readonly evidenceId: number; readonly trackId: number };

export type Connection = 'connecting' | 'open' | 'lost';

interface AppState {
  info: AppInfo | null;
  view: View;
  currentCase: CaseSummary | null;
  connection: Connection;
  /** The clip last opened, so the Clip tab can return to it. */
  lastClip: number | null;
  /** Set when start-up could not reach main: shown instead of the views. */
  fatal: string | null;
  load(): Promise<void>;
  navigate(view: View): void;
  setCase(c: CaseSummary | null): void;
  setConnection(c: Connection): void;
}

export const useApp = create<AppState>()((set, get) => ({
  info: null,
  view: { name: 'start' },
  currentCase: null,
  connection: 'connecting',
  lastClip: null,
  fatal: null,
  async load() {
    try {
      const [info, current] = await Promise.all([call('app:info', {}), call('case:current', {})]);
      set({ info, currentCase: current, view: current ? { name: 'case' } : { name: 'start' } });
    } catch (e) {
      set({ fatal: e instanceof Error ? e.message : String(e) });
    }
  },
  navigate(view) {
    if (view.name !== 'start' && !get().currentCase) view = { name: 'start' };
    set({ view, ...(view.name === 'clip' || view.name === 'track' ? { lastClip: view.evidenceId } : {}) });
  },
  setCase(c) {
    const prev = get().currentCase;
    const sameCase = prev && c && prev.caseUuid === c.caseUuid;
    // A different case (or none) resets navigation; the same case updating (evidence added) keeps the view.
    set(sameCase ? { currentCase: c } : { currentCase: c, view: c ? { name: 'case' } : { name: 'start' }, lastClip: null });
  },
  setConnection(connection) {
    set({ connection });
  },
}));
