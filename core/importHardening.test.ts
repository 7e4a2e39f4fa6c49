/**
 * Import against hostile or moving input (issue 11): a source rewritten while it is copied (defect 3), a
 * container that claims a 16000×16000 frame (defect 6), ffmpeg's raw text in the DAMAGED note (defect 12), and
 * the analysis worker's own check of every frame it decodes (defect 1).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCase, type CaseHandle } from './case';
import { importEvidence, listEvidence } from './evidence';
import { SightlineError } from '../domain/errors';
import { indexFrames } from '../platform/ffmpeg';
import { AnalysisSettings } from '../domain/analysis';
import { WorkerPool } from '../workers/pool';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('import-hardening');
const media = path.join(tmp.dir, 'media');
let c: CaseHandle;

beforeAll(() => {
  fs.mkdirSync(media, { recursive: true });
  c = createCase(path.join(tmp.dir, 'Hardening'), { caseNumber: 'H-1', title: 'Hardening', examiner: 'Tester' });
});
afterAll(() => {
  c.close();
  tmp.cleanup();
});

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex');

/** The case is exactly as before: same evidence rows and files, no new audit entries, no scratch left. */
function unchanged(): () => void {
  const rows = listEvidence(c).length;
  const files = fs.readdirSync(c.paths.evidence).sort();
  const audit = c.audit.count();
  return () => {
    expect(listEvidence(c).length).toBe(rows);
    expect(fs.readdirSync(c.paths.evidence).sort()).toEqual(files);
    expect(c.audit.count()).toBe(audit);
    const scratch = path.join(c.paths.incoming, String(process.pid));
    // Only the marker that this process works on the case (core/quarantine.ts): no scratch file left.
    expect(fs.existsSync(scratch) ? fs.readdirSync(scratch).filter((n) => n !== 'host') : []).toEqual([]);
  };
}

