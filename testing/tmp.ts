import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A fresh temporary folder per test file, removed afterwards (kept when SIGHTLINE_KEEP_TMP is set). */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sightline-${prefix}-`));
  return {
    dir,
    cleanup: () => {
      if (!process.env.SIGHTLINE_KEEP_TMP) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
