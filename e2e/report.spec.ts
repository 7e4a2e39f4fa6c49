/**
 * The hand-over from the UI: a clip with two real faces (ORL photographs) is analysed; the examiner draws a
 * redaction box, exports the frame with every face but the chosen one redacted ("Save as" in the browser
 * shell's own dialog, starting in exports/), enhances one face, exports the side-by-side comparison, then makes
 * the evidence report (PDF) and the signed export package (zip) from the report dialog, each a job with
 * progress. The package is then checked with `sightline verify-package`, with nothing but the package.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeFaceClip } from '../testing/faceClip';
import { faceFile } from '../testing/faces';
import { ROOT } from './env';
import { expect, test } from './fixtures';
import { createCase, importFiles, jobRow, openClip } from './steps';

test('redact, export images, make the report and the signed package', async ({ app }) => {
  test.skip(app.shell === 'electron', 'the native save dialog cannot be driven from a test; the chromium project runs this spec against the browser shell');
  test.setTimeout(300_000);
  const { page } = app;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-e2e-report-'));
  const clip = path.join(dir, 'foyer-cam-03.mp4');
  await makeFaceClip({
    out: clip,
    width: 320,
    height: 240,
    frames: 16,
    crf: 26,
    faces: [
      { portrait: faceFile(6, 1), faceWidth: 38, start: [30, 60], velocity: [1.2, 0.3] },
      { portrait: faceFile(2, 1), faceWidth: 38, start: [200, 70], velocity: [-0.8, 0.2] },
    ],
  });
  const caseDir = await createCase(app, { caseNumber: '2026-00917', title: 'Foyer, two people', examiner: 'DC J. Rivera', agency: 'Metro Police Digital Forensics' });
  const exports = path.join(caseDir, 'exports');
  await importFiles(app, [clip]);
  await expect(jobRow(app, path.basename(clip))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(clip));
  const faces = page.getByTestId('faces-panel');
  await faces.getByTestId('analyse-button').click();
  await expect(faces.getByTestId('analysis-status')).toHaveText(/run \d+: 16 frames, \d+ faces in 2 tracks/, { timeout: 150_000 });

  // Draw a redaction box by hand (a name badge, say) on the frame on screen.
  await page.getByTestId('redaction-draw').click();
  const img = (await page.getByTestId('frame-image').boundingBox())!;
  await page.mouse.move(img.x + img.width * 0.4, img.y + img.height * 0.8);
  await page.mouse.down();
  await page.mouse.move(img.x + img.width * 0.55, img.y + img.height * 0.95, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('redaction-box')).toHaveCount(1);
  await expect(page.getByTestId('redaction-count')).toHaveText('1 drawn');

  // The subject: the first track; the frame export keeps its face and redacts the other and the box.
  await faces.getByTestId('track').first().click();
  await page.getByTestId('export-menu').click();
  await expect(page.getByTestId('export-redact')).toBeChecked();
  await page.getByTestId('export-frame-redacted').click();
  const picker = page.getByTestId('path-picker');
  await expect(picker).toBeVisible();
  await expect(picker.getByTestId('picker-location')).toHaveValue(exports);
  await expect(picker.getByTestId('picker-filename')).toHaveValue(/^evidence1-frame\d+-redacted\.png$/);
  await picker.getByTestId('picker-filename').fill('frame-for-court.png');
  await picker.getByTestId('picker-confirm').click();
  await expect(page.locator('.toast', { hasText: 'Frame with redaction saved' })).toBeVisible();
  expect(fs.existsSync(path.join(exports, 'frame-for-court.png'))).toBe(true);
  await app.dismissToasts();

  // Enhance the subject (fusion) and open it in the Compare view.
  await page.getByRole('button', { name: 'Enhance', exact: true }).click();
  await page.getByTestId('track-item').first().click();
  await page.getByTestId('best-n').fill('6');
  await page.getByTestId('best-button').click();
  await page.getByTestId('mode-fusion').check();
  await page.getByTestId('enhance-button').click();
  const result = page.getByTestId('enhancement');
  await expect(result).toHaveCount(1, { timeout: 120_000 });
  await result.click();
  await expect(page.getByTestId('compare-view')).toBeVisible();

  // Export the side-by-side comparison to the suggested place.
  await page.getByTestId('export-menu').click();
  await page.getByTestId('export-comparison').click();
  await expect(picker.getByTestId('picker-filename')).toHaveValue(/^enhancement\d+-comparison-redacted\.png$/);
  const comparisonName = await picker.getByTestId('picker-filename').inputValue();
  await picker.getByTestId('picker-confirm').click();
  await expect(page.locator('.toast', { hasText: 'Side-by-side comparison saved' })).toBeVisible();
  expect(fs.existsSync(path.join(exports, comparisonName))).toBe(true);
  await app.dismissToasts();

  // The evidence report of this enhancement, from the report dialog.
  await page.getByTestId('export-menu').click();
  await page.getByTestId('export-report').click();
  const dialog = page.getByTestId('report-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('input[type="checkbox"]:checked').first()).toBeVisible();
  await expect(dialog.getByTestId('report-redact')).toBeChecked();
  await dialog.getByTestId('report-save').click();
  await expect(picker.getByTestId('picker-filename')).toHaveValue('report-2026-00917.pdf');
  await picker.getByTestId('picker-confirm').click();
  await expect(dialog.locator('[data-testid="report-job"][data-kind="report"]')).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  const pdf = path.join(exports, 'report-2026-00917.pdf');
  const text = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout;
  expect(text).toContain('2026-00917');
  expect(text).toContain('Foyer, two people');
  await app.shot('report-dialog');

  // The signed package, as a zip; checked with nothing but the package.
  await dialog.getByTestId('report-output-zip').check();
  await dialog.getByTestId('report-save').click();
  await expect(picker.getByTestId('picker-filename')).toHaveValue('package-2026-00917.zip');
  await picker.getByTestId('picker-confirm').click();
  await expect(dialog.locator('[data-testid="report-job"][data-kind="package"]')).toHaveAttribute('data-state', 'succeeded', { timeout: 120_000 });
  const zip = path.join(exports, 'package-2026-00917.zip');
  const copy = path.join(dir, 'received.zip');
  fs.copyFileSync(zip, copy);
  const v = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'sightline.js'), 'verify-package', copy], { encoding: 'utf8' });
  expect(v.status, v.stderr).toBe(0);
  expect(v.stdout).toContain('package intact');
  if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
});
