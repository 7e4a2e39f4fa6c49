/**
 * The jobs panel: a queued import can be cancelled; the running one goes on; both end in the audit log. A job whose
 * process was killed shows as abandoned and runs again only when the investigator clicks Retry.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
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

test('a job whose process was killed shows abandoned and runs again only on Retry', async ({ app, media }) => {
  const { page } = app;
  const caseDir = await createCase(app, { caseNumber: '2026-01101', title: 'Killed', examiner: 'DC J. Rivera', agency: '' });
  type Bridge = { sightline: { invoke(channel: string, input: unknown): Promise<unknown> } };
  await page.evaluate(() => (globalThis as unknown as Bridge).sightline.invoke('case:close', {}));
  // What `kill -9` of a CLI importing into this case leaves: a job running under a process that is gone.
  const dead = `${spawnSync(process.execPath, ['-e', '']).pid}@${os.hostname()}`;
  const db = new Database(path.join(caseDir, 'case.db'));
  db.prepare(`INSERT INTO jobs (kind, state, params_json, attempts, runner, created_at, started_at) VALUES ('import', 'running', ?, 1, ?, 'x', 'x')`).run(JSON.stringify({ path: media.clipA, allowDamaged: false }), dead);
  db.close();
  await page.evaluate((dir) => (globalThis as unknown as Bridge).sightline.invoke('case:open', { dir }), caseDir);

  const abandoned = page.getByTestId('job').filter({ has: page.locator('.job-title', { hasText: path.basename(media.clipA) }) }).filter({ hasNotText: 'retry of' });
  await expect(abandoned).toHaveAttribute('data-state', 'abandoned');
  await expect(abandoned).toContainText('Abandoned');
  await expect(abandoned.getByRole('alert')).toContainText('ended before it finished');
  await expect(page.getByRole('region', { name: 'Evidence' })).toContainText('No evidence yet');

  await abandoned.getByRole('button', { name: 'Retry' }).click();
  const retried = page.getByTestId('job').filter({ hasText: 'retry of #1' });
  await expect(retried).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
  await expect(abandoned).toHaveAttribute('data-state', 'abandoned');
  await expect(page.getByRole('table', { name: 'Evidence' }).getByTestId('evidence-row')).toHaveCount(1);
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  for (const action of ['job.abandoned', 'job.retry']) {
    await expect(page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: new RegExp(`^${action.replace('.', '\\.')}$`) }) })).toHaveCount(1);
  }
});
