/**
 * The layer rule, checked the way a developer meets it: ESLint on a file placed in a layer. A forbidden import
 * fails with the rule's name; the same import from a layer above is accepted.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

async function lint(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return r!.messages.filter((m) => m.ruleId === 'sightline/layers').map((m) => m.message);
}

describe('sightline/layers', () => {
  it('refuses a worker that imports a case service, naming the rule', async () => {
    const msgs = await lint('workers/scratch.ts', "import { openCase } from '../core/case';\nexport const x = openCase;\n");
    expect(msgs).toHaveLength(1);
    expect(msgs[0]).toMatch(/^\[layers: workers ↛ core\] workers\/scratch\.ts may not import core\/case/);
  });

  it('refuses Node in the domain layer and in the renderer', async () => {
    expect(await lint('domain/scratch.ts', "import fs from 'node:fs';\nexport const x = fs;\n")).toEqual([expect.stringMatching(/^\[layers: domain ↛ node:fs\]/)]);
    expect(await lint('renderer/src/scratch.ts', "import path from 'node:path';\nexport const x = path;\n")).toEqual([expect.stringMatching(/^\[layers: renderer ↛ node:path\]/)]);
  });

  it('lets the renderer import the contract and the domain, and nothing else (not even types of core)', async () => {
    expect(await lint('renderer/src/scratch.ts', "import type { Job } from '../../app/contract';\nimport { tierLabel } from '../../domain/enhance';\nexport type J = Job;\nexport const t = tierLabel;\n")).toEqual([]);
    expect(await lint('renderer/src/scratch.ts', "import type { Job } from '../../core/jobs';\nexport type J = Job;\n")).toEqual([expect.stringMatching(/^\[layers: renderer ↛ core\]/)]);
  });

  it('keeps core below the app: no IPC, CLI or shell imports', async () => {
    for (const target of ['../app/contract', '../app/cli/main', '../app/shell/server', '../app/service/appService']) {
      expect(await lint('core/scratch.ts', `import * as m from '${target}';\nexport const x = m;\n`)).toEqual([expect.stringMatching(/^\[layers: core ↛ (contract|cli|shell|service)\]/)]);
    }
  });

  it('lets the contract import core types but not core values', async () => {
    expect(await lint('app/contract/scratch.ts', "import type { Job } from '../../core/jobs';\nexport type J = Job;\n")).toEqual([]);
    expect(await lint('app/contract/scratch.ts', "import { listJobs } from '../../core/jobs';\nexport const x = listJobs;\n")).toEqual([expect.stringMatching(/^\[layers: contract ↛ core\]/)]);
  });

  it('accepts the same import one layer up', async () => {
    expect(await lint('core/scratch.ts', "import { WorkerPool } from '../workers/pool';\nexport const x = WorkerPool;\n")).toEqual([]);
  });
});
