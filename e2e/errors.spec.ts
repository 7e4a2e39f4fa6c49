/** Failures read as sentences and leave the case usable. */
import path from 'node:path';
import { expect, test } from './fixtures';
import { createCase, importFiles, jobRow, openClip } from './steps';

test('a corrupt file fails its import with a readable message; the case stays usable', async ({ app, media }) => {
  const { page } = app;
  await createCase(app, { caseNumber: '2026-00977', title: 'Damaged export', examiner: 'DC J. Rivera', agency: '' });
  await importFiles(app, [media.broken]);

  const row = jobRow(app, path.basename(media.broken));
  await expect(row).toHaveAttribute('data-state', 'failed');
  const message = (await row.locator('.job-error').textContent()) ?? '';
  expect(message.length).toBeGreaterThan(10);
  expect(message).not.toMatch(/undefined|\[object|at .*\.js:\d+|Error:/);
  const toast = page.getByTestId('toast-error').filter({ hasText: `Import of ${path.basename(media.broken)} failed` });
  await expect(toast).toBeVisible();
  await expect(toast).toContainText(message.trim());
  await expect(page.getByRole('table', { name: 'Evidence' })).toHaveCount(0);
  await app.shot('import-error');

  // Something dropped that has no path on disk (all a browser can offer) is explained, not silently ignored.
  const dropped = await page.evaluateHandle(() => {
    const g = globalThis as unknown as { DataTransfer: new () => { items: { add(f: unknown): void } }; File: new (parts: string[], name: string) => unknown };
    const dt = new g.DataTransfer();
    dt.items.add(new g.File(['not a clip'], 'clip.mp4'));
    return dt;
  });
  await page.dispatchEvent('.case-view', 'drop', { dataTransfer: dropped });
  await expect(page.getByTestId('toast-info')).toContainText(app.shell === 'browser' ? 'cannot be located from a browser' : 'Nothing to import');

  // The case goes on: a good clip imports and its frames show.
  await importFiles(app, [media.clipB]);
  await expect(jobRow(app, path.basename(media.clipB))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(media.clipB));
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('frame-index')).toHaveText('1');

  // A frame number past the end goes to the last frame; nothing breaks.
  await page.getByTestId('frame-input').fill('9999');
  await page.getByTestId('frame-input').press('Enter');
  await expect(page.getByTestId('frame-index')).toHaveText('44');
});
