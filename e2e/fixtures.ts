/**
 * The `app` fixture: a fresh Sightline per test (its own settings and cases folder), in the browser shell
 * (Chromium + app/shell/server.ts) or the desktop app (Playwright's Electron launcher), plus helpers that
 * hide the one real difference between them: how files are chosen. Every request the page makes is checked:
 * anything outside loopback (or the app's own schemes) fails the test.
 */
import { _electron, test as base, expect, type Browser, type ElectronApplication, type Page, type TestInfo } from '@playwright/test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClip } from '../testing/synth';
import { ARTIFACTS, DOCS_SCREENSHOTS, ROOT, assertBuilt, electronBinary } from './env';

export interface Media {
  readonly dir: string;
  /** 320×240, 25 fps, 50 frames (lavfi testsrc: a frame counter is drawn, so every frame differs). */
  readonly clipA: string;
  /** 256×144, 30 fps, 45 frames. */
  readonly clipB: string;
  /** The first 3000 bytes of clipA: a recognisable but truncated MP4. */
  readonly broken: string;
}

export interface SightlineApp {
  readonly page: Page;
  readonly shell: 'browser' | 'electron';
  readonly dataDir: string;
  readonly casesDir: string;
  /** Requests that left loopback (asserted empty after each test). */
  readonly external: string[];
  /** The browser shell's address and token (undefined in Electron). */
  readonly harness: { readonly origin: string; readonly token: string } | undefined;
  /** Choose `paths` (all in one folder) in whatever file dialog `open` brings up. */
  pickFiles(paths: readonly string[], open: () => Promise<void>): Promise<void>;
  /** A screenshot of the window as an artifact (and, with SIGHTLINE_DOCS_SCREENSHOTS=1, for the README). */
  shot(name: string): Promise<void>;
  dismissToasts(): Promise<void>;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'about:', 'sightline-app:', 'sightline-media:', 'devtools:', 'chrome-extension:', 'chrome:']);

export function isLocal(url: string): boolean {
  try {
    const u = new URL(url);
    if (LOCAL_SCHEMES.has(u.protocol)) return true;
    return LOOPBACK_HOSTS.has(u.hostname);
  } catch {
    return false;
  }
}

function freshDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `sightline-e2e-${prefix}-`));
}

interface Harness {
  readonly url: string;
  readonly log: string[];
  stop(): Promise<void>;
}

