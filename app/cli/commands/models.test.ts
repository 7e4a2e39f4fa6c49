import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { CliContext } from '../command';
import { installModels } from '../../../models/install';
import { packageDir } from '../../../models/paths';
import { detectCmd, modelsCmd } from './models';

function jsonCtx(): { ctx: CliContext; printed: unknown[] } {
  const printed: unknown[] = [];
  const ctx: CliContext = {
    json: true,
    signal: new AbortController().signal,
    print: (v) => { printed.push(v); },
    progress: () => {},
    progressDone: () => {},
  };
  return { ctx, printed };
}

describe('sightline models / detect', () => {
  beforeAll(async () => {
    await installModels({ log: () => {} });
  }, 120_000);

  it('lists every model as ok with source, licence and hash', async () => {
    const { ctx, printed } = jsonCtx();
    expect(await modelsCmd.run([], {}, ctx)).toBe(0);
    const out = printed[0] as { ok: boolean; models: Array<{ id: string; status: string; source: string; license: string; expectedSha256: string }> };
    expect(out.ok).toBe(true);
    expect(out.models.map((m) => m.id)).toEqual(['face-detector', 'face-detector-blazeface', 'face-landmarks', 'face-embedder', 'super-resolution-x4', 'super-resolution-x2', 'identity-embedder']);
    for (const m of out.models) {
      expect(m.status).toBe('ok');
      expect(m.source).toMatch(/@\d/);
      expect(m.license.length).toBeGreaterThan(3);
      expect(m.expectedSha256).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('detects the three faces of a real group photo', async () => {
    const { ctx, printed } = jsonCtx();
    const file = path.join(packageDir('@vladmandic/face-api'), 'demo', 'sample1.jpg');
    expect(await detectCmd.run([file], {}, ctx)).toBe(0);
    const out = printed[0] as { faces: Array<{ box: { x: number; y: number; w: number; h: number }; score: number; landmarks5: number[][] }> };
    expect(out.faces).toHaveLength(3);
    for (const f of out.faces) {
      expect(f.score).toBeGreaterThan(0.9);
      expect(f.landmarks5).toHaveLength(5);
      // Eyes lie inside the box, the image-left eye left of the image-right one.
      const [le, re] = f.landmarks5 as [number[], number[]];
      expect(le[0]!).toBeLessThan(re[0]!);
      for (const [x, y] of [le, re]) {
        expect(x!).toBeGreaterThan(f.box.x);
        expect(x!).toBeLessThan(f.box.x + f.box.w);
        expect(y!).toBeGreaterThan(f.box.y);
        expect(y!).toBeLessThan(f.box.y + f.box.h);
      }
    }
  });

  it('rejects a missing image with FILE_NOT_FOUND', async () => {
    const { ctx } = jsonCtx();
    await expect(detectCmd.run(['/nonexistent.png'], {}, ctx)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});
