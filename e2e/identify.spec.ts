/**
 * Identification in the UI, as an investigator does it: enrol two people from reference photos in the Gallery,
 * analyse a clip in which one of them appears, see the watchlist alert (badge and list), open the track and
 * identify it (candidates with score, FMR, LR and the lead-not-identification caveat), compare the original
 * frames with the reference under one zoom, find the track's appearances, record a conclusion and a blind
 * verification, and find all of it in the audit log with the chain intact. Real services, real models, the
 * committed ORL portraits (two different photos of the person: one enrolled, one in the clip).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { makeFaceClip } from '../testing/faceClip';
import { faceFile } from '../testing/faces';
import { expect, test } from './fixtures';
import { createCase, importFiles, jobRow, openClip } from './steps';

test('enrol → analyse → alert → identify → appearances → conclude → audit', async ({ app }) => {
  test.setTimeout(600_000);
  const { page } = app;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-e2e-identify-'));
  const clip = path.join(dir, 'ferry-cam-02.mp4');
  await makeFaceClip({
    out: clip,
    width: 400,
    height: 240,
    frames: 12,
    crf: 23,
    faces: [
      { portrait: faceFile(4, 3), faceWidth: 56, start: [30, 50], velocity: [3, 1] },
      { portrait: faceFile(6, 2), faceWidth: 52, start: [250, 60], velocity: [-2, 1] },
    ],
  });
  const pair = path.join(dir, 'two-people.png');
  const a = await sharp(faceFile(2, 1)).extend({ left: 20, right: 20, top: 20, bottom: 20, background: '#707070' }).png().toBuffer();
  const b = await sharp(faceFile(7, 1)).extend({ left: 20, right: 20, top: 20, bottom: 20, background: '#707070' }).png().toBuffer();
  await sharp({ create: { width: 300, height: 160, channels: 3, background: '#707070' } }).composite([{ input: a, left: 0, top: 4 }, { input: b, left: 150, top: 4 }]).png().toFile(pair);
  const wall = path.join(dir, 'wall.png');
  const noise = Buffer.alloc(160 * 120 * 3);
  for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919) % 251;
  await sharp(noise, { raw: { width: 160, height: 120, channels: 3 } }).png().toFile(wall);
  await createCase(app, { caseNumber: '2026-00951', title: 'Ferry terminal assault', examiner: 'DC J. Rivera', agency: '' });

  // Gallery: enrol Ann Lee (two photos) and Bo Chen.
  await page.getByRole('button', { name: 'Gallery', exact: true }).click();
  await expect(page.getByTestId('gallery-count')).toHaveText(/0 active people/);
  for (const [name, photos] of [
    ['Ann Lee', [faceFile(4, 1), faceFile(4, 4)]],
    ['Bo Chen', [faceFile(9, 1)]],
  ] as const) {
    await page.getByTestId('enrol-person').fill(name);
    await app.pickFiles(photos, () => page.getByTestId('enrol-button').click());
    await expect(page.getByTestId('person').filter({ hasText: name }).getByTestId('reference')).toHaveCount(photos.length, { timeout: 120_000 });
  }
  // A photo with two faces: the investigator picks one. A photo without a face: refused, with its reason.
  await page.getByTestId('enrol-person').fill('Pat Moss');
  await app.pickFiles([pair], () => page.getByTestId('enrol-button').click());
  const picker = page.getByTestId('face-picker');
  await expect(picker.getByTestId('face-choice')).toHaveCount(2, { timeout: 120_000 });
  await picker.getByTestId('face-choice').nth(1).click();
  await expect(page.getByTestId('person').filter({ hasText: 'Pat Moss' }).getByTestId('reference')).toHaveCount(1, { timeout: 120_000 });
  await page.getByTestId('enrol-person').fill('Nobody');
  await app.pickFiles([wall], () => page.getByTestId('enrol-button').click());
  await expect(page.getByTestId('enrol-job').filter({ hasText: 'wall.png' })).toContainText('no face found in wall.png', { timeout: 120_000 });
  await expect(page.getByTestId('gallery-count')).toHaveText(/3 active people, 4 reference photos/);
  await app.shot('gallery');

  // Analyse the clip; the watchlist comparison follows and raises one alert.
  await page.getByRole('button', { name: 'Case', exact: true }).click();
  await importFiles(app, [clip]);
  await expect(jobRow(app, path.basename(clip))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(clip));
  const panel = page.getByTestId('faces-panel');
  await panel.getByTestId('analyse-button').click();
  await expect(panel.getByTestId('analysis-status')).toHaveText(/run \d+: 12 frames, \d+ faces in 2 tracks/, { timeout: 240_000 });
  const badge = page.getByTestId('alerts-badge');
  await expect(badge).toHaveAttribute('data-count', '1', { timeout: 240_000 });
  await badge.click();
  const alert = page.getByTestId('alert');
  await expect(alert).toHaveCount(1);
  await expect(alert).toContainText('Ann Lee');
  await expect(page.getByRole('note')).toContainText('Investigative lead, not an identification');
  await app.shot('alerts');

  // Open the alerted track and identify it.
  await alert.getByTestId('alert-open').click();
  await expect(page.getByTestId('lead-caveat')).toContainText('Investigative lead, not an identification.');
  await page.getByTestId('identify-button').click();
  const first = page.getByTestId('candidate').first();
  await expect(first).toContainText('Ann Lee', { timeout: 120_000 });
  await expect(first).toHaveAttribute('data-above', 'true');
  await expect(first).toContainText('candidate above threshold');
  await expect(page.getByTestId('candidate').nth(1)).toContainText('below threshold — shown for completeness');
  await expect(page.getByTestId('identification-summary')).toContainText(/frame template of ferry-cam-02\.mp4.*3 people searched/);

  // The comparison: the original frame and the reference, one zoom for both panes.
  await first.click();
  const original = page.getByTestId('idc-original');
  const reference = page.getByTestId('idc-reference');
  await expect(page.getByTestId('idc-original-img')).toBeVisible();
  await expect(page.getByTestId('idc-reference-img')).toBeVisible();
  await original.hover();
  await page.mouse.wheel(0, -200);
  await expect(original).not.toHaveAttribute('data-zoom', '1.000');
  await expect(reference).toHaveAttribute('data-zoom', (await original.getAttribute('data-zoom'))!);
  await app.shot('identify');

  // Appearances across the case (one clip: the other track, at the same time, below the gate).
  await page.getByTestId('appearances-button').click();
  await expect(page.getByTestId('appearances-summary')).toContainText('1 other track(s)', { timeout: 120_000 });
  await expect(page.getByTestId('appearance').first()).toContainText('same time as this track');

  // A conclusion, then a blind verification by a second examiner; both shown afterwards.
  await page.getByTestId('conclusion-level').selectOption('same-moderate');
  await page.getByTestId('conclusion-note').fill('hairline, ears and nose agree; no differences');
  await page.getByTestId('record-conclusion').click();
  await expect(page.getByTestId('conclusion')).toHaveCount(1);
  await expect(page.getByTestId('conclusion')).toContainText('moderate support for the same person — examination by DC J. Rivera');
  await page.getByTestId('blind-verification').check();
  await expect(page.getByTestId('conclusions')).toHaveCount(0);
  await page.getByTestId('conclusion-examiner').fill('PC A. Okafor');
  await page.getByTestId('conclusion-level').selectOption('same-weak');
  await page.getByTestId('record-conclusion').click();
  await expect(page.getByTestId('conclusion')).toHaveCount(2);
  await expect(page.getByTestId('conclusion').nth(1)).toContainText('verification (blind) by PC A. Okafor');

  // All of it in the audit log, chain intact.
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  await expect(page.getByTestId('chain-status')).toHaveAttribute('data-ok', 'true');
  for (const action of ['gallery.enrol', 'analysis.run', 'watchlist.alert', 'identify.search', 'identify.appearances', 'identify.conclusion', 'identify.verification']) {
    await expect(page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: new RegExp(`^${action.replace('.', '\\.')}$`) }) }).first()).toBeVisible();
  }
  if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
});
