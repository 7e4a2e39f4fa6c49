/**
 * Import throughput: the full import (copy + SHA-256/MD5, read-back verification, probe, frame index) of a
 * high-bitrate 1080p clip, next to a plain `sha256sum` of the same file in the same run.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createCase } from '../core/case';
import { importEvidence } from '../core/evidence';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';
import { heading, row, timeIt } from './util';

export async function benchImport(): Promise<void> {
  heading('Evidence import (1920×1080 H.264 at 80 Mb/s, 10 s)');
  const tmp = tempDir('bench-import');
  try {
    const clip = await makeClip({
      out: path.join(tmp.dir, 'hd.mp4'),
      width: 1920,
      height: 1080,
      fps: 30,
      seconds: 10,
      pattern: 'testsrc2',
      codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '80M', '-pix_fmt', 'yuv420p'],
    });
    const mb = fs.statSync(clip).size / 1048576;
    fs.readFileSync(clip); // warm the page cache so both measurements read from memory
    const sum = await timeIt(() => execFileSync('sha256sum', [clip]));
    const c = createCase(path.join(tmp.dir, 'Bench'), { caseNumber: 'B-1', title: 'Bench', examiner: 'bench' });
    const stageStart = new Map<string, number>();
    const stageEnd = new Map<string, number>();
    const imp = await timeIt(() =>
      importEvidence(c, clip, {
        onProgress: (p) => {
          const now = performance.now();
          if (!stageStart.has(p.stage)) stageStart.set(p.stage, now);
          stageEnd.set(p.stage, now);
        },
      }),
    );
    c.close();
    const frames = imp.value.evidence.frameCount;
    row('file size', `${mb.toFixed(1)} MB`);
    row('sha256sum (baseline)', `${(mb / (sum.ms / 1000)).toFixed(0)} MB/s`, `${sum.ms.toFixed(0)} ms`);
    row('import, total', `${(mb / (imp.ms / 1000)).toFixed(0)} MB/s`, `${imp.ms.toFixed(0)} ms, ${(sum.ms / imp.ms).toFixed(2)}× sha256sum's speed`);
    for (const stage of ['copy', 'verify', 'index']) {
      const ms = (stageEnd.get(stage) ?? 0) - (stageStart.get(stage) ?? 0);
      const rate = stage === 'index' ? `${(frames / (ms / 1000)).toFixed(0)} frames/s` : `${(mb / (ms / 1000)).toFixed(0)} MB/s`;
      row(`  stage ${stage}${stage === 'copy' ? ' (+SHA-256 +MD5)' : stage === 'verify' ? ' (read back, SHA-256)' : ' (decode, pixel MD5)'}`, rate, `${ms.toFixed(0)} ms`);
    }
  } finally {
    tmp.cleanup();
  }
}
