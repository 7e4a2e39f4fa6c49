import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCase, openCase, type CaseHandle } from './case';
import { SightlineError } from '../domain/errors';
import { evidenceFile, importEvidence, listEvidence } from './evidence';
import { frameTimes, getFrame } from './frames';
import { makeClip, makeImage, makeVfrClip } from '../testing/synth';
import { tempDir } from '../testing/tmp';
import { toolPaths } from '../platform/tools';
import sharp from 'sharp';

const tmp = tempDir('import');
const media = path.join(tmp.dir, 'media');
let c: CaseHandle;

const sha256 = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const md5 = (f: string): string => crypto.createHash('md5').update(fs.readFileSync(f)).digest('hex');

beforeAll(() => {
  fs.mkdirSync(media, { recursive: true });
  c = createCase(path.join(tmp.dir, 'Import'), { caseNumber: 'I-1', title: 'Import tests', examiner: 'Tester' });
});
afterAll(() => {
  c.close();
  tmp.cleanup();
});

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'expected an error').toBeInstanceOf(SightlineError);
  expect((err as SightlineError).code).toBe(code);
  expect((err as SightlineError).message).toMatch(message);
  expect((err as SightlineError).message).not.toContain('\n');
}

/** The case is exactly as before: same evidence rows, same files, audit intact. */
function snapshotCase(): () => void {
  const rows = listEvidence(c).length;
  const files = fs.readdirSync(c.paths.evidence).sort();
  const audit = c.audit.count();
  return () => {
    expect(listEvidence(c).length).toBe(rows);
    expect(fs.readdirSync(c.paths.evidence).sort()).toEqual(files);
    expect(c.audit.count()).toBe(audit);
    expect(c.audit.verify().ok).toBe(true);
    const scratch = path.join(c.paths.incoming, String(process.pid));
    // Only the marker that this process works on the case (core/quarantine.ts): no scratch file left.
    expect(fs.existsSync(scratch) ? fs.readdirSync(scratch).filter((n) => n !== 'host') : []).toEqual([]);
  };
}

