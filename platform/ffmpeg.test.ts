/**
 * The one decode path: the RGB a frame export (and so every thumbnail and enhancement input) gets is the RGB
 * analysis gets, byte for byte, for clips of each kind of tagging; and the stated conversion gives the same
 * bytes with the bundled 2018 ffmpeg as with the one the app resolves (a system ffmpeg ≥ 5 where there is one).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/tmp';
import { makeClip } from '../testing/synth';
import { decodeFrames, extractFrame, indexFrames, probeMedia, rgbConversionFromProbe, rgbFilter, runFfmpeg, type RgbConversion } from './ffmpeg';
import { bundledTool, ffmpegInfo, parseFfmpegVersion, resetToolPaths, toolPaths } from './tools';

const tmp = tempDir('ffmpeg');
afterAll(() => tmp.cleanup());

const savedEnv = process.env.SIGHTLINE_FFMPEG;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.SIGHTLINE_FFMPEG;
  else process.env.SIGHTLINE_FFMPEG = savedEnv;
  resetToolPaths();
});

/** Colour test pattern (testsrc2 has saturated chroma edges, where conversions differ most). */
async function clip(name: string, extra: string[]): Promise<string> {
  return makeClip({
    out: path.join(tmp.dir, name),
    width: 160,
    height: 120,
    fps: 25,
    seconds: 0.8,
    pattern: 'testsrc2',
    codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-g', '8', ...extra],
  });
}

async function pngRgb(file: string): Promise<Buffer> {
  return sharp(file).removeAlpha().raw().toBuffer();
}

async function analysisFrames(file: string, size: { width: number; height: number }, conversion?: RgbConversion): Promise<Buffer[]> {
  const frames: Buffer[] = [];
  await decodeFrames(file, size, { ...(conversion ? { conversion } : {}), onFrame: (f) => void frames.push(f.data) });
  return frames;
}

describe('one decode path for pixels', () => {
  const kinds: Array<[string, string[], RgbConversion]> = [
    ['untagged yuv420p', ['-pix_fmt', 'yuv420p'], { matrix: 'bt601', range: 'limited' }],
    ['BT.709-tagged', ['-pix_fmt', 'yuv420p', '-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv'], { matrix: 'bt709', range: 'limited' }],
    ['full-range yuvj420p', ['-pix_fmt', 'yuvj420p'], { matrix: 'bt601', range: 'full' }],
  ];
  for (const [label, args, expected] of kinds) {
    it(`frame export == analysis decode, byte for byte (${label})`, async () => {
      const file = await clip(`${label.replace(/\W+/g, '-')}.mp4`, args);
      const facts = await probeMedia(file);
      const conversion = rgbConversionFromProbe(facts.raw);
      expect(conversion).toEqual(expected);
      const index = await indexFrames(file);
      const decoded = await analysisFrames(file, facts);
      expect(decoded).toHaveLength(index.frames.length);
      for (const i of [0, 5, index.frames.length - 1]) {
        const f = index.frames[i]!;
        const out = path.join(tmp.dir, `${label.replace(/\W+/g, '-')}-${i}.png`);
        // Seeking (as the Clip view and the enhancement task do) and counting from the start both land on it.
        await extractFrame(file, { index: i, pts: f.pts, ptsTime: f.ptsTime, md5: f.md5, seekTo: i === 0 ? null : Math.max(0, f.ptsTime - 0.1), conversion }, out);
        const exported = await pngRgb(out);
        expect(exported.length).toBe(facts.width * facts.height * 3);
        expect(exported.equals(decoded[i]!)).toBe(true);
      }
    });
  }

  it('the legacy extraction graph (enhancements recorded before) differs from analysis: why the path was unified', async () => {
    const file = await clip('legacy.mp4', ['-pix_fmt', 'yuv420p']);
    const facts = await probeMedia(file);
    const index = await indexFrames(file);
    const f = index.frames[3]!;
    const out = path.join(tmp.dir, 'legacy-3.png');
    await extractFrame(file, { index: 3, pts: f.pts, ptsTime: f.ptsTime, md5: f.md5, seekTo: null, conversion: 'legacy' }, out);
    const legacy = await pngRgb(out);
    const decoded = (await analysisFrames(file, facts))[3]!;
    let differing = 0;
    for (let k = 0; k < legacy.length; k++) if (legacy[k] !== decoded[k]) differing++;
    expect(differing).toBeGreaterThan(legacy.length / 10);
  });

  it('gives the same RGB with the bundled 2018 ffmpeg as with the resolved one, and the same frame-index MD5s', async () => {
    const file = await clip('versions.mp4', ['-pix_fmt', 'yuv420p']);
    const facts = await probeMedia(file);
    const conversion = rgbConversionFromProbe(facts.raw);
    const resolved = { info: ffmpegInfo(), rgb: await analysisFrames(file, facts, conversion), index: await indexFrames(file) };
    process.env.SIGHTLINE_FFMPEG = 'bundled';
    resetToolPaths();
    expect(toolPaths().ffmpeg).toBe(bundledTool('ffmpeg'));
    expect(ffmpegInfo().source).toBe('bundled');
    const bundled = { rgb: await analysisFrames(file, facts, conversion), index: await indexFrames(file) };
    expect(bundled.rgb).toHaveLength(resolved.rgb.length);
    bundled.rgb.forEach((b, i) => expect(b.equals(resolved.rgb[i]!)).toBe(true));
    expect(bundled.index.frames).toEqual(resolved.index.frames);
    expect(bundled.index.timeBase).toBe(resolved.index.timeBase);
    // Which ffmpegs were compared (the same binary where no system ffmpeg ≥ 5 is installed).
    expect(resolved.info.version).toMatch(/\S/);
  });

  it('states every conversion parameter in the filter graph', () => {
    expect(rgbFilter({ matrix: 'bt709', range: 'limited' })).toBe('scale=in_range=tv:out_range=pc:in_color_matrix=bt709:flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24');
    expect(rgbFilter({ matrix: 'bt601', range: 'full' })).toContain('in_range=pc');
  });

  it('reads the conversion from the stream tags, as recorded in an evidence probe', () => {
    const v = (s: Record<string, unknown>): unknown => ({ streams: [{ codec_type: 'video', ...s }] });
    expect(rgbConversionFromProbe(v({ pix_fmt: 'yuv420p', color_range: 'tv', color_space: 'unknown' }))).toEqual({ matrix: 'bt601', range: 'limited' });
    expect(rgbConversionFromProbe(v({ pix_fmt: 'yuv420p', color_space: 'bt709' }))).toEqual({ matrix: 'bt709', range: 'limited' });
    expect(rgbConversionFromProbe(v({ pix_fmt: 'yuvj420p', color_range: 'pc' }))).toEqual({ matrix: 'bt601', range: 'full' });
    expect(rgbConversionFromProbe(v({ pix_fmt: 'yuv420p10le', color_space: 'bt2020nc' }))).toEqual({ matrix: 'bt2020', range: 'limited' });
    expect(rgbConversionFromProbe(v({ pix_fmt: 'bgr24' }))).toEqual({ matrix: 'bt601', range: 'full' });
    expect(rgbConversionFromProbe(v({ pix_fmt: 'gray' }))).toEqual({ matrix: 'bt601', range: 'full' });
    expect(rgbConversionFromProbe(null)).toEqual({ matrix: 'bt601', range: 'limited' });
  });
});

