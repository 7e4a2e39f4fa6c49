/**
 * Analyse a clip from the clip view: the investigator clicks Analyse, watches the progress, then sees face boxes
 * on the frame and the face tracks with their best frames; clicking a track shows its best frame. The clip holds
 * two real faces (ORL photographs, 40 and 32 px wide) moving over a textured scene, H.264 at CRF 32.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFaceClip } from '../testing/faceClip';
import { faceFile } from '../testing/faces';
import { expect, test } from './fixtures';
import { createCase, expectFrame, importFiles, jobRow, openClip, progressEvents, recordProgress } from './steps';

test('analyse a clip: progress, boxes on the frame, tracks with best frames', async ({ app }) => {
  test.setTimeout(180_000);
  const { page } = app;
  // Its own folder: the shared media folder is listed by other specs' file dialogs.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-e2e-faces-'));
  const clip = path.join(dir, 'door-cam-04.mp4');
  await makeFaceClip({
    out: clip,
    width: 640,
    height: 360,
    frames: 12,
    faces: [
      { portrait: faceFile(4, 2), faceWidth: 40, start: [60, 70], velocity: [10, 2] },
      { portrait: faceFile(9, 5), faceWidth: 32, start: [470, 220], velocity: [-9, -2] },
    ],
  });
  await createCase(app, { caseNumber: '2026-00733', title: 'Doorway, Quay Road', examiner: 'DC J. Rivera', agency: '' });
  await importFiles(app, [clip]);
  await expect(jobRow(app, path.basename(clip))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(clip));

  const panel = page.getByTestId('faces-panel');
  await expect(panel.getByTestId('analysis-status')).toHaveText('not analysed yet');
  await recordProgress(app);
  await panel.getByTestId('analyse-button').click();

  // Progress is shown while it runs (a bar and the frame count), then the results replace it.
  await expect(panel.getByTestId('analysis-status')).toContainText(/analys/);
  await expect(panel.getByRole('progressbar', { name: 'Analysis progress' })).toBeVisible();
  await expect(panel.getByTestId('analysis-status')).toHaveText(/run \d+: 12 frames, \d+ faces in 2 tracks/, { timeout: 150_000 });
  const events = (await progressEvents(app)).filter((e) => e.stage === 'analyse');
  expect(events.length).toBeGreaterThan(1);
  expect(events.at(-1)).toMatchObject({ current: 12, total: 12 });

  // Two tracks, each with best-frame thumbnails that load.
  const tracks = panel.getByTestId('track');
  await expect(tracks).toHaveCount(2);
  const thumb = tracks.first().locator('img').first();
  await expect(thumb).toBeVisible();
  expect(await thumb.evaluate((el) => {
    const img = el as unknown as { decode(): Promise<void>; naturalWidth: number };
    return img.decode().then(() => img.naturalWidth);
  })).toBe(150);

  // Boxes on the frame on screen: both faces, labelled with their track numbers.
  const overlay = page.getByTestId('face-overlay');
  await expect(overlay).toHaveAttribute('data-frame-index', '0');
  await expect(overlay.getByTestId('face-box')).toHaveCount(2);
  await app.shot('clip-analysed');

  // Clicking a track shows its best frame, with that track's box highlighted.
  const second = tracks.nth(1);
  const best = Number(await second.getAttribute('data-best-frame'));
  await second.click();
  await expectFrame(app, best);
  await expect(overlay).toHaveAttribute('data-frame-index', String(best));
  await expect(overlay.locator('.face-box.selected')).toHaveAttribute('data-track', (await second.getAttribute('data-track'))!);

  // The tracks are lanes along the timeline; clicking one shows its best frame too.
  const lanes = page.getByTestId('track-lane');
  await expect(lanes).toHaveCount(2);
  await lanes.first().click();
  await expectFrame(app, Number(await tracks.first().getAttribute('data-best-frame')));

  // Playback: Space plays every frame in order, Space pauses; the label always names the frame on screen.
  await page.getByTestId('play-speed').selectOption('4');
  await page.getByTestId('frame-input').focus();
  await page.getByTestId('frame-input').press('Escape');
  await page.keyboard.press('Home');
  await expectFrame(app, 0);
  await page.keyboard.press(' ');
  await expect(page.getByTestId('play-button')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('frame-index')).not.toHaveText('0');
  await page.keyboard.press(' ');
  await expect(page.getByTestId('play-button')).toHaveAttribute('aria-pressed', 'false');
  const stopped = await page.getByTestId('frame-index').textContent();
  await expect(page.getByTestId('frame-image')).toHaveAttribute('data-frame-index', stopped!);

  // The file's MD5 and the frame's full pixel MD5, on demand.
  await page.getByTestId('hashes-toggle').click();
  await expect(page.getByTestId('file-md5')).toHaveText(/^[0-9a-f]{32}$/);
  await expect(page.getByTestId('pixel-md5')).toHaveText(/^[0-9a-f]{32}$/);

  // The toggle (and B) hides and shows the boxes.
  await panel.getByTestId('boxes-toggle').click();
  await expect(overlay).toHaveCount(0);
  await page.keyboard.press('b');
  await expect(page.getByTestId('face-overlay').getByTestId('face-box')).toHaveCount(2);

  // The jobs panel lists the analysis as done; the run is in the audit log, and the chain holds.
  await page.getByRole('button', { name: 'Case', exact: true }).click();
  const job = page.getByTestId('job').filter({ has: page.locator('.job-kind', { hasText: 'analyze' }) });
  await expect(job).toHaveAttribute('data-state', 'succeeded');
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  await expect(page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: /^analysis\.run$/ }) })).toHaveCount(1);
  await expect(page.getByTestId('chain-status')).toHaveAttribute('data-ok', 'true');
  if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
});
