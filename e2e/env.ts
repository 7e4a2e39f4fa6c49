/** Where the e2e specs find their tools: Debian's Chromium, Electron's binary (optional), the built app. */
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const ARTIFACTS = path.join(ROOT, 'e2e', 'artifacts');
export const DOCS_SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots');

export function chromiumPath(): string {
  const candidates = [process.env.SIGHTLINE_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((p): p is string => !!p);
  return candidates.find((p) => fs.existsSync(p)) ?? candidates[0]!;
}

/** Electron's binary, or why there is none (the npm package exports the path; it throws when never downloaded). */
export function electronBinary(): { path: string } | { missing: string } {
  try {
    const p = require('electron') as unknown;
    if (typeof p === 'string' && fs.existsSync(p)) return { path: p };
    return { missing: `the electron package names ${String(p)}, which does not exist` };
  } catch (e) {
    return { missing: e instanceof Error ? e.message.split('\n')[0]! : String(e) };
  }
}

export function assertBuilt(): void {
  const need = ['dist/app/shell/server.js', 'renderer/dist/index.html'];
  const missing = need.filter((f) => !fs.existsSync(path.join(ROOT, f)));
  if (missing.length) throw new Error(`build first (npm run build && npm run build:renderer): missing ${missing.join(', ')}`);
}
