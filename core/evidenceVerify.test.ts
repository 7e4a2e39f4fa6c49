/**
 * Stored evidence that changes after import (issue 11, defects 1, 2 and 12): every reader re-checks the file's
 * SHA-256 (cached by file identity) and its decoded pixels' MD5s, and refuses a file that differs, naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCase, openCase, type CaseHandle } from './case';
import { evidenceFile, getEvidence, importEvidence, type Evidence } from './evidence';
import { checkAllEvidence, checkEvidenceFile, verifiedEvidenceFile } from './evidenceVerify';
import { getFrame } from './frames';
import { defaultJobHandlers } from './jobKinds';
import { JobQueue } from './jobs';
import { listRuns } from './analysis/results';
import { indexFrames } from '../platform/ffmpeg';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';

const tmp = tempDir('verify');
let c: CaseHandle;

beforeAll(() => {
  c = createCase(path.join(tmp.dir, 'Verify'), { caseNumber: 'V-1', title: 'Verify', examiner: 'Tester' });
});
afterAll(() => {
  c.close();
  tmp.cleanup();
});

/** What someone with access to the case folder can do to a read-only stored file. */
function tamper(file: string, edit: (b: Buffer) => void): void {
  fs.chmodSync(file, 0o644);
  const bytes = fs.readFileSync(file);
  edit(bytes);
  fs.writeFileSync(file, bytes);
  fs.chmodSync(file, 0o444);
}

async function importClip(name: string, spec: Partial<Parameters<typeof makeClip>[0]> = {}): Promise<Evidence> {
  const src = await makeClip({ out: path.join(tmp.dir, 'media', name), width: 64, height: 48, fps: 25, seconds: 1, ...spec });
  return (await importEvidence(c, src)).evidence;
}

async function analyse(e: Evidence) {
  const q = new JobQueue(c, defaultJobHandlers());
  try {
    return await q.waitFor(q.enqueue('analyze', { evidenceId: e.id, settings: { step: 5 } }).id);
  } finally {
    await q.stop();
  }
}

describe('stored evidence re-checked before use', () => {
  it('refuses a file whose container metadata was edited (pixels unchanged) in frame, analysis and on open (defect 2)', async () => {
    const e = await importClip('metadata.mkv');
    const file = evidenceFile(c, e);
    const pixelsBefore = (await indexFrames(file)).frames.map((f) => f.md5);
    // One byte of the muxer's name ("Lavf…" → "lavf…") in the header: no pixel changes.
    tamper(file, (b) => {
      const at = b.indexOf('Lavf');
      expect(at).toBeGreaterThan(0);
      b[at] = 'l'.charCodeAt(0);
    });
    expect((await indexFrames(file)).frames.map((f) => f.md5)).toEqual(pixelsBefore);

    const frame = await getFrame(c, e.id, 7).then(
      () => null,
      (err: unknown) => err,
    );
    expect(frame).toMatchObject({ code: 'EVIDENCE_ALTERED', message: expect.stringMatching(new RegExp(`^evidence #${e.id} "metadata\\.mkv" was changed on disk after import: .*${e.storedName} now hashes to [0-9a-f]{64}, not the recorded SHA-256 ${e.sha256}`)) });

    const job = await analyse(e);
    expect(job).toMatchObject({ state: 'failed', lastError: { code: 'EVIDENCE_ALTERED' } });
    expect(listRuns(c, e.id)).toEqual([]);

    // Opening the case for work finds it too; the change is audited once, not on every check.
    const checks = await checkAllEvidence(c, [getEvidence(c, e.id)]);
    expect(checks[0]).toMatchObject({ status: 'altered', rehashed: false });
    expect(getEvidence(c, e.id).integrity).toBe('altered');
    expect(c.audit.list({ action: 'evidence.altered' }).filter((a) => a.params.evidenceId === e.id)).toHaveLength(1);

    // Put the imported bytes back: intact again, audited as restored.
    tamper(file, (b) => {
      b[b.indexOf('lavf')] = 'L'.charCodeAt(0);
    });
    expect(await verifiedEvidenceFile(c, getEvidence(c, e.id))).toBe(file);
    expect(c.audit.list({ action: 'evidence.restored' }).at(-1)?.params).toMatchObject({ evidenceId: e.id });
    expect((await getFrame(c, e.id, 7)).index).toBe(7);
  });

  it('refuses to analyse a file whose pixels were edited, and records nothing (defect 1)', async () => {
    // Raw 4:2:0 pixels in a y4m stream: each frame is "FRAME\n" and its plain bytes, so one byte is one pixel.
    const e = await importClip('pixels.y4m', { codecArgs: ['-pix_fmt', 'yuv420p'], formatArgs: ['-f', 'yuv4mpegpipe'] });
    tamper(evidenceFile(c, e), (b) => {
      let at = -1;
      for (let i = 0; i <= 3; i++) at = b.indexOf('FRAME\n', at + 1);
      b[at + 6 + 100] ^= 0xff; // frame 3, one luma pixel
    });
    const job = await analyse(e);
    expect(job.state).toBe('failed');
    expect(job.lastError?.message).toMatch(new RegExp(`^evidence #${e.id} "pixels\\.y4m" was changed on disk after import`));
    expect(listRuns(c, e.id)).toEqual([]);
    expect(c.audit.list({ action: 'analysis.run' }).filter((a) => a.params.evidenceId === e.id)).toEqual([]);
  });

  it('hashes a file again only when its identity (size, mtime, ctime, inode) changed', async () => {
    const e = await importClip('cached.mp4');
    // Import recorded the first check: nothing to hash on the next open.
    expect(await checkEvidenceFile(c, e)).toMatchObject({ status: 'intact', rehashed: false });
    const file = evidenceFile(c, e);
    const st = fs.statSync(file);
    fs.utimesSync(file, st.atime, new Date(st.mtimeMs + 5000));
    expect(await checkEvidenceFile(c, e)).toMatchObject({ status: 'intact', rehashed: true });
    expect(await checkEvidenceFile(c, e)).toMatchObject({ status: 'intact', rehashed: false });
    expect(await checkEvidenceFile(c, e, { force: true })).toMatchObject({ status: 'intact', rehashed: true });
  });

  it('names a missing evidence file (id, original name, expected path) instead of an ffmpeg message (defect 12)', async () => {
    const e = await importClip('gone.mp4', { width: 80 });
    const file = evidenceFile(c, e);
    fs.chmodSync(file, 0o644);
    fs.rmSync(file);
    const err = await getFrame(c, e.id, 3).then(
      () => null,
      (x: unknown) => x,
    );
    expect(err).toMatchObject({
      code: 'EVIDENCE_MISSING',
      message: `evidence #${e.id} "gone.mp4" is missing from the case: expected ${file} (SHA-256 ${e.sha256}); restore it from a backup of the case (its name is its SHA-256)`,
    });
    expect((err as Error).message).not.toMatch(/ffmpeg|No such file/);
    expect(getEvidence(c, e.id).integrity).toBe('missing');
    expect(c.audit.list({ action: 'evidence.missing' }).filter((a) => a.params.evidenceId === e.id)).toHaveLength(1);
  });

  it('checks nothing into a case opened read-only', async () => {
    const ro = openCase(c.dir, { readonly: true });
    try {
      const checks = await checkAllEvidence(ro, [getEvidence(ro, 1)], { force: true });
      expect(checks[0]?.rehashed).toBe(true);
    } finally {
      ro.close();
    }
  });
});
