/**
 * Which analysis run is "newest" (issue 11, defect 8): the run of the job queued last, whatever order the jobs
 * finish in, so an old or abandoned job that completes late never replaces the investigator's newer run.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCase, type CaseHandle } from '../case';
import { importEvidence, type Evidence } from '../evidence';
import { AnalysisSettings } from '../../domain/analysis';
import { makeClip } from '../../testing/synth';
import { tempDir } from '../../testing/tmp';
import { latestRun, listRuns, listTracks, recordRun } from './results';
import { mergeSegments } from '../../workers/analysis/merge';

const tmp = tempDir('supersede');
let c: CaseHandle;
let e: Evidence;

beforeAll(async () => {
  c = createCase(path.join(tmp.dir, 'Runs'), { caseNumber: 'R-1', title: 'Runs', examiner: 'Tester' });
  e = (await importEvidence(c, await makeClip({ out: path.join(tmp.dir, 'clip.mp4'), width: 64, height: 48, seconds: 1 }))).evidence;
});
afterAll(() => {
  c.close();
  tmp.cleanup();
});


function queueJob(): number {
  return Number(c.db.prepare(`INSERT INTO jobs (kind, state, params_json, created_at) VALUES ('analyze', 'running', '{}', ?)`).run(new Date().toISOString()).lastInsertRowid);
}

function commitRun(jobId: number) {
  // A run with no faces: what matters here is only when its job was queued and when it committed.
  const settings = AnalysisSettings.parse({});
  const t = settings.tracker;
  const merge = mergeSegments([], { iouMin: t.iouMin, maxGapFrames: 1, rejoinFrames: 1, gate: t.gate, sizeRatioMax: t.sizeRatioMax, identityOffset: t.identityOffset });
  return c.db.transaction(() => recordRun(c, { evidence: e, jobId, settings, models: [], segments: [], merge, stats: {}, worker: {}, trackMinScore: settings.detector.trackMinScore })).immediate();
}

describe('newest analysis run', () => {
  it('is the run of the job queued last, even when an older job commits after it', () => {
    const first = commitRun(queueJob());
    const older = queueJob(); // e.g. a job of a process that was killed, retried or resumed much later
    const newer = queueJob(); // the investigator's re-analysis, queued after it
    const newRun = commitRun(newer);
    expect(newRun.supersedes).toBe(first.runId);
    const lateRun = commitRun(older);
    // The late run is recorded (runs are immutable history) but does not become the newest.
    expect(latestRun(c, e.id)?.id).toBe(newRun.runId);
    expect(listTracks(c, e.id).run?.id).toBe(newRun.runId);
    expect(lateRun.supersedes).toBe(first.runId);
    expect(listRuns(c, e.id).map((r) => r.id)).toEqual([newRun.runId, lateRun.runId, first.runId]);
    const audit = c.audit.list({ action: 'analysis.run' }).at(-1)!;
    expect(audit.params).toMatchObject({ runId: lateRun.runId, newest: false, supersededBy: newRun.runId });
    // A run queued after both is newest again.
    const last = commitRun(queueJob());
    expect(last.supersedes).toBe(newRun.runId);
    expect(latestRun(c, e.id)?.id).toBe(last.runId);
  });
});
