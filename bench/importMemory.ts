/**
 * Import memory against clip length: peak RSS of an import of a 10-second, a 1-hour and a 6-hour clip (64×48,
 * 25 fps, lavfi testsrc, H.264 at a low bitrate: 90 000 and 540 000 frames), each in a fresh process, next to the
 * baseline measured in the same run: the same frame index collected in memory, as imports held it before it was
 * streamed to disk. Flat means the import's memory does not grow with the number of frames.
 *
 * The clips are generated once into the system's temp folder (sightline-bench-clips/) and reused: the 6-hour
 * one takes minutes to encode. Remove that folder to regenerate them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';
import { heading, row } from './util';

const CLIPS = [
  { label: '10 s', seconds: 10 },
  { label: '1 hour', seconds: 3600 },
  { label: '6 hours', seconds: 6 * 3600 },
];

async function clipOf(seconds: number): Promise<string> {
  const dir = path.join(os.tmpdir(), 'sightline-bench-clips');
  const out = path.join(dir, `testsrc-64x48-25fps-${seconds}s.mp4`);
  if (fs.existsSync(out)) return out;
  process.stdout.write(`  (generating ${out} once …)\n`);
  const part = `${out}.part.mp4`;
  await makeClip({ out: part, width: 64, height: 48, fps: 25, seconds, codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '35', '-g', '250', '-pix_fmt', 'yuv420p'] });
  fs.renameSync(part, out);
  return out;
}

function measure(args: string[]): { maxRssKb: number; frames: number; ms: number } {
  const out = execFileSync(process.execPath, [path.join(__dirname, 'importMemoryChild.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as { maxRssKb: number; frames: number; ms: number };
}

export async function benchImportMemory(): Promise<void> {
  heading('Import memory by clip length (64×48, 25 fps, H.264; peak RSS of the importing process)');
  const tmp = tempDir('bench-import-memory');
  try {
    const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;
    let prev: { imp: { maxRssKb: number; frames: number }; base: { maxRssKb: number; frames: number } } | undefined;
    for (const clip of CLIPS) {
      const file = await clipOf(clip.seconds);
      const imp = measure(['import', file, path.join(tmp.dir, `case-${clip.seconds}`)]);
      const base = measure(['collect', file]);
      // Growth per frame since the previous (shorter) clip: what each extra frame costs. Flat is ~0.
      const perFrame = (m: { maxRssKb: number; frames: number }, p?: { maxRssKb: number; frames: number }): string =>
        p && m.frames > p.frames ? `, ${(((m.maxRssKb - p.maxRssKb) * 1024) / (m.frames - p.frames)).toFixed(1)} B per frame more than the previous clip` : '';
      row(`${clip.label}: import (index streamed to disk)`, mb(imp.maxRssKb), `${imp.frames} frames, ${(imp.ms / 1000).toFixed(1)} s${perFrame(imp, prev?.imp)}`);
      row(`${clip.label}: index held in memory (baseline)`, mb(base.maxRssKb), `${base.frames} frames, ${(base.ms / 1000).toFixed(1)} s${perFrame(base, prev?.base)}`);
      prev = { imp, base };
    }
  } finally {
    tmp.cleanup();
  }
}