describe('import of a source that changes while it is copied (defect 3)', () => {
  it('refuses it when the source is rewritten in place (same size) during the copy', async () => {
    // Several MiB: the copy reads it in 1 MiB chunks, so it sees some old bytes and some new ones.
    const src = await makeClip({ out: path.join(media, 'recording.mkv'), width: 640, height: 480, seconds: 2, pattern: 'mandelbrot', codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'] });
    const size = fs.statSync(src).size;
    expect(size).toBeGreaterThan(3 << 20);
    const before = sha256(fs.readFileSync(src));
    const same = unchanged();
    let rewritten = false;
    const result = await importEvidence(c, src, {
      onProgress: (p) => {
        if (p.stage !== 'copy' || rewritten) return;
        rewritten = true;
        // A recorder still writing: a block already copied and one not yet copied change, the size does not.
        const fd = fs.openSync(src, 'r+');
        fs.writeSync(fd, Buffer.alloc(4096, 0x55), 0, 4096, 1024);
        fs.writeSync(fd, Buffer.alloc(4096, 0x55), 0, 4096, size - 8192);
        fs.closeSync(fd);
      },
    }).then(
      (r) => r,
      (e: unknown) => e,
    );
    const after = sha256(fs.readFileSync(src));
    expect(after).not.toBe(before);
    if (!(result instanceof SightlineError)) {
      // What happened before the fix: recorded, with a hash that is neither the file before nor after.
      const got = (result as Awaited<ReturnType<typeof importEvidence>>).evidence.sha256;
      expect.fail(`imported a file that changed during the copy (stored SHA-256 ${got}; before ${before}, after ${after})`);
    }
    expect(result).toMatchObject({ code: 'SOURCE_CHANGED', message: expect.stringMatching(/^recording\.mkv changed while it was being imported \(it was written to\); nothing was imported/) });
    same();
  });
});

/** A small FFV1 clip whose Matroska header claims 16000×16000: FFV1 takes the container's size, so it decodes to 1 GB frames. */
async function lyingClip(): Promise<string> {
  const honest = await makeClip({ out: path.join(media, 'honest-320x256.mkv'), width: 320, height: 256, fps: 25, seconds: 0.2, codecArgs: ['-c:v', 'ffv1'] });
  const bytes = fs.readFileSync(honest);
  // PixelWidth (EBML id 0xB0) and PixelHeight (0xBA), each a 2-byte unsigned integer: 320 and 256 → 16000.
  const w = bytes.indexOf(Buffer.from([0xb0, 0x82, 0x01, 0x40]));
  const h = bytes.indexOf(Buffer.from([0xba, 0x82, 0x01, 0x00]));
  expect(w).toBeGreaterThan(0);
  expect(h).toBeGreaterThan(0);
  bytes.writeUInt16BE(16000, w + 2);
  bytes.writeUInt16BE(16000, h + 2);
  const out = path.join(media, 'claims-16000x16000.mkv');
  fs.writeFileSync(out, bytes);
  return out;
}

describe('claimed frame size (defect 6)', () => {
  it('refuses a clip claiming 16000×16000 before copying or decoding it, also with --allow-damaged', async () => {
    const src = await lyingClip();
    expect(fs.statSync(src).size).toBeLessThan(200_000);
    const same = unchanged();
    await expect(importEvidence(c, src)).rejects.toMatchObject({
      code: 'CORRUPT_MEDIA',
      message: expect.stringMatching(/^claims-16000x16000\.mkv declares frames of 16000×16000 \(256\.0 Mpx\), beyond Sightline's limit of 8192 px a side and 36 Mpx a frame; nothing was imported/),
    });
    same();
    // With --allow-damaged it would be recorded as damaged, but its frames cannot be decoded within the limit.
    await expect(importEvidence(c, src, { allowDamaged: true })).rejects.toMatchObject({
      code: 'CORRUPT_MEDIA',
      message: expect.stringMatching(/cannot be decoded: .*Picture size 16000x16000 exceeds/),
    });
    same();
  });
});

describe('the DAMAGED note (defect 12)', () => {
  it('is a short reason without memory addresses or scratch paths; ffmpeg\'s own text is kept for the record', async () => {
    const full = await makeClip({ out: path.join(media, 'faststart.mp4'), seconds: 3, formatArgs: ['-movflags', '+faststart'] });
    const cut = path.join(media, 'cut.mp4');
    const bytes = fs.readFileSync(full);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const refused = await importEvidence(c, cut).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/^cut\.mp4 is damaged or truncated \(/);
    const { evidence: e } = await importEvidence(c, cut, { allowDamaged: true });
    expect(e.warnings.length).toBeGreaterThan(0);
    for (const w of [...e.warnings, (refused as Error).message]) {
      expect(w).not.toMatch(/@ 0x[0-9a-f]+|\.incoming|\.part\b/);
    }
    const probe = JSON.parse((c.db.prepare('SELECT probe_json FROM evidence WHERE id = ?').get(e.id) as { probe_json: string }).probe_json) as { decoderLog?: string };
    expect(probe.decoderLog).toMatch(/\[h264 @ 0x[0-9a-f]+\]/);
  });
});

describe('the analysis worker checks every frame it decodes (defect 1)', () => {
  it('fails at the first frame whose pixels differ from the frame index, naming it', async () => {
    const clip = await makeClip({ out: path.join(media, 'frames.y4m'), width: 64, height: 48, fps: 25, seconds: 0.4, codecArgs: ['-pix_fmt', 'yuv420p'], formatArgs: ['-f', 'yuv4mpegpipe'] });
    const frames = (await indexFrames(clip)).frames.map((f, index) => ({ index, pts: f.pts, md5: f.md5 }));
    const edited = path.join(media, 'frames-edited.y4m');
    const bytes = fs.readFileSync(clip);
    let at = -1;
    for (let i = 0; i <= 2; i++) at = bytes.indexOf('FRAME\n', at + 1);
    bytes[at + 6 + 300] ^= 0x20; // frame 2
    fs.writeFileSync(edited, bytes);
    const pool = new WorkerPool({ size: 1 });
    try {
      // One segment of the whole clip: the task gets the frame index rows it must match (it never opens the database).
      const task = {
        width: 64,
        height: 48,
        fps: 25,
        derivedDir: path.join(media, 'derived'),
        conversion: { matrix: 'bt601', range: 'limited' } as const,
        settings: AnalysisSettings.parse({}),
        segment: { index: 0, start: 0, end: 10 },
        frames,
        leadIn: false,
        seekTo: null,
      };
      fs.mkdirSync(task.derivedDir, { recursive: true });
      const ok = await pool.run('analyze.segment', { ...task, file: clip });
      expect(ok.framesDecoded).toBe(10);
      await expect(pool.run('analyze.segment', { ...task, file: edited })).rejects.toMatchObject({ code: 'EVIDENCE_ALTERED', message: expect.stringMatching(/^frame 2 decodes to different pixels/), details: { frame: 2 } });
      // The worker's memory per frame is bounded: a frame size beyond the limit is refused before decoding.
      await expect(pool.run('analyze.segment', { ...task, file: clip, width: 16000, height: 16000 })).rejects.toThrowError(/frame size beyond the limit/);
    } finally {
      await pool.close();
    }
  });
});
