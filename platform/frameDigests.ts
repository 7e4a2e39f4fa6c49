/**
 * The frame index's pixel MD5s as a file a worker can read: 16 bytes per frame, frame i at offset 16·i. Main
 * writes it from the database (workers never open the case database) into the case's scratch folder; the
 * decoder reads one digest per frame, so neither side holds the whole list (a 24-hour clip has 2 million).
 */
import fs from 'node:fs';
import { SightlineError } from '../domain/errors';

/** Write the digests (hex MD5s, in frame order) to `file`; returns how many were written. */
export function writeFrameDigests(file: string, md5s: Iterable<string>): number {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    const chunk = Buffer.alloc(16 * 4096);
    let used = 0;
    let n = 0;
    for (const md5 of md5s) {
      if (!/^[0-9a-f]{32}$/.test(md5)) throw new SightlineError('INTERNAL', `frame ${n} has no valid MD5 in the frame index`);
      chunk.write(md5, used, 16, 'hex');
      used += 16;
      n++;
      if (used === chunk.length) {
        fs.writeSync(fd, chunk, 0, used);
        used = 0;
      }
    }
    if (used > 0) fs.writeSync(fd, chunk, 0, used);
    return n;
  } finally {
    fs.closeSync(fd);
  }
}

export interface FrameDigests {
  readonly count: number;
  /** The indexed MD5 of frame `index` (hex), or undefined beyond the index. */
  md5At(index: number): string | undefined;
  close(): void;
}

export function openFrameDigests(file: string): FrameDigests {
  const fd = fs.openSync(file, 'r');
  const count = Math.floor(fs.fstatSync(fd).size / 16);
  const buf = Buffer.alloc(16);
  return {
    count,
    md5At(index) {
      if (!Number.isInteger(index) || index < 0 || index >= count) return undefined;
      fs.readSync(fd, buf, 0, 16, index * 16);
      return buf.toString('hex');
    },
    close: () => fs.closeSync(fd),
  };
}
