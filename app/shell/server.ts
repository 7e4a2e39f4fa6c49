/**
 * The browser shell: the real AppService in plain Node, the built renderer over loopback HTTP, and
 * `window.sightline` bridged over a loopback WebSocket. It is what `npm start` runs where Electron's binary is
 * absent, and what the Playwright specs drive in Chromium.
 *
 * Who may talk to it: it listens on 127.0.0.1 only, on a random port; a random per-run token (printed in the
 * URL's fragment) is required for the socket, and for media files an HttpOnly, SameSite=Strict cookie that the
 * page gets by showing the token once (POST /session): media URLs carry no secret. The Host header must be the
 * loopback address (DNS rebinding), and the socket's and the session's Origin must be this server. Static
 * renderer files need no token: they are the app's public code and hold no case data. Case files are served
 * only as images or downloads, never as pages (webPolicy.ts mediaHeaders).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { APP_ROOT } from '../../platform/appInfo';
import { AppService } from '../service/appService';
import type { EventName, Events } from '../contract';
import { MAX_CALL_BYTES, MAX_MESSAGE_BYTES, TOKEN_HEADER, type ClientMessage, type ClientPart, type ServerMessage } from '../contract/transport';
import { contentSecurityPolicy, mediaHeaders, mimeType, resolveStaticFile, securityHeaders } from './webPolicy';
import { browserShell } from './browserShell';

export interface HarnessOptions {
  /** Settings (recent cases) live here. */
  readonly dataDir: string;
  /** Default folder for new cases; defaults to `<dataDir>/cases`. */
  readonly casesDir?: string;
  readonly rendererDir?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly places?: readonly { label: string; path: string }[];
  /** Log each call (channel, duration, outcome) to stderr. */
  readonly verbose?: boolean;
}

