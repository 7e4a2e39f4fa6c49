#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript in dist/ (built by `npm run setup` / `npm run build`).
const path = require('node:path');
const fs = require('node:fs');
const entry = path.join(__dirname, '..', 'dist', 'app', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  process.stderr.write('sightline: not built yet; run `npm run setup` in ' + path.join(__dirname, '..') + '\n');
  process.exit(1);
}
require(entry)
  .main()
  .then((code) => {
    process.exitCode = code;
  });
