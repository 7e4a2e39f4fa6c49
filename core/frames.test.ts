import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCase, type CaseHandle } from './case';
import { importEvidence, type Evidence } from './evidence';
import { exportFrame, getFrame, thumbnailStrip } from './frames';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('frames');
let c: CaseHandle;
let clip: Evidence;

beforeAll(async () => {
  c = createCase(path.join(tmp.dir, 'Frames'), { caseNumber: 'F-1', title: 'Frames', examiner: 'Tester' });
  const src = await makeClip({ out: path.join(tmp.dir, 'clip.mp4'), width: 192, height: 108, fps: 25, seconds: 3 });
  clip = (await importEvidence(c, src)).evidence;
});
afterAll(() => {
  c.close();
  tmp.cleanup();
});

describe('frames', () => {
  it('decodes a frame once into the derived store and serves it from there afterwards', async () => {
    const a = await getFrame(c, clip.id, 40);
    expect(a.file.path.startsWith(c.paths.derived)).toBe(true);
    expect(path.basename(a.file.path)).toBe(`${a.file.sha256}.png`);
    const mtime = fs.statSync(a.file.path).mtimeMs;
    const b = await getFrame(c, clip.id, 40);
    expect(b.file.sha256).toBe(a.file.sha256);
    expect(fs.statSync(b.file.path).mtimeMs).toBe(mtime);
  });

  it('gives different pixels for neighbouring frames and the same bytes when decoded again', async () => {
    const f10 = await getFrame(c, clip.id, 10);
    const f11 = await getFrame(c, clip.id, 11);
    expect(f10.file.sha256).not.toBe(f11.file.sha256);
    // Remove the cache entry and decode again: deterministic output.
    c.db.prepare(`DELETE FROM derived_cache WHERE evidence_id = ? AND idx = 10`).run(clip.id);
    fs.chmodSync(f10.file.path, 0o600);
    fs.rmSync(f10.file.path);
    const again = await getFrame(c, clip.id, 10);
    expect(again.file.sha256).toBe(f10.file.sha256);
  });

  it('exports a frame and audits it with input and output hashes', async () => {
    const out = path.join(tmp.dir, 'exports', 'still.png');
    const r = await exportFrame(c, clip.id, 74, out);
    expect(fs.existsSync(out)).toBe(true);
    const entry = c.audit.list({ action: 'frame.export' }).at(-1)!;
    expect(entry.params).toMatchObject({ evidenceId: clip.id, index: 74, path: out });
    expect(entry.inputs[0]!.sha256).toBe(clip.sha256);
    expect(entry.outputs[0]!.sha256).toBe(r.sha256);
    expect(c.audit.verify().ok).toBe(true);
  });

  it('builds a thumbnail strip of evenly spaced frames', async () => {
    const strip = await thumbnailStrip(c, clip.id, 10, 36);
    expect(strip.indices).toEqual([0, 8, 16, 25, 33, 41, 49, 58, 66, 74]);
    expect(strip.tileWidth).toBe(64);
    const meta = await sharp(strip.file.path).metadata();
    expect([meta.width, meta.height]).toEqual([640, 36]);
    const again = await thumbnailStrip(c, clip.id, 10, 36);
    expect(again.file.sha256).toBe(strip.file.sha256);
  });
});
