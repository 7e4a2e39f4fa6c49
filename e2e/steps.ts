/** UI steps shared by the specs, written as an investigator would do them (labels and roles, not internals). */
import path from 'node:path';
import { expect, type SightlineApp } from './fixtures';

export interface CaseFacts {
  readonly caseNumber: string;
  readonly title: string;
  readonly examiner: string;
  readonly agency: string;
}

export const CASE: CaseFacts = { caseNumber: '2026-00412', title: 'Armed robbery, Harbour Street kiosk', examiner: 'DC J. Rivera', agency: 'Metro Police Digital Forensics' };

export async function createCase(app: SightlineApp, c: CaseFacts = CASE): Promise<string> {
  const { page } = app;
  const form = page.getByRole('form', { name: 'New case' });
  await form.getByLabel('Case number').fill(c.caseNumber);
  await form.getByLabel('Title').fill(c.title);
  await form.getByLabel('Examiner').fill(c.examiner);
  await form.getByLabel('Agency').fill(c.agency);
  await expect(form.getByLabel('Location')).toHaveValue(app.casesDir);
  await form.getByRole('button', { name: 'Create case' }).click();
  await expect(page.locator('.case-chip')).toContainText(c.caseNumber);
  await expect(page.getByRole('region', { name: 'Evidence' })).toBeVisible();
  return path.join(app.casesDir, `${c.caseNumber}.sightline`);
}

/** Record every progress event the page receives (the same `jobs:progress` events the bars draw). */
export async function recordProgress(app: SightlineApp): Promise<void> {
  await app.page.evaluate(() => {
    const w = globalThis as unknown as { __progress: unknown[]; sightline: { on(e: string, cb: (p: unknown) => void): () => void } };
    w.__progress = [];
    w.sightline.on('jobs:progress', (p) => w.__progress.push(p));
  });
}

export async function progressEvents(app: SightlineApp): Promise<{ jobId: number; stage: string; current: number; total: number }[]> {
  return app.page.evaluate(() => (globalThis as unknown as { __progress: { jobId: number; stage: string; current: number; total: number }[] }).__progress);
}

export async function importFiles(app: SightlineApp, files: readonly string[]): Promise<void> {
  await app.pickFiles(files, () => app.page.getByRole('button', { name: 'Import…' }).click());
}

export function jobRow(app: SightlineApp, fileName: string) {
  return app.page.getByTestId('job').filter({ has: app.page.locator('.job-title', { hasText: fileName }) });
}

export async function openClip(app: SightlineApp, fileName: string): Promise<void> {
  await app.page.getByRole('table', { name: 'Evidence' }).getByRole('button', { name: fileName, exact: true }).click();
  await expect(app.page.getByTestId('frame-image')).toHaveAttribute('data-frame-index', '0');
  await expect(app.page.getByTestId('frame-index')).toHaveText('0');
}

/** Wait until frame `i` is on screen: its image decoded and its number shown. */
export async function expectFrame(app: SightlineApp, i: number): Promise<void> {
  await expect(app.page.getByTestId('frame-image')).toHaveAttribute('data-frame-index', String(i));
  await expect(app.page.getByTestId('frame-index')).toHaveText(String(i));
}
