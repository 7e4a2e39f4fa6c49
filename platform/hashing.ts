import crypto from 'node:crypto';
import fs from 'node:fs';
import { throwIfAborted } from '../domain/errors';

export function sha256Hex(data: Uint8Array | string): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** Stream a file through SHA-256, reporting bytes read; honours cancellation between chunks. */
export async function sha256File(file: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<string> {
  const h = crypto.createHash('sha256');
  let n = 0;
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) {
    throwIfAborted(opts.signal);
    h.update(chunk as Buffer);
    n += (chunk as Buffer).length;
    opts.onBytes?.(n);
  }
  return h.digest('hex');
}
