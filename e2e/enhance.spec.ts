/**
 * Enhance a face from the UI: analyse a clip, open its track from the Clip view in the Enhance view, name it, pick
 * frames (by hand, then "best N"), leave for the Clip view and come back (the selection is still there), run
 * fusion with its progress bar and Cancel, open the result in the Compare view and come back (still there), move
 * the wipe slider, zoom (both panes follow), flicker, enlarge a contribution map, read the guard's drift check and
 * the tier label, replay it from the originals, and find the selection recorded as "best 8" in the audit log. A
 * disabled Enhance button says why; Restore needs one frame. The clip holds one real face (an ORL photograph,
 * 32 px wide) moving over a textured scene, H.264 at CRF 30.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EVIDENTIAL_LABEL } from '../domain/enhance';
import { makeFaceClip } from '../testing/faceClip';
import { faceFile } from '../testing/faces';
import { expect, test } from './fixtures';
import { createCase, importFiles, jobRow, openClip } from './steps';

test('select frames, fuse, compare with a wipe and zoom, and see the guard’s verdict', async ({ app }) => {
  test.setTimeout(240_000);
  const { page } = app;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-e2e-enhance-'));
  const clip = path.join(dir, 'lobby-cam-07.mp4');
  await makeFaceClip({
    out: clip,
    width: 320,
    height: 240,
    frames: 24,
    crf: 30,
    faces: [{ portrait: faceFile(6, 1), faceWidth: 32, start: [100, 60], velocity: [1.4, 0.5] }],
  });
  await createCase(app, { caseNumber: '2026-00815', title: 'Lobby, Pier Street', examiner: 'DC J. Rivera', agency: '' });
  await importFiles(app, [clip]);
  await expect(jobRow(app, path.basename(clip))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(clip));
  const faces = page.getByTestId('faces-panel');
  await faces.getByTestId('analyse-button').click();
  await expect(faces.getByTestId('analysis-status')).toHaveText(/run \d+: 24 frames, \d+ faces in 1 track/, { timeout: 150_000 });

  // The track, read as words and named in the Clip view, opens in the Enhance view with its own button.
  const card = faces.getByTestId('track').first();
  await expect(faces.getByTestId('track-words').first()).toHaveText(/^\d+ frames · face \d+ px · best frame \d+/);
  await card.click();
  await faces.getByTestId('track-enhance').first().click();
  await expect(page.getByTestId('track-item').first()).toHaveClass(/active/);

  // The Enhance view: the track's frames in a filmstrip, each with its quality.
  const strip = page.getByTestId('filmstrip');
  const tiles = strip.getByTestId('film-frame');
  await expect(tiles.first()).toBeVisible();
  const count = await tiles.count();
  expect(count).toBeGreaterThanOrEqual(16);
  await expect(tiles.first()).toContainText(/q \d\.\d\d/);
  await expect(page.getByTestId('guard-thresholds')).toContainText('no drift when identity similarity > 0.7, usable when quality > 0.6');

  // Name the track: shown in the list (and, below, in Compare and the audit log).
  await page.getByTestId('track-rename').first().click();
  await page.getByTestId('track-name-input').fill('suspect 1');
  await page.getByTestId('track-name-input').press('Enter');
  await expect(page.getByTestId('track-title').first()).toHaveText('suspect 1 (track 1)');

  // A disabled Enhance button says why: fusion needs 3 frames; Restore needs one.
  const enhanceButton = page.getByTestId('enhance-button');
  await page.getByTestId('mode-fusion').check();
  await expect(enhanceButton).toBeDisabled();
  await expect(page.getByTestId('enhance-blocker')).toContainText('Select frames');
  await tiles.nth(0).click();
  await expect(enhanceButton).toBeDisabled();
  await expect(enhanceButton).toHaveAttribute('title', /needs at least 3 frames \(1 selected\)/);
  await page.getByTestId('mode-restore').check();
  await expect(enhanceButton).toBeEnabled();
  await expect(page.getByTestId('enhance-blocker')).toHaveCount(0);
  await page.getByTestId('mode-fusion').check();

  // Pick three frames by hand, then let "best 8" choose frames spread over the track instead.
  for (const i of [Math.floor(count / 2), count - 1]) await tiles.nth(i).click();
  await expect(strip.locator('[data-testid="film-frame"][aria-pressed="true"]')).toHaveCount(3);
  await page.getByTestId('best-n').fill('8');
  await page.getByTestId('best-button').click();
  const picked = strip.locator('[data-testid="film-frame"][aria-pressed="true"]');
  await expect(picked).toHaveCount(8);
  const frames = await picked.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))));
  expect(frames[frames.length - 1]! - frames[0]!).toBeGreaterThan(count / 2);
  await expect(page.getByTestId('selection-summary')).toHaveText('8 selected (started as best 8)');

  // The selection survives switching views.
  await page.getByRole('button', { name: 'Clip', exact: true }).click();
  await expect(page.getByTestId('frame-viewport')).toBeVisible();
  await page.getByRole('button', { name: 'Enhance', exact: true }).click();
  await expect(picked).toHaveCount(8);
  expect(await picked.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))).toEqual(frames);

  // Fusion (evidential), ×4: a progress bar naming the stage, with Cancel, while it runs.
  await expect(page.locator('.enhance-controls [data-testid="tier-label"]')).toHaveAttribute('data-tier', 'evidential');
  await enhanceButton.click();
  await expect(page.getByTestId('enhance-progress')).toBeVisible();
  await expect(page.getByTestId('enhance-cancel')).toBeVisible();
  await expect(page.getByTestId('enhance-stage')).toHaveText(/\S/);
  const result = page.getByTestId('enhancement');
  await expect(result).toHaveCount(1, { timeout: 120_000 });
  await expect(page.getByTestId('enhance-progress')).toHaveCount(0);
  await expect(result.getByTestId('tier-label')).toHaveAttribute('data-tier', 'evidential');
  // The title states what was done: the frames actually fused, and how many were rejected.
  await expect(result.getByTestId('enhancement-title')).toHaveText(/^#\d+ fusion ×4 of \d frames? \(\d rejected\)$/);
  await app.shot('track');

  // The Compare view: source and result side by side, the tier label and the guard's verdict with its numbers.
  await result.click();
  const view = page.getByTestId('compare-view');
  await expect(view).toBeVisible();
  await expect(view.locator('.banner [data-testid="tier-label"]')).toHaveText(EVIDENTIAL_LABEL);
  await expect(view.getByTestId('back-to-track')).toHaveText('← suspect 1 (track 1)');
  const verdict = view.getByTestId('guard-panel').getByTestId('guard-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', /^(pass|fail)$/);
  // A drift check, in words, and what a pass means: never "Guard: pass".
  await expect(verdict).toHaveText(/^(No identity drift detected|⚠ Identity drift|⚠ Too poor to enhance|⚠ Too low quality to identify)$/);
  await expect(view.getByTestId('guard-meaning')).toContainText('A pass means only: no identity drift from the source frame');
  await expect(view.getByTestId('guard-similarity')).toHaveText(/^\d\.\d{3}/);
  await expect(view.getByTestId('guard-quality')).toHaveText(/^\d\.\d{3}/);
  if ((await verdict.getAttribute('data-outcome')) !== 'no-drift') await expect(view.getByTestId('guard-warning')).toBeVisible();
  await expect(view.getByTestId('step').first()).toContainText('register');
  for (const id of ['cmp-original', 'cmp-result']) {
    const img = view.getByTestId(id);
    expect(await img.evaluate((el) => (el as unknown as { decode(): Promise<void> }).decode().then(() => (el as unknown as { naturalWidth: number }).naturalWidth))).toBeGreaterThan(0);
  }

  // Zoom: the level changes and both panes keep the same transform (synchronised zoom and pan).
  const level = view.getByTestId('cmp-zoom-level');
  const before = parseInt((await level.textContent())!, 10);
  await view.getByTestId('cmp-zoom-in').click();
  await view.getByTestId('cmp-zoom-in').click();
  await expect(level).not.toHaveText(`${before}%`);
  expect(parseInt((await level.textContent())!, 10)).toBeGreaterThan(before);
  const left = view.getByTestId('cmp-left');
  const box = (await left.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -200);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 - 40, box.y + box.height / 2 - 25, { steps: 4 });
  await page.mouse.up();
  const transforms = await view.locator('.cmp-stage').evaluateAll((els) => els.map((e) => (e as unknown as { style: { transform: string } }).style.transform));
  expect(transforms).toHaveLength(2);
  expect(transforms[0]).toBe(transforms[1]);
  expect(transforms[0]).toMatch(/translate\(-?\d/);

  // Wipe: move the slider; the result layer is clipped at the new position.
  await view.getByTestId('cmp-mode-wipe').click();
  const slider = view.getByTestId('wipe-slider');
  await slider.fill('20');
  await expect(view.getByTestId('wipe-layer')).toHaveAttribute('data-wipe', '20');
  await slider.fill('75');
  await expect(view.getByTestId('wipe-layer')).toHaveAttribute('data-wipe', '75');
  await app.shot('compare-wipe');

  // Flicker: it alternates between the original and the result at the chosen rate.
  await view.getByTestId('cmp-mode-flicker').click();
  await view.getByTestId('flicker-rate').selectOption('8');
  const showing = view.getByTestId('flicker-showing');
  await expect(showing).toHaveAttribute('data-showing', 'original');
  await expect(showing).toHaveAttribute('data-showing', 'result');

  await view.getByTestId('cmp-mode-side').click();
  // Side by side, the panes share the available width (not a fixed size).
  const area = (await view.locator('.compare-images').boundingBox())!;
  const pane = (await view.getByTestId('cmp-left').boundingBox())!;
  expect(pane.width).toBeGreaterThan(area.width / 2 - 30);
  // A contribution map enlarges on click.
  await view.getByTestId('contribution-map').first().click();
  await expect(view.getByTestId('contribution-enlarged')).toBeVisible();
  await app.shot('compare');

  // Replay from the originals: the output hash is reproduced.
  await view.getByTestId('replay-button').click();
  await expect(view.getByTestId('replay')).toHaveAttribute('data-matches', 'true', { timeout: 60_000 });
  await expect(view.getByTestId('replay')).toContainText('identical output');

  // Back to the track: the selection is still there.
  await view.getByTestId('back-to-track').click();
  await expect(picked).toHaveCount(8);
  expect(await picked.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-frame'))))).toEqual(frames);

  // The audit log records the selection as "best 8" (method and rule), and the track's name; rows open in full.
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  const selection = page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: /^enhance\.selection$/ }) });
  await expect(selection).toHaveCount(1);
  await selection.click();
  const detail = page.getByTestId('audit-detail');
  await expect(detail).toContainText('"method": "best"');
  await expect(detail).toContainText('"name": "best-spread"');
  await expect(detail).toContainText('"n": 8');
  await expect(page.getByTestId('audit-row').filter({ has: page.locator('td', { hasText: /^track\.name$/ }) })).toContainText('suspect 1');
  await expect(page.getByTestId('audit-row').first().locator('td').nth(1)).toHaveText(/ UTC([+−]\d\d:\d\d)?$/);
});