describe('import of each format', () => {
  const videos: { name: string; codecArgs: string[]; formatArgs?: string[]; codec: string; container: RegExp }[] = [
    { name: 'h264.mp4', codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'], codec: 'h264', container: /mp4/ },
    { name: 'h264.mkv', codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'], codec: 'h264', container: /matroska/ },
    { name: 'mjpeg.avi', codecArgs: ['-c:v', 'mjpeg', '-q:v', '5', '-pix_fmt', 'yuvj420p'], codec: 'mjpeg', container: /avi/ },
    { name: 'hevc.mp4', codecArgs: ['-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-pix_fmt', 'yuv420p', '-tag:v', 'hvc1'], codec: 'hevc', container: /mp4/ },
    { name: 'raw.h264', codecArgs: ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'], formatArgs: ['-f', 'h264'], codec: 'h264', container: /^h264$/ },
  ];
  for (const v of videos) {
    it(`imports ${v.name}: copied by hash, read-only, hashed, probed, every frame indexed`, async () => {
      const src = await makeClip({ out: path.join(media, v.name), width: 160, height: 120, fps: 25, seconds: 1, codecArgs: v.codecArgs, formatArgs: v.formatArgs ?? [] });
      const before = fs.readFileSync(src);
      const stages = new Set<string>();
      const { evidence: e, duplicate } = await importEvidence(c, src, { onProgress: (p) => stages.add(p.stage) });
      expect(duplicate).toBe(false);
      expect(e).toMatchObject({ kind: 'video', codec: v.codec, width: 160, height: 120, frameCount: 25, vfr: false });
      expect(e.container).toMatch(v.container);
      expect(e.fps).toBeCloseTo(25, 3);
      expect(e.sha256).toBe(sha256(src));
      expect(e.md5).toBe(md5(src));
      const stored = evidenceFile(c, e);
      expect(path.basename(stored)).toBe(`${e.sha256}${path.extname(v.name)}`);
      expect(sha256(stored)).toBe(e.sha256);
      expect(fs.statSync(stored).mode & 0o222).toBe(0); // read-only
      expect(fs.readFileSync(src).equals(before)).toBe(true); // the original is untouched
      expect([...stages]).toEqual(['copy', 'verify', 'index']);
      const times = frameTimes(c, e.id);
      expect(times.length).toBe(25);
      expect(times[24]).toBeCloseTo(24 / 25, 6);
    });
  }

  for (const ext of ['.jpg', '.png', '.bmp', '.tiff']) {
    it(`imports a ${ext} image`, async () => {
      const src = await makeImage(path.join(media, `still${ext}`), 64, 48);
      const { evidence: e } = await importEvidence(c, src);
      expect(e).toMatchObject({ kind: 'image', width: 64, height: 48, frameCount: 1, fps: null });
      expect(e.sha256).toBe(sha256(src));
      const f = await getFrame(c, e.id, 0);
      const meta = await sharp(f.file.path).metadata();
      expect([meta.width, meta.height]).toEqual([64, 48]);
    });
  }
});

describe('variable frame rate', () => {
  it('records exact per-frame timestamps and extracts frame i as the i-th presented picture', async () => {
    const levels = [0, 40, 80, 120, 160, 200, 240];
    // Multiples of 1/25 s: the concat demuxer reads stills at 25 fps and quantises durations to it.
    const durations = [0.04, 0.48, 0.04, 0.2, 0.04, 0.12, 0.04];
    const src = await makeVfrClip(path.join(media, 'vfr.mp4'), levels, durations);
    const { evidence: e } = await importEvidence(c, src);
    expect(e.vfr).toBe(true);
    expect(e.frameCount).toBe(levels.length);
    const times = Array.from(frameTimes(c, e.id));
    const expected = durations.map((_, i) => durations.slice(0, i).reduce((a, b) => a + b, 0));
    times.forEach((t, i) => expect(t).toBeCloseTo(expected[i]!, 4));
    // An independent reading: ffprobe's packet timestamps, sorted into presentation order.
    const probed = execFileSync(toolPaths().ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', src], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number)
      .sort((a, b) => a - b);
    expect(probed.map((t) => t - probed[0]!)).toEqual(times.map((t) => expect.closeTo(t, 6)));
    // Ask for frames out of order so seeking, not sequential decoding, is what is tested.
    for (const i of [5, 2, 6, 0, 3, 1, 4]) {
      const f = await getFrame(c, e.id, i);
      const stats = await sharp(f.file.path).stats();
      expect(Math.abs(stats.channels[0]!.mean - levels[i]!)).toBeLessThan(2);
      expect(f.time).toBeCloseTo(expected[i]!, 4);
    }
  });
});

describe('duplicates', () => {
  it('recognises the same bytes imported again under another name, without a second copy', async () => {
    const src = await makeClip({ out: path.join(media, 'dup-a.mp4'), seconds: 1, width: 96, height: 64 });
    const copy = path.join(media, 'dup-b renamed.mp4');
    fs.copyFileSync(src, copy);
    const first = await importEvidence(c, src);
    const filesBefore = fs.readdirSync(c.paths.evidence).length;
    const second = await importEvidence(c, copy);
    expect(second.duplicate).toBe(true);
    expect(second.evidence.id).toBe(first.evidence.id);
    expect(fs.readdirSync(c.paths.evidence).length).toBe(filesBefore);
    expect(listEvidence(c).filter((e) => e.sha256 === first.evidence.sha256)).toHaveLength(1);
    expect(c.audit.list({ action: 'evidence.import.duplicate' }).at(-1)?.params).toMatchObject({ evidenceId: first.evidence.id, originalName: 'dup-b renamed.mp4' });
  });
});

describe('bad input changes nothing', () => {
  it('a missing file', async () => {
    const same = snapshotCase();
    await expectError(importEvidence(c, path.join(media, 'nope.mp4')), 'FILE_NOT_FOUND', /file not found: .*nope\.mp4/);
    same();
  });

  it('a zero-byte file', async () => {
    const f = path.join(media, 'empty.mp4');
    fs.writeFileSync(f, '');
    const same = snapshotCase();
    await expectError(importEvidence(c, f), 'EMPTY_FILE', /is empty \(0 bytes\)/);
    same();
  });

  it('a text file named .mp4', async () => {
    const f = path.join(media, 'notes.mp4');
    fs.writeFileSync(f, 'This is not a video, it is a note about the case.\n'.repeat(20));
    const same = snapshotCase();
    await expectError(importEvidence(c, f), 'UNSUPPORTED_MEDIA', /not a video or image that ffmpeg can read/);
    same();
  });

  it('a truncated mp4 (index at the end, cut off)', async () => {
    const full = await makeClip({ out: path.join(media, 'whole.mp4'), seconds: 2 });
    const f = path.join(media, 'truncated.mp4');
    const bytes = fs.readFileSync(full);
    fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const same = snapshotCase();
    await expectError(importEvidence(c, f), 'CORRUPT_MEDIA', /damaged or truncated/);
    same();
  });

  it('a truncated mp4 with its index first (faststart): refused unless --allow-damaged, which records the damage', async () => {
    const full = await makeClip({ out: path.join(media, 'faststart.mp4'), seconds: 3, formatArgs: ['-movflags', '+faststart'] });
    const f = path.join(media, 'faststart-cut.mp4');
    const bytes = fs.readFileSync(full);
    fs.writeFileSync(f, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    const same = snapshotCase();
    await expectError(importEvidence(c, f), 'CORRUPT_MEDIA', /damaged or truncated .*--allow-damaged/);
    same();
    const { evidence: e } = await importEvidence(c, f, { allowDamaged: true });
    expect(e.warnings.length).toBeGreaterThan(0);
    expect(e.frameCount).toBeLessThan(75);
    expect(c.audit.list({ action: 'evidence.import' }).at(-1)?.params).toMatchObject({ damaged: true });
  });

  it('a folder given as a file', async () => {
    const same = snapshotCase();
    await expectError(importEvidence(c, media), 'IS_DIRECTORY', /is a folder, not a file/);
    same();
  });

  it('names with spaces, quotes, .. and non-Latin characters import correctly', async () => {
    const names = [`clip with spaces.mp4`, `it's "quoted".mp4`, `..dots..mp4`, `監視カメラ_ночь.mp4`];
    const sub = path.join(media, 'odd');
    fs.mkdirSync(sub, { recursive: true });
    for (const [i, n] of names.entries()) {
      const src = await makeClip({ out: path.join(sub, n), seconds: 1, width: 64 + 16 * i, height: 48 });
      // Reach the file through a path with `..` in it as well.
      const viaDots = path.join(sub, '..', 'odd', n);
      const { evidence: e } = await importEvidence(c, viaDots);
      expect(e.originalName).toBe(n);
      expect(e.sourcePath).toBe(path.resolve(src));
      expect(path.dirname(evidenceFile(c, e))).toBe(c.paths.evidence);
    }
  });

  it('cancelling mid-import leaves nothing recorded and no partial files', async () => {
    const src = await makeClip({ out: path.join(media, 'big.mkv'), width: 640, height: 480, seconds: 4, pattern: 'mandelbrot', codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'] });
    expect(fs.statSync(src).size).toBeGreaterThan(2 << 20); // several copy chunks
    const same = snapshotCase();
    const ac = new AbortController();
    let seen = 0;
    await expectError(
      importEvidence(c, src, {
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage === 'copy' && ++seen === 1) ac.abort();
        },
      }),
      'CANCELLED',
      /cancelled/,
    );
    same();
    // Cancelling during frame indexing (ffmpeg running) is clean too.
    const ac2 = new AbortController();
    await expectError(
      importEvidence(c, src, {
        signal: ac2.signal,
        onProgress: (p) => {
          if (p.stage === 'index' && p.current >= 3) ac2.abort();
        },
      }),
      'CANCELLED',
      /cancelled/,
    );
    same();
  });
});

describe('full disk', () => {
  const mountPoint = path.join(tmp.dir, 'small-disk');
  let mounted = false;
  beforeAll(() => {
    fs.mkdirSync(mountPoint, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint], { stdio: 'ignore' });
      mounted = true;
    } catch {
      console.warn('[skip] full-disk test: cannot mount a small tmpfs here (needs root); run the suite as root to include it');
    }
  });
  afterAll(() => {
    if (mounted) execFileSync('umount', ['-l', mountPoint]);
  });

  it('an import that fills the disk fails clearly and leaves the case consistent', async (ctx) => {
    if (!mounted) ctx.skip();
    const small = createCase(path.join(mountPoint, 'Tiny'), { caseNumber: 'D-1', title: 'Disk', examiner: 'Tester' });
    try {
      const src = await makeClip({ out: path.join(media, 'fills-disk.mkv'), width: 640, height: 480, seconds: 3, pattern: 'mandelbrot', codecArgs: ['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0'] });
      expect(fs.statSync(src).size).toBeGreaterThan(3 << 20);
      const err = await importEvidence(small, src).catch((e: unknown) => e);
      expect((err as SightlineError).code).toBe('DISK_FULL');
      expect((err as SightlineError).message).toMatch(/disk is full/);
      expect(listEvidence(small)).toHaveLength(0);
      expect(small.audit.verify().ok).toBe(true);
      expect(fs.readdirSync(small.paths.evidence)).toEqual([]);
    } finally {
      small.close();
    }
    // The case still opens and works after the failure.
    const again = openCase(path.join(mountPoint, 'Tiny'));
    expect(again.audit.verify().ok).toBe(true);
    again.close();
  });
});

describe('tools', () => {
  it('resolves ffmpeg and ffprobe from the installed packages', () => {
    const t = toolPaths();
    expect(fs.existsSync(t.ffmpeg)).toBe(true);
    expect(fs.existsSync(t.ffprobe)).toBe(true);
  });
});
