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
      `\n[e2e] Electron launcher: SKIPPED. Electron's binary is not installed on this machine (it cannot be downloaded here: ${bin.missing}).\n` +
        `[e2e] The same specs run in Chromium against the browser shell. Install Electron (SIGHTLINE_ELECTRON=1 npm run setup) to run them in the desktop app too.\n\n`,
    );
  }
}
