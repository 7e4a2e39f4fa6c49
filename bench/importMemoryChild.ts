/**
 * One measurement of `npm run bench -- import-memory`, in a process of its own so its peak RSS is its own:
 *   node dist/bench/importMemoryChild.js import CLIP CASE_DIR   — the real import (frame index streamed to disk)
 *   node dist/bench/importMemoryChild.js collect CLIP           — the frame index collected in memory (how imports
 *                                                                  held it before: the baseline)
 * Prints one JSON line: peak RSS (KB), frames, milliseconds.
 */
import { createCase } from '../core/case';
import { importEvidence } from '../core/evidence';
import { indexFrames } from '../platform/ffmpeg';

async function main(): Promise<void> {
  const [mode, clip, caseDir] = process.argv.slice(2);
  const t0 = performance.now();
  let frames: number;
  if (mode === 'import') {
    const c = createCase(caseDir!, { caseNumber: 'M-1', title: 'Import memory', examiner: 'bench' });
    try {
      frames = (await importEvidence(c, clip!)).evidence.frameCount;
    } finally {
      c.close();
    }
  } else if (mode === 'collect') {
    const index = await indexFrames(clip!);
    frames = index.frames.length;
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
  process.stdout.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, frames, ms: performance.now() - t0 })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
