/**
 * A case made before the one decode path (testing/fixtures/legacy-case: imported, analysed and enhanced with the
 * bundled 2018 ffmpeg and the old extraction graph) still works with the ffmpeg the app resolves now (a system
 * ffmpeg ≥ 5 where installed) and with the bundled one: it opens (migrated), every frame re-decodes and verifies
 * against the frame-index MD5s recorded in 2018, frames are served through the stated conversion (equal to
 * analysis), and its three enhancements (fusion, restore, fusion+restore) replay to their recorded output hashes —
 * old recorded settings keep the old pipeline (no local registration, no exposure normalisation, legacy decode).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installModels } from '../models/install';
import { tempDir } from '../testing/tmp';
import { WorkerPool } from '../workers/pool';
import { decodeFrames } from '../platform/ffmpeg';
import { ffmpegInfo, resetToolPaths } from '../platform/tools';
import { APP_ROOT } from '../platform/appInfo';
import { openCase, type CaseHandle } from './case';
import { evidenceFile, getEvidence } from './evidence';
import { getFrame } from './frames';
import { defaultJobHandlers } from './jobKinds';
import { JobQueue, hasSucceeded } from './jobs';
import { getEnhancement, listReplays } from './enhance/records';

const FIXTURE = path.join(APP_ROOT, 'testing', 'fixtures', 'legacy-case');
const RECORDED = {
  1: 'e459cccf758c1204a5a3f316a8739d444b2a1fc4f64557ed4342dd7c24dc3edb',
  2: 'ec61dace6a5144b1a7608c6492f89ce056db2c429722e835b187d29a5e01b92c',
  3: '0373b95cae74512214365efcb4fc55027304d0e000bc6c9d9f8f30bd96e9bb07',
} as const;

function copyFixture(dest: string): string {
  fs.mkdirSync(path.join(dest, 'evidence'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURE, 'case.db'), path.join(dest, 'case.db'));
  for (const f of fs.readdirSync(path.join(FIXTURE, 'evidence'))) {
    fs.copyFileSync(path.join(FIXTURE, 'evidence', f), path.join(dest, 'evidence', f));
    fs.chmodSync(path.join(dest, 'evidence', f), 0o444);
  }
  return dest;
}

const savedEnv = process.env.SIGHTLINE_FFMPEG;

describe('a case made with the bundled 2018 ffmpeg, before the one decode path', () => {
  const tmp = tempDir('legacy');
  const pool = new WorkerPool({ size: 1 });
  let c: CaseHandle;
  let q: JobQueue;

  beforeAll(async () => {
    await installModels({ log: () => {} });
    c = openCase(copyFixture(path.join(tmp.dir, 'legacy.sightline')));
    q = new JobQueue(c, defaultJobHandlers({ pool: () => pool }));
  }, 120_000);

  afterAll(async () => {
    await q?.stop();
    await pool.close();
    c?.close();
    tmp.cleanup();
  });

  afterEach(() => {
    if (savedEnv === undefined) delete process.env.SIGHTLINE_FFMPEG;
    else process.env.SIGHTLINE_FFMPEG = savedEnv;
    resetToolPaths();
  });

  it('opens migrated, with its audit chain intact and no ffmpeg recorded for the old import', () => {
    expect(c.audit.verify().ok).toBe(true);
    const e = getEvidence(c, 1);
    expect(e.ffmpeg).toBeNull();
    expect(e.rgbConversion).toEqual({ matrix: 'bt601', range: 'limited' });
  });

  it('re-decodes every frame and verifies it against the 2018 frame-index MD5s, through the stated conversion (== analysis)', async () => {
    const e = getEvidence(c, 1);
    const decoded: Buffer[] = [];
    await decodeFrames(evidenceFile(c, e), e, { conversion: e.rgbConversion, onFrame: (f) => void decoded.push(f.data) });
    expect(decoded).toHaveLength(e.frameCount);
    for (let i = 0; i < e.frameCount; i++) {
      const f = await getFrame(c, e.id, i); // throws CORRUPT_MEDIA if the pixels' MD5 differs from the index
      const rgb = await sharp(f.file.path).removeAlpha().raw().toBuffer();
      expect(rgb.equals(decoded[i]!), `frame ${i}`).toBe(true);
    }
  });

  it('replays its fusion, restore and fusion+restore to the recorded hashes with the resolved ffmpeg', async () => {
    for (const id of [1, 2, 3] as const) {
      expect(getEnhancement(c, id).outputSha256).toBe(RECORDED[id]);
      const job = await q.waitFor(q.enqueue('replay', { enhancementId: id }));
      expect(job.lastError, `replay ${id}`).toBeNull();
      if (!hasSucceeded(job)) throw new Error(`replay ${id} ended ${job.state}`);
      expect(job.result.outputSha256, `enhancement ${id} (${ffmpegInfo().version})`).toBe(RECORDED[id]);
      const [r] = listReplays(c, id);
      expect(r!.matches).toBe(true);
      expect(r!.details.inputsMatch).toBe(true);
      expect(r!.details.contributionsMatch).toBe(true);
      expect(r!.details.guardMatches).toBe(true);
      expect((r!.details.runtime.ffmpeg as { version: string }).version).toBe(ffmpegInfo().version);
    }
  }, 240_000);

  it('replays with only the bundled ffmpeg too', async () => {
    process.env.SIGHTLINE_FFMPEG = 'bundled';
    resetToolPaths();
    const bundledPool = new WorkerPool({ size: 1 });
    const bq = new JobQueue(c, defaultJobHandlers({ pool: () => bundledPool }));
    try {
      const job = await bq.waitFor(bq.enqueue('replay', { enhancementId: 1 }));
      if (!hasSucceeded(job)) throw new Error(`replay ended ${job.state}: ${job.lastError?.message}`);
      expect(job.result.outputSha256).toBe(RECORDED[1]);
      expect((listReplays(c, 1)[0]!.details.runtime.ffmpeg as { source: string }).source).toBe('bundled');
    } finally {
      await bq.stop();
      await bundledPool.close();
    }
  }, 120_000);
});
