/**
 * The browser shell's doors: media only with this run's token and only from the open case's derived/ and
 * exports/ folders; the bridge socket only with the token and from the app's own origin; loopback Host only.
 */
import http from 'node:http';
import path from 'node:path';
import WebSocket from 'ws';
import { expect, test } from './fixtures';
import { createCase, importFiles, jobRow, openClip } from './steps';

function get(origin: string, pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${origin}${pathAndQuery}`, { headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] }));
    });
    req.on('error', reject);
  });
}

function connect(url: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(0));
  });
}

test('media and the bridge need this run\'s token; nothing outside the case is served', async ({ app, media }) => {
  test.skip(app.shell !== 'browser', 'browser shell only: the desktop app has no HTTP server');
  const { origin, token } = app.harness!;
  await createCase(app);
  await importFiles(app, [media.clipA]);
  await expect(jobRow(app, path.basename(media.clipA))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(media.clipA));

  const src = await app.page.getByTestId('frame-image').getAttribute('src');
  const url = new URL(src!, origin);
  expect(url.pathname).toMatch(/^\/media\/derived\/[0-9a-f]{64}\.png$/);
  expect(await get(origin, `${url.pathname}?token=${token}`)).toEqual({ status: 200, type: 'image/png' });
  expect((await get(origin, url.pathname)).status).toBe(403);
  expect((await get(origin, `${url.pathname}?token=${token.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`)).status).toBe(403);
  // Wrong Host (a DNS-rebinding page) is refused even with the token.
  expect((await get(origin, `${url.pathname}?token=${token}`, { Host: 'attacker.example' })).status).toBe(421);
  // Out of derived/ and exports/: the database, the evidence store, parent folders.
  for (const ref of ['case.db', '%2e%2e/case.db', 'derived/%2e%2e/case.db', `evidence/x.mp4`, '%2fetc%2fpasswd']) {
    expect((await get(origin, `/media/${ref}?token=${token}`)).status, ref).toBe(404);
  }
  // The renderer's own files carry the policy.
  const index = await fetch(`${origin}/`);
  expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");

  const ws = `${origin.replace('http', 'ws')}/bridge`;
  expect(await connect(ws, origin)).toBe(403);
  expect(await connect(`${ws}?token=${token}`, 'http://attacker.example')).toBe(403);
  expect(await connect(`${ws}?token=${token}`, origin)).toBe('open');
});