describe('which ffmpeg', () => {
  it('parses release and git-build version lines', () => {
    const sys = parseFfmpegVersion('/usr/bin/ffmpeg', 'ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026\nlibavcodec     59. 37.100 / 59. 37.100\nlibswscale      6.  7.100 /  6.  7.100\n');
    expect(sys).toEqual({ path: '/usr/bin/ffmpeg', version: '5.1.9-0+deb12u1', major: 5, libavcodec: '59.37.100', libswscale: '6.7.100' });
    const git = parseFfmpegVersion('/x/ffmpeg', 'ffmpeg version N-47683-g0e8eb07980-static https://johnvansickle.com/ffmpeg/\nlibavcodec     58. 39.100 / 58. 39.100\n');
    expect(git.major).toBeNull();
    expect(git.version).toBe('N-47683-g0e8eb07980-static');
    expect(git.libavcodec).toBe('58.39.100');
  });

  it('prefers a system ffmpeg ≥ 5, falls back to the bundled one, and obeys SIGHTLINE_FFMPEG', async () => {
    delete process.env.SIGHTLINE_FFMPEG;
    resetToolPaths();
    const info = ffmpegInfo();
    if (info.source === 'system') expect(info.major).toBeGreaterThanOrEqual(5);
    else expect(info.path).toBe(bundledTool('ffmpeg'));
    process.env.SIGHTLINE_FFMPEG = bundledTool('ffmpeg');
    resetToolPaths();
    expect(ffmpegInfo()).toMatchObject({ source: 'env', path: bundledTool('ffmpeg') });
    // Decoding works with it (a bundled-only machine).
    const file = await makeClip({ out: path.join(tmp.dir, 'env.mp4'), seconds: 0.2 });
    expect((await indexFrames(file)).frames.length).toBe(5);
    process.env.SIGHTLINE_FFMPEG = path.join(tmp.dir, 'no-such-ffmpeg');
    resetToolPaths();
    expect(() => toolPaths()).toThrowError(/missing or not executable/);
    expect(fs.existsSync(bundledTool('ffprobe'))).toBe(true);
    await expect(runFfmpeg(['-version']).catch((e: unknown) => e)).resolves.toBeInstanceOf(Error);
  });
});

describe('rotated clips', () => {
  it('decode at their displayed size: the probe says so, and the one decode path gives that many pixels', async () => {
    // Stored 96×64 with a 90° display rotation (as phones record): ffmpeg decodes 64×96 pictures.
    const stored = await makeClip({ out: path.join(tmp.dir, 'stored.mp4'), width: 96, height: 64, seconds: 0.2, pattern: 'testsrc2' });
    const rotated = path.join(tmp.dir, 'rotated.mp4');
    await runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-display_rotation', '90', '-i', stored, '-c', 'copy', rotated]).catch(async () => {
      // ffmpeg < 6 has no -display_rotation: the mov muxer's rotate tag does the same.
      await runFfmpeg(['-hide_banner', '-nostdin', '-v', 'error', '-y', '-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', rotated]);
    });
    const facts = await probeMedia(rotated);
    expect({ width: facts.width, height: facts.height }).toEqual({ width: 64, height: 96 });
    const frames = await analysisFrames(rotated, facts);
    expect(frames[0]!.length).toBe(64 * 96 * 3);
    const f = (await indexFrames(rotated)).frames[1]!;
    const out = path.join(tmp.dir, 'rotated-1.png');
    await extractFrame(rotated, { index: 1, pts: f.pts, ptsTime: f.ptsTime, md5: f.md5, seekTo: null, conversion: rgbConversionFromProbe(facts.raw) }, out);
    const meta = await sharp(out).metadata();
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 64, height: 96 });
    expect((await pngRgb(out)).equals(frames[1]!)).toBe(true);
  });
});
