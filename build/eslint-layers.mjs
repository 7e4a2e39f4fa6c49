/**
 * The layer rule (`sightline/layers`): imports point down only, as VS Code enforces its per-runtime folders.
 *
 *   shells     electron/ (desktop) │ app/shell/ (browser shell) │ app/cli/ (command line)
 *   service    app/service/   the AppService behind every channel
 *   contract   app/contract/  the IPC channel map (renderer ↔ app); values from domain only
 *   core       core/          case services: database, evidence, frames, audit, jobs (the single DB writer)
 *   workers    workers/       the pipeline, in worker processes (never the case database)
 *   models     models/        manifest, converters, install
 *   platform   platform/      plain-Node foundation: hashing, ffmpeg, derived store, tool paths
 *   domain     domain/        pure TypeScript: settings, modes, tier labels, calibrations, error codes
 *
 * The renderer imports only the contract and the domain. `testing/` (test support and fixtures) sits beside
 * core; tests (`*.test.ts`) may also import it. bench/, e2e/ and build/ are tools outside the product.
 * A violation names the layer rule it breaks, e.g. "[layers: workers ↛ core]".
 */
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Folder prefix → layer, first match wins. */
const LAYER_OF = [
  ['app/contract/', 'contract'],
  ['app/service/', 'service'],
  ['app/cli/', 'cli'],
  ['app/shell/', 'shell'],
  ['renderer/src/', 'renderer'],
  ['electron/', 'electron'],
  ['domain/', 'domain'],
  ['platform/', 'platform'],
  ['models/', 'models'],
  ['workers/', 'workers'],
  ['core/', 'core'],
  ['testing/', 'testing'],
];

const BELOW_CORE = ['domain', 'platform', 'models', 'workers', 'core'];

/** What each layer may import as values; `types` adds layers it may import types from. */
const ALLOWED = {
  domain: { values: ['domain'], why: 'the domain layer is pure TypeScript that every layer (and the renderer) imports' },
  platform: { values: ['domain', 'platform'], why: 'the platform layer is the plain-Node foundation under everything' },
  models: { values: ['domain', 'platform', 'models'], why: 'the model pack is used by workers and must not know the case or the app' },
  workers: { values: ['domain', 'platform', 'models', 'workers'], why: 'workers run without the case database and without the app' },
  core: { values: BELOW_CORE, why: 'case services run headless under any shell and never call the IPC, CLI or shell layers' },
  testing: { values: [...BELOW_CORE, 'testing'], why: 'test support builds on the product layers, never on the app or shells' },
  contract: { values: ['domain', 'contract'], types: BELOW_CORE, why: 'the contract is shared with the renderer: values only from the domain, types from the services' },
  service: { values: [...BELOW_CORE, 'contract', 'service'], why: 'the app service implements the contract on the case services; it knows no shell' },
  cli: { values: [...BELOW_CORE, 'contract', 'cli'], why: 'the CLI is a shell over the case services' },
  shell: { values: [...BELOW_CORE, 'contract', 'service', 'shell'], why: 'the browser shell hosts the app service' },
  electron: { values: [...BELOW_CORE, 'contract', 'service', 'shell', 'electron'], why: 'the desktop host hosts the app service' },
  renderer: { values: ['domain', 'contract', 'renderer'], why: 'the renderer talks to main only through window.sightline; it imports only the contract and the domain' },
};

/** Layers that must stay free of Node (they run in the renderer or are shared with it), and the packages they may use. */
const PURE = { domain: ['zod'], contract: ['zod'], renderer: ['zod', 'react', 'react-dom', 'zustand'] };

function layerOf(rel) {
  for (const [prefix, layer] of LAYER_OF) if (rel.startsWith(prefix)) return layer;
  return null;
}

function isTypeOnly(node) {
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  if (node.type === 'ImportDeclaration' && node.specifiers.length > 0 && node.specifiers.every((s) => s.importKind === 'type')) return true;
  if (node.type === 'ExportNamedDeclaration' && node.specifiers.length > 0 && node.specifiers.every((s) => s.exportKind === 'type')) return true;
  return false;
}

const rule = {
  meta: { type: 'problem', docs: { description: 'imports point down the layers (see build/eslint-layers.mjs)' }, schema: [] },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const from = layerOf(file);
    if (!from) return {};
    const isTest = /\.(test|spec)\.tsx?$/.test(file);
    const allowed = ALLOWED[from];
    const check = (node, source, typeOnly) => {
      if (typeof source !== 'string') return;
      if (!source.startsWith('.')) {
        const pure = PURE[from];
        if (!pure || isTest) return;
        const pkg = source.startsWith('@') ? source.split('/').slice(0, 2).join('/') : source.split('/')[0];
        if (typeOnly && from !== 'renderer') return;
        if (!pure.includes(pkg)) {
          context.report({ node, message: `[layers: ${from} ↛ ${source}] ${file} may not import '${source}': ${allowed.why} (allowed packages: ${pure.join(', ')})` });
        }
        return;
      }
      const target = path.relative(ROOT, path.resolve(path.dirname(context.filename), source)).split(path.sep).join('/');
      const to = layerOf(target + (target.includes('.') ? '' : '/')) ?? layerOf(target);
      if (!to || to === from) return;
      if (allowed.values.includes(to)) return;
      if (typeOnly && allowed.types?.includes(to)) return;
      if (isTest && to === 'testing') return;
      context.report({ node, message: `[layers: ${from} ↛ ${to}] ${file} may not import ${target}: ${allowed.why}` });
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value, isTypeOnly(n)),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value, isTypeOnly(n)),
      ExportAllDeclaration: (n) => check(n.source, n.source.value, n.exportKind === 'type'),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value, false),
      TSImportType: (n) => {
        const lit = n.argument?.literal ?? n.argument;
        if (lit && lit.type === 'Literal') check(n, lit.value, true);
      },
      CallExpression: (n) => {
        if (n.callee.type === 'Identifier' && n.callee.name === 'require' && n.arguments[0]?.type === 'Literal') check(n.arguments[0], n.arguments[0].value, false);
      },
    };
  },
};

export default { rules: { layers: rule } };