async function startHarness(dataDir: string, casesDir: string): Promise<Harness> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [path.join(ROOT, 'dist/app/shell/server.js'), '--data', dataDir, '--cases', casesDir, '--exit-with-stdin', '--verbose'],
    { cwd: ROOT, stdio: 'pipe' },
  );
  const log: string[] = [];
  child.stderr.on('data', (d: Buffer) => log.push(d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /^SIGHTLINE_URL=(\S+)$/m.exec(out);
      if (m) {
        child.stdout.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the harness exited (${code}) before listening:\n${log.join('')}`)));
  });
  return {
    url,
    log,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Uncaught errors and CSP violations in the page: a test with any of them fails (never a silent blank view). */
function watchPage(page: Page, problems: string[]): void {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
}

function watchNetwork(page: Page, external: string[]): void {
  page.on('request', (r) => {
    if (!isLocal(r.url())) external.push(`${r.method()} ${r.url()}`);
  });
  page.on('websocket', (ws) => {
    if (!isLocal(ws.url())) external.push(`WS ${ws.url()}`);
  });
}

async function saveShot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = path.join(ARTIFACTS, 'screens', testInfo.project.name, `${name}.png`);
  await page.screenshot({ path: file });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
  if (process.env.SIGHTLINE_DOCS_SCREENSHOTS && testInfo.project.name === 'chromium') {
    fs.mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, `${name}.png`));
  }
}

export const test = base.extend<{ app: SightlineApp }, { media: Media; browserOnDemand: () => Promise<Browser> }>({
  media: [
    async ({}, use) => {
      const dir = freshDir('media');
      const clipA = await makeClip({ out: path.join(dir, 'street-cam-01.mp4'), width: 320, height: 240, fps: 25, seconds: 2, pattern: 'testsrc' });
      const clipB = await makeClip({ out: path.join(dir, 'lobby-cam-02.mp4'), width: 256, height: 144, fps: 30, seconds: 1.5, pattern: 'testsrc2' });
      const broken = path.join(dir, 'damaged-export.mp4');
      fs.writeFileSync(broken, fs.readFileSync(clipA).subarray(0, 3000));
      await use({ dir, clipA, clipB, broken });
      if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],

  // Playwright's `browser` fixture would launch Chromium for the Electron project too; launch only when used.
  browserOnDemand: [
    async ({ playwright, launchOptions }, use) => {
      let launched: Promise<Browser> | undefined;
      await use(() => (launched ??= playwright.chromium.launch(launchOptions)));
      if (launched) await (await launched).close();
    },
    { scope: 'worker' },
  ],

  app: async ({ browserOnDemand }, use, testInfo) => {
    const shell = testInfo.project.name === 'electron' ? 'electron' : 'browser';
    let electronApp: ElectronApplication | undefined;
    const root = freshDir('data');
    const dataDir = path.join(root, 'settings');
    const casesDir = path.join(root, 'cases');
    fs.mkdirSync(casesDir, { recursive: true });
    const external: string[] = [];
    const problems: string[] = [];
    let page: Page;
    let harness: Harness | undefined;

    if (shell === 'electron') {
      const bin = electronBinary();
      // Only this project is skipped, and it says why; the chromium project runs the same specs.
      test.skip('missing' in bin, "Electron's binary is not on this machine (npm fetches it from GitHub, which this machine cannot reach); the chromium project runs the same spec against the browser shell");
      if ('missing' in bin) return;
      assertBuilt();
      electronApp = await _electron.launch({
        executablePath: bin.path,
        args: [ROOT],
        env: { ...process.env, SIGHTLINE_USER_DATA: dataDir, SIGHTLINE_CASES_DIR: casesDir },
      });
      page = await electronApp.firstWindow();
      watchNetwork(page, external);
      watchPage(page, problems);
    } else {
      assertBuilt();
      harness = await startHarness(dataDir, casesDir);
      const browser = await browserOnDemand();
      const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
      page = await context.newPage();
      watchNetwork(page, external);
      watchPage(page, problems);
      await page.goto(harness.url);
    }
    await expect(page.locator('.topbar')).toBeVisible();

    const app: SightlineApp = {
      page,
      shell,
      dataDir,
      casesDir,
      external,
      harness: harness ? { origin: new URL(harness.url).origin, token: new URL(harness.url).hash.replace(/^#token=/, '') } : undefined,
      async pickFiles(paths, open) {
        if (electronApp) {
          // The native dialog cannot be driven; answer it from main, as the dialog would.
          await electronApp.evaluate(({ dialog }, chosen) => {
            dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: chosen })) as unknown as typeof dialog.showOpenDialog;
          }, [...paths]);
          await open();
          return;
        }
        await open();
        const picker = page.getByTestId('path-picker');
        await expect(picker).toBeVisible();
        const dir = path.dirname(paths[0]!);
        // The dialog lists its first folder as it opens, and that listing sets the location field: typing before it
        // arrives would be appended to it. Wait for it, as a person sees the folder before typing.
        await expect(picker).toHaveAttribute('aria-busy', 'false');
        await picker.getByTestId('picker-location').fill(dir);
        await picker.getByTestId('picker-location').press('Enter');
        for (const p of paths) {
          const entry = picker.locator(`[data-testid="picker-entry"][data-name="${path.basename(p)}"]`);
          await entry.click();
          await expect(entry).toHaveAttribute('aria-selected', 'true');
        }
        await picker.getByTestId('picker-confirm').click();
        await expect(picker).toBeHidden();
      },
      shot: (name) => saveShot(page, testInfo, name),
      async dismissToasts() {
        const buttons = page.locator('.toast button[aria-label="Dismiss"]');
        while ((await buttons.count()) > 0) await buttons.first().click();
      },
    };

    await use(app);

    if (testInfo.status !== testInfo.expectedStatus && harness) {
      await testInfo.attach('harness.log', { body: harness.log.join(''), contentType: 'text/plain' });
    }
    if (electronApp) await electronApp.close();
    else await page.context().close();
    await harness?.stop();
    if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(root, { recursive: true, force: true });
    expect(external, 'the app made requests outside loopback').toEqual([]);
    expect(problems, 'uncaught errors or CSP violations in the page').toEqual([]);
  },
});

export { expect };
