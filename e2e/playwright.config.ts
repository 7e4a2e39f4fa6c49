/**
 * End-to-end specs: the real renderer driving the real services.
 * - `chromium`: Debian's Chromium (never a downloaded browser) against the browser shell (app/shell/server.ts).
 * - `electron`: the same specs through Playwright's Electron launcher, where Electron's binary is installed;
 *   elsewhere every test of that project is skipped with the reason (e2e/fixtures.ts).
 * Build first (npm run build && npm run build:renderer): `npm run test:e2e` does.
 */
import { defineConfig } from '@playwright/test';
import { chromiumPath } from './env';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './globalSetup.ts',
  outputDir: 'artifacts/test-results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  // Two cores: one worker decodes while the other drives the browser. More only slows both.
  workers: 2,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list'], ['html', { outputFolder: 'artifacts/report', open: 'never' }]],
  use: {
    viewport: { width: 1400, height: 860 },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    video: 'off',
    actionTimeout: 15_000,
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: chromiumPath(),
          // Debian's Chromium phones home (component updates, sync, QUIC probes) unless told not to; the specs
          // assert that nothing leaves loopback.
          args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-sandbox'],
        },
      },
    },
    { name: 'electron', use: {} },
  ],
});
