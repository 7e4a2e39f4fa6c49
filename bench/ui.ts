/**
 * The Clip view's responsiveness, measured in the real UI: Debian's Chromium (Playwright) against the browser
 * shell, a 640×480 H.264 clip. For each arrow-key press, the time from the key event to the new frame on screen
 * (its <img> carries the new index and is decoded, plus one animation frame for the paint). Stepping forward
 * through frames not seen yet (main decodes each from the evidence: the baseline, measured in the same run) and
 * back through frames already seen (the renderer's decoded-frame cache; target < 50 ms). Printed only.
 *
 * `npm run bench -- ui` (needs `npm run build:renderer` too; says so when it is missing).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { APP_ROOT } from '../platform/appInfo';
import { createCase } from '../core/case';
import { importEvidence } from '../core/evidence';
import { makeClip } from '../testing/synth';
import { heading, median, row } from './util';

const STEPS = 30;

function chromiumPath(): string {
  const c = [process.env.SIGHTLINE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return c.find((p) => fs.existsSync(p)) ?? c[0]!;
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

export async function benchUi(): Promise<void> {
  heading('ui: key press → new frame on screen in the Clip view (Chromium + browser shell)');
  if (!fs.existsSync(path.join(APP_ROOT, 'renderer', 'dist', 'index.html'))) {
    process.stdout.write('  renderer/dist is missing: run `npm run build:renderer` first; skipped.\n');
    return;
  }
  if (!fs.existsSync(chromiumPath())) {
    process.stdout.write(`  no Chromium at ${chromiumPath()} (apt-get install chromium, or set SIGHTLINE_CHROMIUM); skipped.\n`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sightline-bench-ui-'));
  const clip = await makeClip({ out: path.join(dir, 'bench-cam.mp4'), width: 640, height: 480, fps: 25, seconds: 2.4, pattern: 'testsrc2' });
  const caseDir = path.join(dir, 'cases', 'UI bench');
  const c = createCase(caseDir, { caseNumber: 'BENCH-UI', title: 'UI bench', examiner: 'bench' });
  await importEvidence(c, clip);
  const root = c.dir;
  c.close();
  const server = spawn(process.execPath, [path.join(APP_ROOT, 'dist', 'app', 'shell', 'server.js'), '--data', path.join(dir, 'data'), '--cases', path.join(dir, 'cases'), '--exit-with-stdin'], {
    cwd: APP_ROOT,
    stdio: 'pipe',
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^SIGHTLINE_URL=(\S+)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    server.once('exit', (code) => reject(new Error(`the browser shell exited (${code})`)));
  });
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--disable-gpu', '--no-sandbox', '--disable-background-networking'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
    await page.goto(url);
    // The page's globals, typed loosely here (this file compiles without the DOM library).
    type PageGlobal = {
      sightline?: { invoke(c: string, i: unknown): Promise<{ ok: boolean }> };
      document: { querySelector(s: string): { getAttribute(n: string): string | null; complete: boolean; naturalWidth: number } | null };
      performance: { now(): number };
      requestAnimationFrame(f: () => void): void;
      dispatchEvent(e: unknown): void;
      KeyboardEvent: new (type: string, init: { key: string; bubbles: boolean }) => unknown;
    };
    await page.waitForFunction(() => !!(globalThis as unknown as PageGlobal).sightline);
    await page.evaluate(async (d) => {
      const r = await (globalThis as unknown as PageGlobal).sightline!.invoke('case:open', { dir: d });
      if (!r.ok) throw new Error('case:open failed');
    }, root);
    await page.getByRole('button', { name: 'bench-cam.mp4', exact: true }).click();
    await page.locator('[data-testid="frame-image"][data-frame-index="0"]').waitFor();
    // One key press, timed in the page: key event → the <img> shows the expected frame, decoded → next paint.
    const press = (key: string, expect: number): Promise<number> =>
      page.evaluate(
        ([k, want]) =>
          new Promise<number>((resolve) => {
            const g = globalThis as unknown as PageGlobal;
            const t0 = g.performance.now();
            const check = (): void => {
              const el = g.document.querySelector('[data-testid="frame-image"]');
              if (el && el.getAttribute('data-frame-index') === String(want) && el.complete && el.naturalWidth > 0) {
                g.requestAnimationFrame(() => resolve(g.performance.now() - t0));
              } else g.requestAnimationFrame(check);
            };
            g.dispatchEvent(new g.KeyboardEvent('keydown', { key: k as string, bubbles: true }));
            check();
          }),
        [key, expect] as const,
      );
    const forward: number[] = [];
    for (let i = 1; i <= STEPS; i++) forward.push(await press('ArrowRight', i));
    const back: number[] = [];
    for (let i = STEPS - 1; i >= 0; i--) back.push(await press('ArrowLeft', i));
    const again: number[] = [];
    for (let i = 1; i <= STEPS; i++) again.push(await press('ArrowRight', i));
    const fmt = (xs: number[]): string => `median ${median(xs).toFixed(1)} ms, p95 ${pct(xs, 0.95).toFixed(1)} ms`;
    row(`→ to frames not seen yet (baseline: main decodes)`, fmt(forward), `${STEPS} presses, 640×480`);
    row('← back to frames already seen (cache)', fmt(back), 'target < 50 ms');
    row('→ again over frames already seen (cache)', fmt(again), '');
  } finally {
    await browser.close();
    server.stdin.end();
    server.kill('SIGTERM');
    if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
  }
}
