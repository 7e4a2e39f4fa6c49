/** Watchlist alerts and the badge's count; reloaded when a watchlist comparison ends or the case changes. */
import { create } from 'zustand';
import type { AlertView } from '../../../app/contract';
import { call } from '../bridge/api';
import { useApp } from './appStore';
import { useJobs } from './jobsStore';

interface AlertsState {
  alerts: AlertView[];
  unreviewed: number;
  load(): Promise<void>;
  review(alertId: number, note?: string): Promise<void>;
}

export const useAlerts = create<AlertsState>()((set, get) => ({
  alerts: [],
  unreviewed: 0,
  async load() {
    if (!useApp.getState().currentCase) {
      set({ alerts: [], unreviewed: 0 });
      return;
    }
    const r = await call('alerts:list', {});
    set({ alerts: r.alerts, unreviewed: r.unreviewed });
  },
  async review(alertId, note) {
    await call('alerts:review', { alertId, ...(note ? { note } : {}) });
    await get().load();
  },
}));

useJobs.subscribe((s, prev) => {
  for (const job of Object.values(s.jobs)) {
    if (job.kind !== 'watchlist') continue;
    if (prev.jobs[job.id]?.state !== job.state && job.state === 'succeeded') void useAlerts.getState().load().catch(() => undefined);
  }
});

useApp.subscribe((s, prev) => {
  if (s.currentCase?.caseUuid !== prev.currentCase?.caseUuid) void useAlerts.getState().load().catch(() => undefined);
});
