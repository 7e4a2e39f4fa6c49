#!/usr/bin/env node
// `npm start`: the desktop app where Electron's binary is installed; otherwise (or with --browser) the browser
// shell, which runs the same services in Node and prints a loopback address to open in Chromium.
// Electron downloads its binary at install time from GitHub; offline machines (and this project's CI) have none,
// which is why the browser shell exists (see build/setup.mjs, SIGHTLINE_ELECTRON=1).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const forceBrowser = args.includes('--browser') || !!process.env.SIGHTLINE_BROWSER;

function electronBinary() {
  try {
    // The electron package exports the binary's path, and throws when the binary was never downloaded.
    const p = require('electron');
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const missing = ['dist/electron/main.js', 'dist/app/shell/server.js', 'renderer/dist/index.html'].filter((f) => !fs.existsSync(path.join(root, f)));
if (missing.length) {
  process.stderr.write(`Sightline is not built (missing ${missing.join(', ')}).\nRun: npm run setup   (or: npm run build && npm run build:renderer)\n`);
  process.exit(1);
}

const electron = forceBrowser ? null : electronBinary();
let child;
if (electron) {
  if (!fs.existsSync(path.join(root, 'dist', 'preload', 'preload.js'))) {
    process.stderr.write('The preload bundle is missing: run npm run build:renderer\n');
    process.exit(1);
  }
  child = spawn(electron, [root, ...args], { stdio: 'inherit' });
} else {
  if (!forceBrowser) process.stdout.write('Electron\'s binary is not installed here (it cannot be downloaded on this machine): starting the browser shell.\n');
  child = spawn(process.execPath, [path.join(root, 'dist', 'app', 'shell', 'server.js'), ...args.filter((a) => a !== '--browser')], { stdio: 'inherit' });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
