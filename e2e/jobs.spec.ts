/** The jobs panel: a queued import can be cancelled; the running one goes on; both end in the audit log. */
import path from 'node:path';
import { makeClip } from '../testing/synth';
import { expect, test } from './fixtures';
import { createCase, importFiles, jobRow } from './steps';

test('cancel a queued import from the jobs panel', async ({ app, media }) => {
  const { page } = app;
  // Long enough (2700 frames to index) that the second import is still queued when Cancel is clicked.
  const long = await makeClip({
    out: path.join(media.dir, 'long-cam-03.mp4'),
    width: 320,
    height: 180,
    fps: 30,
    seconds: 90,
    pattern: 'testsrc2',
    codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p'],
  });
  await createCase(app, { caseNumber: '2026-01100', title: 'Queue', examiner: 'DC J. Rivera', agency: '' });
  // One batch, imported in this order: the long clip runs while the other waits its turn.
  await importFiles(app, [long, media.clipA]);

  const running = jobRow(app, path.basename(long));
  const queued = jobRow(app, path.basename(media.clipA));
  await expect(queued).toHaveAttribute('data-state', 'queued');
  await queued.getByRole('button', { name: 'Cancel' }).click();
  await expect(queued).toHaveAttribute('data-state', 'cancelled');
  await expect(queued.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(queued).toContainText('Cancelled');

  await expect(running).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(running.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  const rows = page.getByRole('table', { name: 'Evidence' }).getByTestId('evidence-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(path.basename(long));

  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  await expect(page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: /^job\.cancelled$/ }) })).toHaveCount(1);
  await expect(page.getByTestId('chain-status')).toHaveAttribute('data-ok', 'true');
});