export interface Harness {
  /** Open this in a browser: it carries the token in its fragment. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  readonly service: AppService;
  close(): Promise<void>;
}

/** Calls being received in parts, per connection, at most: a client cannot make the server hold unbounded text. */
const MAX_PARTIAL_CALLS = 4;
const MAX_PARTS = 1024;

export async function startHarness(opts: HarnessOptions): Promise<Harness> {
  const dataDir = path.resolve(opts.dataDir);
  const casesDir = path.resolve(opts.casesDir ?? path.join(dataDir, 'cases'));
  fs.mkdirSync(casesDir, { recursive: true });
  const rendererDir = opts.rendererDir ?? path.join(APP_ROOT, 'renderer', 'dist');
  const token = crypto.randomBytes(24).toString('base64url');
  const tokenBytes = Buffer.from(token);
  const clients = new Set<WebSocket>();

  const emit = <E extends EventName>(event: E, payload: Events[E]): void => {
    const data = JSON.stringify({ event, payload } satisfies ServerMessage);
    for (const c of clients) if (c.readyState === c.OPEN) c.send(data);
  };
  const service = new AppService({
    shell: browserShell({ userDataDir: path.join(dataDir, 'settings'), casesDir, ...(opts.places ? { places: opts.places } : {}) }),
    emit,
  });

  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const host = `127.0.0.1:${port}`;
  const origin = `http://${host}`;
  const csp = contentSecurityPolicy({ connect: [`ws://${host}`] });

  const tokenOk = (t: string | null): boolean => secretEquals(t, tokenBytes);
  // The media cookie holds a secret of its own (not the token), named per port: cookies ignore ports, and two
  // shells on one machine must not overwrite each other's.
  const mediaSecret = crypto.randomBytes(24).toString('base64url');
  const mediaSecretBytes = Buffer.from(mediaSecret);
  const mediaCookie = `sightline_media_${port}`;
  const mediaAllowed = (req: http.IncomingMessage): boolean =>
    secretEquals(cookieValue(req.headers.cookie, mediaCookie), mediaSecretBytes) || tokenOk(headerValue(req.headers[TOKEN_HEADER]));

  server.on('request', (req, res) => {
    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.headers.host !== host) return send(421, 'wrong host');
    const url = new URL(req.url ?? '/', origin);

    // The page proves it holds the token once (a header, never a URL) and gets an HttpOnly cookie for media:
    // media URLs carry no secret, and a script in a planted file could not read the cookie even if it ran.
    if (url.pathname === '/session') {
      if (req.method !== 'POST') return send(405, 'method not allowed', { Allow: 'POST' });
      if (req.headers.origin !== origin || !tokenOk(headerValue(req.headers[TOKEN_HEADER]))) return send(403, 'forbidden');
      return send(204, '', { 'Set-Cookie': `${mediaCookie}=${mediaSecret}; HttpOnly; SameSite=Strict; Path=/media/` });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed', { Allow: 'GET, HEAD' });

    if (url.pathname.startsWith('/media/')) {
      if (!mediaAllowed(req)) return send(403, 'forbidden');
      const file = service.resolveMedia(url.pathname.slice('/media/'.length));
      if (!file) return send(404, 'not found');
      // Only images (shown inline) and exports (as downloads), never a page: see mediaHeaders.
      const policy = mediaHeaders(file);
      if (!policy) return send(403, 'this kind of file is not served');
      return streamFile(req, res, file, {
        ...policy,
        // Derived files are content-addressed (derived/<sha256>.png): the same URL is always the same bytes.
        'Cache-Control': url.pathname.startsWith('/media/derived/') ? 'private, max-age=31536000, immutable' : 'no-store',
      });
    }

    const file = resolveStaticFile(rendererDir, url.pathname);
    if (!file) {
      if (url.pathname === '/' || url.pathname === '/index.html') {
        return send(503, `The user interface is not built. Run: npm run build:renderer\n(looked in ${rendererDir})`);
      }
      return send(404, 'not found');
    }
    return streamFile(req, res, file, { 'Content-Type': mimeType(file), 'Cache-Control': 'no-cache', ...securityHeaders(csp) });
  });

  // ws's own cap is the hard one (a frame beyond it is never buffered); messages between the two caps are
  // refused with a reason the client can show.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });
  const log = (line: string): void => {
    if (opts.verbose) process.stderr.write(`${line}\n`);
  };
  server.on('upgrade', (req, socket, head) => {
    // A client that resets the connection mid-handshake must not take the server down.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', origin);
    const refuse = (code: number, why: string): void => {
      socket.end(`HTTP/1.1 ${code} ${why}\r\nConnection: close\r\n\r\n`);
    };
    if (req.headers.host !== host) return refuse(421, 'Misdirected Request');
    if (url.pathname !== '/bridge') return refuse(404, 'Not Found');
    // Another web page in the same browser could open a socket to loopback: only our own page may.
    if (req.headers.origin !== origin) return refuse(403, 'Forbidden');
    if (!tokenOk(url.searchParams.get('token'))) return refuse(403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      const partial = new Map<number, { parts: string[]; received: number; bytes: number }>();
      ws.on('close', () => {
        clients.delete(ws);
        partial.clear();
      });
      // Protocol errors (a message over the cap, invalid UTF-8, an unmasked frame…) end this connection only:
      // ws has already closed it with the matching code (1009, 1007, 1002); without this handler the error
      // would be thrown and end the server, and every other connection with it.
      ws.on('error', (e) => log(`bridge connection closed: ${e.message}`));
      ws.on('message', (data, isBinary) => {
        if (isBinary) return ws.close(1003, 'text only');
        const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : (data as Buffer).byteLength;
        if (bytes > MAX_MESSAGE_BYTES) return ws.close(1009, `message over ${MAX_MESSAGE_BYTES} bytes: send large calls in parts`);
        const text = Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
        let msg: unknown;
        try {
          msg = JSON.parse(text);
        } catch {
          return ws.close(1007, 'bad message');
        }
        if (isPart(msg)) return receivePart(ws, partial, msg);
        void handleMessage(ws, msg);
      });
    });
  });

  function isPart(m: unknown): m is ClientPart {
    return typeof m === 'object' && m !== null && 'part' in m;
  }

