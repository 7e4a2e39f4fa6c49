import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

/** The repository / app root: the folder holding package.json (works from source and from dist/). */
export const APP_ROOT: string = (() => {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
})();

export const APP_VERSION: string = (JSON.parse(fs.readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Who is at the keyboard, as the operating system knows them (recorded beside the examiner's name). */
export function osAccount(): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep 'unknown'
  }
  return `${user}@${os.hostname()}`;
}
