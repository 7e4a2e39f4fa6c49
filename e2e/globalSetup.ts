/** Once per run: refuse to test a stale or missing build, and say up front why the Electron project is skipped. */
import type { FullConfig } from '@playwright/test';
import { assertBuilt, chromiumPath, electronBinary } from './env';
import fs from 'node:fs';

export default function globalSetup(config: FullConfig): void {
  assertBuilt();
  const projects = new Set(config.projects.map((p) => p.name));
  if (projects.has('chromium') && !fs.existsSync(chromiumPath())) {
    throw new Error(`Chromium not found at ${chromiumPath()}: install Debian's chromium (apt-get install chromium) or set SIGHTLINE_CHROMIUM`);
  }
  const bin = electronBinary();
  if (projects.has('electron') && 'missing' in bin) {
    process.stdout.write(
      `\n[e2e] Electron launcher: SKIPPED. Electron's binary is not on this machine: npm downloads it from GitHub at install time, and this machine cannot reach GitHub.\n` +
        `[e2e] Nothing is broken and nothing needs reinstalling here: the same specs run in Chromium against the browser shell. On a machine with internet access,\n` +
        `[e2e] SIGHTLINE_ELECTRON=1 npm run setup fetches the binary and these specs then run in the desktop app too.\n\n`,
    );
  }
}
