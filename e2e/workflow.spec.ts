/**
 * The investigator's path through the app: create a case, import clips by the file dialog, examine frames,
 * export one, and read the audit log that records all of it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, test } from './fixtures';
import { CASE, createCase, expectFrame, importFiles, jobRow, openClip, progressEvents, recordProgress } from './steps';

test('create a case and import two clips through the file dialog; progress reaches 100%', async ({ app, media }) => {
  const { page } = app;
  await expect(page.getByRole('form', { name: 'New case' })).toBeVisible();

  const caseDir = await createCase(app);
  expect(fs.existsSync(path.join(caseDir, 'case.db'))).toBe(true);
  await recordProgress(app);

  if (app.shell === 'browser') {
    // The browser shell's own file dialog, as the investigator sees it, before choosing.
    await page.getByRole('button', { name: 'Import…' }).click();
    const picker = page.getByTestId('path-picker');
    await expect(picker).toHaveAttribute('aria-busy', 'false'); // its first folder listed (it sets the location)
    await picker.getByTestId('picker-location').fill(media.dir);
    await picker.getByTestId('picker-location').press('Enter');
    await picker.locator(`[data-name="${path.basename(media.clipA)}"]`).click();
    await picker.locator(`[data-name="${path.basename(media.clipB)}"]`).click();
    await expect(picker.getByTestId('picker-confirm')).toHaveText('Choose 2 files');
    await app.shot('file-dialog');
    await picker.getByRole('button', { name: 'Cancel' }).click();
    await expect(picker).toBeHidden();
  }

  await importFiles(app, [media.clipA, media.clipB]);
  for (const clip of [media.clipA, media.clipB]) {
    const row = jobRow(app, path.basename(clip));
    await expect(row).toHaveAttribute('data-state', 'succeeded');
    await expect(row.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    await expect(row).toContainText('Done · 100%');
  }
  // The bars were driven by real progress events, and each job's last stage reached its total.
  const events = await progressEvents(app);
  const jobIds = [...new Set(events.map((e) => e.jobId))];
  expect(jobIds).toHaveLength(2);
  for (const id of jobIds) {
    const last = events.filter((e) => e.jobId === id).at(-1)!;
    expect(last.stage).toBe('index');
    expect(last.current).toBe(last.total);
  }

  const table = page.getByRole('table', { name: 'Evidence' });
  await expect(table.getByTestId('evidence-row')).toHaveCount(2);
  const rowA = table.getByTestId('evidence-row').filter({ hasText: path.basename(media.clipA) });
  await expect(rowA).toContainText('320×240');
  await expect(rowA).toContainText('h264');
  await expect(rowA).toContainText('2.00 s');
  await expect(rowA).toContainText('50');
  // The short hash is the start of the file's real SHA-256.
  const sha = (await import('node:crypto')).createHash('sha256').update(fs.readFileSync(media.clipA)).digest('hex');
  await expect(rowA.locator('td.hash')).toContainText(sha.slice(0, 12));
  await app.dismissToasts();
  await app.shot('case');

  // Close the case; it is in the recent list; open it again and its evidence is there.
  await page.getByRole('button', { name: 'Close case' }).click();
  const recent = page.getByRole('list', { name: 'Recent cases' });
  await expect(recent.getByRole('button')).toHaveCount(1);
  await expect(recent).toContainText(CASE.caseNumber);
  await expect(recent).toContainText(caseDir);
  await app.shot('start');
  await recent.getByRole('button', { name: new RegExp(CASE.caseNumber) }).click();
  await expect(page.locator('.case-chip')).toContainText(CASE.caseNumber);
  await expect(page.getByRole('table', { name: 'Evidence' }).getByTestId('evidence-row')).toHaveCount(2);
});

test('step, jump, zoom and export frames; the audit view shows it all with an intact chain', async ({ app, media }) => {
  const { page } = app;
  const caseDir = await createCase(app);
  await importFiles(app, [media.clipA]);
  await expect(jobRow(app, path.basename(media.clipA))).toHaveAttribute('data-state', 'succeeded');

  await openClip(app, path.basename(media.clipA));
  const viewport = page.getByTestId('frame-viewport');
  const shot0 = await viewport.screenshot();

  // → one frame: the number, the time and the pixels all change.
  await page.keyboard.press('ArrowRight');
  await expectFrame(app, 1);
  await expect(page.getByTestId('frame-time')).toHaveText('00:00:00.040');
  const shot1 = await viewport.screenshot();
  expect(shot1.equals(shot0), 'frame 1 looks different from frame 0').toBe(false);

  await page.keyboard.press('Shift+ArrowRight');
  await expectFrame(app, 11);
  await page.keyboard.press('ArrowLeft');
  await expectFrame(app, 10);
  await page.keyboard.press('End');
  await expectFrame(app, 49);
  await page.keyboard.press('Shift+ArrowRight'); // clamps at the last frame
  await expectFrame(app, 49);
  await page.keyboard.press('Home');
  await expectFrame(app, 0);
  const shotHome = await viewport.screenshot();
  expect(shotHome.equals(shot0), 'back on frame 0, the same pixels as before').toBe(true);

  // Jump with the frame box (G focuses it).
  await page.keyboard.press('g');
  await expect(page.getByTestId('frame-input')).toBeFocused();
  await page.getByTestId('frame-input').fill('37');
  await page.getByTestId('frame-input').press('Enter');
  await expectFrame(app, 37);
  await expect(page.getByTestId('frame-time')).toHaveText('00:00:01.480');
  await expect(page.getByTestId('frame-pts')).not.toHaveText('—');

  // Zoom: nearest-neighbour pixels at every scale.
  const img = page.getByTestId('frame-image');
  await expect(img).toHaveCSS('image-rendering', 'pixelated');
  // Notices sit in a dock in the layout's flow: while one is shown the frame has less room and "fit" is smaller.
  // Compare fit with fit only once they have gone.
  await expect(page.locator('.toast:not(.toast-error)')).toHaveCount(0, { timeout: 30_000 });
  await page.keyboard.press('0');
  const before = await page.getByTestId('zoom-level').textContent();
  await page.keyboard.press('+');
  await expect(page.getByTestId('zoom-level')).not.toHaveText(before!);
  await page.keyboard.press('0');
  await expect(page.getByTestId('zoom-level')).toHaveText(before!);

  // Export the frame on screen.
  await page.getByTestId('export-frame').click();
  await expect(page.getByTestId('toast-success').filter({ hasText: 'Frame 37 exported' })).toBeVisible();
  const exported = path.join(caseDir, 'exports', 'evidence1-frame37.png');
  expect(fs.existsSync(exported)).toBe(true);

  await expect(page.locator('.timeline-strip')).toBeVisible();
  await expect.poll(() => page.locator('.timeline-strip').evaluate((el) => (el as { complete?: boolean; naturalWidth?: number }).complete && (el as { naturalWidth: number }).naturalWidth > 0)).toBe(true);
  await app.dismissToasts();
  await app.shot('clip');

  // The audit view: the chain verifies, and the actions are there.
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  const status = page.getByTestId('chain-status');
  await expect(status).toHaveAttribute('data-ok', 'true');
  await expect(status).toContainText('Chain intact');
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ has: page.locator('td', { hasText: /^case\.create$/ }) })).toHaveCount(1);
  await expect(rows.filter({ has: page.locator('td', { hasText: /^evidence\.import$/ }) })).toHaveCount(1);
  const exportRow = rows.filter({ has: page.locator('td', { hasText: /^frame\.export$/ }) });
  await expect(exportRow).toHaveCount(1);
  await expect(exportRow).toContainText('index=37');
  await expect(rows.first()).toContainText(CASE.examiner);

  await page.getByTestId('audit-filter').selectOption('frame.export');
  await expect(rows).toHaveCount(1);
  await page.getByTestId('audit-filter').selectOption('');
  await app.shot('audit');

  await page.getByRole('button', { name: 'Export CSV' }).click();
  await expect(page.getByTestId('toast-success').filter({ hasText: 'Audit log exported as CSV' })).toBeVisible();
  const csv = fs.readFileSync(path.join(caseDir, 'exports', `audit-${CASE.caseNumber}.csv`), 'utf8');
  expect(csv).toContain('frame.export');
  // Exporting is itself audited; the view reloads and the chain still verifies.
  await expect(rows.filter({ has: page.locator('td', { hasText: /^audit\.export$/ }) })).toHaveCount(1);
  await expect(status).toHaveAttribute('data-ok', 'true');
});
