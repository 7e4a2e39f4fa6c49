/**
 * Draws the hand labels (bench/labels/real-clips.json) onto their frames: labelled faces green with their
 * 1-based position in the frame's `faces` list, ignore regions yellow dashed, checked non-faces red. Writes one
 * JPEG (quality 80) per labelled frame to bench/labels/overlays/, so a corrected label can be re-checked by eye.
 *
 *   node dist/bench/realLabelsOverlay.js [OUT_DIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { realVideoDir } from './realLabelsBaseline';
import { readFrames } from './realLabelsDetect';
import { defaultLabelsPath, loadLabels, type Box4, type FrameLabels } from './realLabels';

function svg(width: number, height: number, fr: FrameLabels): string {
  const rect = (b: Box4, color: string, dash = false): string =>
    `<rect x="${b[0] + 0.5}" y="${b[1] + 0.5}" width="${b[2]}" height="${b[3]}" fill="none" stroke="${color}" stroke-width="1"${dash ? ' stroke-dasharray="3,2"' : ''}/>`;
  const text = (x: number, y: number, s: string, color: string): string =>
    `<text x="${x}" y="${y}" font-size="9" font-family="sans-serif" fill="${color}" stroke="black" stroke-width="0.3">${s}</text>`;
  const parts: string[] = [];
  for (const r of fr.ignore) parts.push(rect(r, '#ffd800', true));
  for (const n of fr.nonFaces) parts.push(rect(n.box, '#ff3030'));
  fr.faces.forEach((f, i) => {
    parts.push(rect(f.box, '#30ff30'));
    parts.push(text(f.box[0], Math.min(height - 2, f.box[1] + f.box[3] + 9), String(i + 1), '#30ff30'));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

async function main(): Promise<void> {
  const outDir = process.argv[2] ?? path.join(path.dirname(defaultLabelsPath()), 'overlays');
  fs.mkdirSync(outDir, { recursive: true });
  const labels = loadLabels();
  for (const clip of labels.clips) {
    const frames = await readFrames(path.join(realVideoDir(), clip.file), clip.frames.map((f) => f.index));
    for (const f of frames) {
      const fr = clip.frames.find((x) => x.index === f.index)!;
      const out = path.join(outDir, `${path.parse(clip.file).name}_f${String(f.index).padStart(3, '0')}.jpg`);
      await sharp(f.data, { raw: { width: f.width, height: f.height, channels: 3 } })
        .composite([{ input: Buffer.from(svg(f.width, f.height, fr)) }])
        .jpeg({ quality: 80 })
        .toFile(out);
      process.stdout.write(`${out} ${fs.statSync(out).size} bytes\n`);
    }
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
