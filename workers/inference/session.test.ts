import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../../models/install';
import { getModel, modelPath } from '../../models/manifest';
import { loadModel, ModelHashMismatchError, ModelMissingError, releaseAll, runModel, verifyModelFile } from './session';

describe('inference sessions', () => {
  beforeAll(async () => {
    await installModels({ log: () => {} });
  }, 120_000);

  afterAll(async () => {
    await releaseAll();
  });

  it('creates one session per model even under concurrent first use', async () => {
    const [a, b] = await Promise.all([loadModel('face-landmarks'), loadModel('face-landmarks')]);
    expect(a.session).toBe(b.session);
    expect(a.executionProvider).toBe('cpu');
    const out = await runModel('face-landmarks', new Float32Array(2 * 112 * 112 * 3).fill(128), [2, 112, 112, 3]);
    expect(out.landmarks!.dims).toEqual([2, 136]);
  });

  it('refuses a model file whose hash differs from the manifest, naming the file and both hashes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sightline-models-'));
    const prev = process.env.SIGHTLINE_MODELS_DIR;
    try {
      const entry = getModel('face-landmarks');
      const original = modelPath(entry);
      process.env.SIGHTLINE_MODELS_DIR = dir;
      await expect(verifyModelFile(entry)).rejects.toBeInstanceOf(ModelMissingError);
      copyFileSync(original, path.join(dir, entry.file));
      await expect(verifyModelFile(entry)).resolves.toBe(path.join(dir, entry.file));
      writeFileSync(path.join(dir, entry.file), 'tampered');
      const err = await verifyModelFile(entry).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelHashMismatchError);
      const m = err as ModelHashMismatchError;
      expect(m.file).toBe(path.join(dir, entry.file));
      expect(m.expected).toBe(entry.sha256);
      expect(m.actual).toMatch(/^[0-9a-f]{64}$/);
      expect(m.message).toContain(entry.sha256);
      expect(m.message).toContain(m.actual);
    } finally {
      if (prev === undefined) delete process.env.SIGHTLINE_MODELS_DIR;
      else process.env.SIGHTLINE_MODELS_DIR = prev;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