  /** Collect the parts of a large call; run it when whole. Refusals answer the call, the connection stays. */
  function receivePart(ws: WebSocket, partial: Map<number, { parts: string[]; received: number; bytes: number }>, p: ClientPart): void {
    const bad = !Number.isSafeInteger(p.id) || !Number.isSafeInteger(p.parts) || !Number.isSafeInteger(p.part) || p.parts < 1 || p.part < 0 || p.part >= p.parts || typeof p.data !== 'string';
    if (bad) return ws.close(1007, 'bad message');
    const refuse = (message: string): void => {
      partial.delete(p.id);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: p.id, result: { ok: false, error: { code: 'INVALID_INPUT', message } } } satisfies ServerMessage));
    };
    let call = partial.get(p.id);
    if (!call) {
      if (partial.size >= MAX_PARTIAL_CALLS) return refuse(`too many calls sent in parts at once (at most ${MAX_PARTIAL_CALLS})`);
      if (p.parts > MAX_PARTS) return refuse(`a call of ${p.parts} parts is more than the ${MAX_PARTS} parts accepted`);
      partial.set(p.id, (call = { parts: new Array<string>(p.parts), received: 0, bytes: 0 }));
    }
    if (call.parts.length !== p.parts || call.parts[p.part] !== undefined) return refuse('the parts of a call disagree');
    call.parts[p.part] = p.data;
    call.received++;
    call.bytes += Buffer.byteLength(p.data);
    if (call.bytes > MAX_CALL_BYTES) return refuse(`the call is over the ${MAX_CALL_BYTES >> 20} MiB limit`);
    if (call.received < p.parts) return;
    partial.delete(p.id);
    let msg: unknown;
    try {
      msg = JSON.parse(call.parts.join(''));
    } catch {
      return refuse('the parts of the call do not form one message');
    }
    void handleMessage(ws, msg);
  }

  async function handleMessage(ws: WebSocket, raw: unknown): Promise<void> {
    const msg = raw as ClientMessage;
    if (typeof msg !== 'object' || msg === null || !Number.isSafeInteger(msg.id) || typeof msg.channel !== 'string') return ws.close(1007, 'bad message');
    const t0 = performance.now();
    // AppService validates channel and input and never throws.
    const result = await service.invoke(msg.channel, msg.input);
    if (opts.verbose) {
      process.stderr.write(`${msg.channel} ${result.ok ? 'ok' : `${result.error.code}: ${result.error.message}`} ${(performance.now() - t0).toFixed(0)} ms\n`);
    }
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, result } satisfies ServerMessage));
  }

  let closed = false;
  return {
    url: `${origin}/#token=${token}`,
    origin,
    token,
    service,
    async close() {
      if (closed) return;
      closed = true;
      for (const c of clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.dispose();
    },
  };
}

function secretEquals(value: string | null, secret: Buffer): boolean {
  if (!value) return false;
  const b = Buffer.from(value);
  return b.length === secret.length && crypto.timingSafeEqual(b, secret);
}

function headerValue(h: string | string[] | undefined): string | null {
  return typeof h === 'string' ? h : null;
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

function streamFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, headers: Record<string, string>): void {
  fs.stat(file, (err, st) => {
    if (err) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(st.size) });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
}

interface Args {
  readonly dataDir: string;
  readonly casesDir: string;
  readonly port: number;
  readonly verbose: boolean;
  /** Exit when stdin closes: a test runner that dies must not leave a server holding a case open. */
  readonly exitWithStdin: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    dataDir: path.resolve(get('--data') ?? process.env.SIGHTLINE_USER_DATA ?? path.join(os.homedir(), '.sightline')),
    casesDir: path.resolve(get('--cases') ?? process.env.SIGHTLINE_CASES_DIR ?? path.join(os.homedir(), 'Sightline Cases')),
    port: Number(get('--port') ?? 0),
    verbose: argv.includes('--verbose'),
    exitWithStdin: argv.includes('--exit-with-stdin'),
  };
}

if (require.main === module) {
  const args = parseArgs(process.argv.slice(2));
  startHarness(args).then(
    (h) => {
      // The first line is machine-readable (tests and scripts read it); the rest is for people.
      process.stdout.write(`SIGHTLINE_URL=${h.url}\n`);
      process.stdout.write(
        `\nSightline is running as a browser shell (the Electron desktop binary is not installed here).\n` +
          `Open this address in Chromium on this computer (it carries this run's access token):\n\n  ${h.url}\n\n` +
          `Settings: ${args.dataDir}\nCases:    ${args.casesDir}\nStop with Ctrl+C.\n`,
      );
      let stopping = false;
      const stop = (): void => {
        if (stopping) return;
        stopping = true;
        void h.close().finally(() => process.exit(0));
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      if (args.exitWithStdin) {
        process.stdin.on('end', stop);
        process.stdin.resume();
      }
    },
    (e: unknown) => {
      process.stderr.write(`Sightline browser shell failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
