/**
 * The browser shell's server against bad traffic and hostile case files (issue 11, defects 5 and 9): it must
 * survive anything a client sends (other connections keep working), accept large calls in parts, and never
 * serve a case file as a live page or put its secret in a media URL.
 */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from '../../testing/tmp';
import { MAX_MESSAGE_BYTES, PART_CHARS, TOKEN_HEADER, splitText } from '../contract/transport';
import { startHarness, type Harness } from './server';

const tmp = tempDir('shell-server');
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ dataDir: path.join(tmp.dir, 'data'), rendererDir: path.join(tmp.dir, 'no-renderer') });
});
afterAll(async () => {
  await h.close();
  tmp.cleanup();
});

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.origin.replace('http', 'ws')}/bridge?token=${h.token}`, { origin: h.origin });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** One call over a socket; resolves with the server's answer. */
function call(ws: WebSocket, id: number, channel: string, input: unknown, send: (text: string) => void = (t) => ws.send(t)): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData): void => {
      const msg = JSON.parse(data.toString()) as { id?: number; result?: unknown };
      if (msg.id === id) {
        ws.off('message', on);
        resolve(msg.result as { ok: boolean });
      }
    };
    ws.on('message', on);
    send(JSON.stringify({ id, channel, input }));
  });
}

/** A WebSocket handshake by hand, then `frame` as raw bytes: what no well-behaved client would send. */
function rawFrame(frame: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const { port } = new URL(h.origin);
    const sock = net.connect(Number(port), '127.0.0.1');
    let upgraded = false;
    let got = Buffer.alloc(0);
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (!upgraded && got.includes('\r\n\r\n')) {
        expect(got.toString()).toMatch(/^HTTP\/1\.1 101/);
        upgraded = true;
        got = got.subarray(got.indexOf('\r\n\r\n') + 4);
        sock.write(frame);
      }
    });
    sock.on('close', () => resolve(got));
    sock.on('error', reject);
    sock.write(
      [`GET /bridge?token=${h.token} HTTP/1.1`, `Host: ${new URL(h.origin).host}`, `Origin: ${h.origin}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'),
    );
  });
}

/** The close code in the server's close frame (first frame of `bytes`). */
function closeCode(bytes: Buffer): number {
  expect(bytes[0]).toBe(0x88);
  return bytes.readUInt16BE(2);
}

describe('browser shell: bad traffic (defect 5)', () => {
  it('survives an oversize message, invalid UTF-8 and an unmasked frame; other connections keep working', async () => {
    const good = await open();
    expect(await call(good, 1, 'app:info', {})).toMatchObject({ ok: true, value: { shell: 'browser' } });

    const big = await open();
    const bigClosed = closed(big);
    big.send('x'.repeat(MAX_MESSAGE_BYTES + 1));
    expect(await bigClosed).toEqual({ code: 1009, reason: `message over ${MAX_MESSAGE_BYTES} bytes: send large calls in parts` });

    const huge = await open();
    const hugeClosed = closed(huge);
    huge.send('x'.repeat(20 << 20)); // beyond even the joined-call cap: ws refuses it before buffering it
    expect((await hugeClosed).code).toBe(1009);

    const utf8 = await open();
    const utf8Closed = closed(utf8);
    utf8.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await utf8Closed).code).toBe(1007);

    // A client frame must be masked (RFC 6455 5.1): FIN + text, unmasked, "hello".
    expect(closeCode(await rawFrame(Buffer.concat([Buffer.from([0x81, 0x05]), Buffer.from('hello')])))).toBe(1002);

    expect(await call(good, 2, 'app:info', {})).toMatchObject({ ok: true });
    const fresh = await open();
    expect(await call(fresh, 1, 'app:info', {})).toMatchObject({ ok: true });
    good.close();
    fresh.close();
  });

  it('accepts a call sent in parts (an import of 1000 long paths) and answers refusals without dropping the connection', async () => {
    const ws = await open();
    const paths = Array.from({ length: 1000 }, (_, i) => `/evidence/${'camera-'.repeat(580)}${i}.mp4`);
    const inParts = (text: string): void => {
      expect(text.length).toBeGreaterThan(MAX_MESSAGE_BYTES);
      const parts = splitText(text, PART_CHARS);
      parts.forEach((data, part) => ws.send(JSON.stringify({ id: 7, part, parts: parts.length, data })));
    };
    // Whole, validated by the contract and answered: no case is open.
    expect(await call(ws, 7, 'evidence:import', { paths }, inParts)).toMatchObject({ ok: false, error: { code: 'NOT_A_CASE' } });
    // Parts that claim too much are refused in an answer.
    ws.send(JSON.stringify({ id: 8, part: 0, parts: 5000, data: '{' }));
    const refused = await new Promise<{ id: number; result: { error: { message: string } } }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    expect(refused).toMatchObject({ id: 8, result: { ok: false, error: { code: 'INVALID_INPUT' } } });
    expect(await call(ws, 9, 'app:info', {})).toMatchObject({ ok: true });
    ws.close();
  });
});

