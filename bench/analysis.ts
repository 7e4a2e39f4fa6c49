/**
 * Footage analysis speed on a 1080p clip: frames/s of the full analysis (decode, pyramid detection, landmarks,
 * quality, aligned crops + embeddings, tracking) next to ffmpeg's decode-only speed of the same clip in the same
 * run, and the share of time per stage. The clip holds six real faces (the committed ORL fixtures; 24, 40 and
 * 96 px) moving over a static textured scene, like a fixed camera.
 */
import fs from 'node:fs';
import path from 'node:path';
import { decodeFrames, runFfmpeg } from '../platform/ffmpeg';
import { tempDir } from '../testing/tmp';
import { runAnalysis, type AnalyzeResult } from '../workers/analysis/analyze';
import { makeFaceClip } from '../testing/faceClip';
import { resolveSettings, type AnalysisSettingsInput } from '../domain/analysis';
import { faceFile } from '../testing/faces';
import { getInferenceConfig, releaseAll } from '../workers/inference/session';
import { heading, row, timeIt } from './util';

const FRAMES = 48;

async function analyse(file: string, derivedDir: string, settings: AnalysisSettingsInput): Promise<{ ms: number; value: AnalyzeResult }> {
  return timeIt(() =>
    runAnalysis(
      { file, width: 1920, height: 1080, frameCount: FRAMES, fps: 24, derivedDir, settings: resolveSettings(settings) },
      { signal: new AbortController().signal, progress: () => {}, log: () => {} },
    ),
  );
}

export async function benchAnalysis(): Promise<void> {
  const tmp = tempDir('bench-analysis');
  try {
    heading(`Footage analysis (1920×1080 H.264 CRF 32, ${FRAMES} frames, 6 moving ORL faces of 24/40/96 px on a static scene)`);
    const file = path.join(tmp.dir, 'camera.mp4');
    const faces = [24, 40, 96, 24, 40, 96].map((w, k) => ({
      portrait: faceFile(k + 1, 1),
      faceWidth: w,
      start: [200 + 280 * k, 150 + (k % 3) * 280] as [number, number],
      velocity: [2 + (k % 3), k % 2 ? -1 : 1] as [number, number],
    }));
    await makeFaceClip({ out: file, frames: FRAMES, faces, crf: 32 });
    fs.readFileSync(file);

    const nullDecode = await timeIt(() =>
      runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:v:0', '-pix_fmt', 'rgb24', '-sws_flags', 'bicubic+accurate_rnd+full_chroma_int', '-f', 'null', '-']),
    );
    const pipeDecode = await timeIt(() => decodeFrames(file, { width: 1920, height: 1080 }, { onFrame: () => {} }));
    row('ffmpeg decode → RGB24 → null (baseline)', `${(FRAMES / (nullDecode.ms / 1000)).toFixed(1)} frames/s`, `${nullDecode.ms.toFixed(0)} ms`);
    row('ffmpeg decode → RGB24 → pipe into Node', `${(FRAMES / (pipeDecode.ms / 1000)).toFixed(1)} frames/s`, `${pipeDecode.ms.toFixed(0)} ms (what the analysis reads)`);

    const derived = path.join(tmp.dir, 'derived');
    fs.mkdirSync(derived);
    // Warm the ONNX sessions so model loading is not counted as analysis time.
    await analyse(file, derived, { step: FRAMES });
    const cfg = getInferenceConfig();
    const runs: Array<[string, AnalysisSettingsInput]> = [
      ['analysis, default (unchanged windows reused)', {}],
      ['analysis, exhaustive (every window, every frame)', { detector: { reuse: { enabled: false } } }],
      ['analysis, default with --step 4', { step: 4 }],
    ];
    for (const [label, settings] of runs) {
      const { ms, value } = await analyse(file, derived, settings);
      const frames = value.stats.framesDecoded;
      const s = value.stats;
      row(label, `${(frames / (ms / 1000)).toFixed(2)} frames/s`, `${frames} frames in ${(ms / 1000).toFixed(1)} s; ${(ms / frames).toFixed(0)} ms/frame = ${(nullDecode.ms / FRAMES / (ms / frames) * 100).toFixed(1)}% of decode-only speed`);
      row('  windows run / reused / flat', `${s.tilesRun}/${s.tilesReused}/${s.tilesFlat}`, `${s.tilesPerFrame} windows per frame (${s.levels.map((l) => `${l.name}: ${l.tiles}`).join(', ')}); ${value.detections.length} faces, ${value.tracks.length} tracks`);
      const total = Object.values(s.stageMs).reduce((a, b) => a + b, 0);
      for (const [stage, t] of Object.entries(s.stageMs)) {
        const note =
          stage === 'detect'
            ? `network ${((s.detectorNetworkMs / total) * 100).toFixed(1)}%, window resampling + change test ${((s.detectorPrepareMs / total) * 100).toFixed(1)}%`
            : stage === 'crops'
              ? 'alignment, embeddings, PNG + store'
              : '';
        row(`    ${stage}`, `${((t / total) * 100).toFixed(1)}%`, `${(t / frames).toFixed(1)} ms/frame${note ? `; ${note}` : ''}`);
      }
    }
    row('threads', `${cfg.intraOpThreads}`, `ONNX intra-op threads, ${cfg.executionProvider.toUpperCase()}`);
  } finally {
    await releaseAll();
    tmp.cleanup();
  }
}