function get(pathAndQuery: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${h.origin}${pathAndQuery}`, { headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString('latin1')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

function post(pathAndQuery: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${h.origin}${pathAndQuery}`, { method: 'POST', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('browser shell: case files (defect 9)', () => {
  it('serves images and exports only with the session cookie, never HTML or SVG, and keeps the token out of media URLs', async () => {
    const created = await h.service.invoke('case:create', { dir: path.join(tmp.dir, 'cases', 'W-1'), caseNumber: 'W-1', title: 'Web', examiner: 'Tester' });
    expect(created.ok).toBe(true);
    const caseDir = (created as { value: { dir: string } }).value.dir;
    const sha = crypto.randomBytes(32).toString('hex');
    fs.writeFileSync(path.join(caseDir, 'derived', `${sha}.png`), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    fs.writeFileSync(path.join(caseDir, 'exports', 'evil.html'), `<script>fetch('/media/x?token=' + document.cookie)</script>`);
    fs.writeFileSync(path.join(caseDir, 'exports', 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>');
    fs.writeFileSync(path.join(caseDir, 'exports', 'audit.csv'), 'seq,action\n1,case.create\n');

    // The session: the token in a header, from the page's own origin, gives an HttpOnly cookie.
    expect((await post('/session', { [TOKEN_HEADER]: h.token })).status).toBe(403); // no Origin
    expect((await post('/session', { [TOKEN_HEADER]: 'wrong', Origin: h.origin })).status).toBe(403);
    const session = await post('/session', { [TOKEN_HEADER]: h.token, Origin: h.origin });
    expect(session.status).toBe(204);
    const setCookie = session.headers['set-cookie']![0]!;
    expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict; Path=\/media\/$/);
    expect(setCookie).not.toContain(h.token);
    const cookie = setCookie.split(';')[0]!;

    const png = await get(`/media/derived/${sha}.png`, { Cookie: cookie });
    expect(png.status).toBe(200);
    expect(png.headers).toMatchObject({ 'content-type': 'image/png', 'x-content-type-options': 'nosniff', 'content-security-policy': "default-src 'none'; sandbox" });
    expect((await get(`/media/derived/${sha}.png`)).status).toBe(403);
    // The token in a URL no longer opens anything.
    expect((await get(`/media/derived/${sha}.png?token=${h.token}`)).status).toBe(403);

    for (const planted of ['evil.html', 'evil.svg']) {
      const r = await get(`/media/exports/${planted}`, { Cookie: cookie });
      expect(r.status, planted).toBe(403);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
      expect(r.body).not.toContain('<script>');
    }
    const csv = await get('/media/exports/audit.csv', { Cookie: cookie });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toBe(`attachment; filename="audit.csv"; filename*=UTF-8''audit.csv`);
    expect(csv.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    await h.service.invoke('case:close', {});
  });
});
