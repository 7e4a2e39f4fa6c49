/**
 * electron/main.ts against a stand-in Electron (its binary cannot be installed everywhere, and where it can,
 * the e2e specs run the real thing): the window's web preferences, the sender check on the one IPC handler, the
 * two schemes (the app's files with the CSP; media only through resolveMedia), no network, no navigation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { tempDir } from '../testing/tmp';

type Handler = (...args: unknown[]) => unknown;

const e = vi.hoisted(() => {
  const state = {
    userData: '',
    privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
    protocols: new Map<string, (req: Request) => Promise<Response>>(),
    ipc: new Map<string, Handler>(),
    appEvents: new Map<string, Handler>(),
    blocked: null as null | { urls: string[]; cb: Handler },
    windows: [] as { opts: { webPreferences: Record<string, unknown> }; sent: unknown[][]; mainFrame: { url: string }; loaded: string }[],
  };
  return state;
});

vi.mock('electron', () => {
  class BrowserWindow {
    readonly sent: unknown[][] = [];
    readonly mainFrame = { url: 'sightline-app://app/index.html' };
    loaded = '';
    readonly webContents = { mainFrame: this.mainFrame, send: (...a: unknown[]) => this.sent.push(a) };
    constructor(readonly opts: { webPreferences: Record<string, unknown> }) {
      e.windows.push(this);
    }
    once(): void {}
    on(): void {}
    show(): void {}
    focus(): void {}
    isDestroyed(): boolean {
      return false;
    }
    loadURL(u: string): Promise<void> {
      this.loaded = u;
      return Promise.resolve();
    }
  }
  return {
    app: {
      setPath: (_n: string, p: string) => (e.userData = p),
      getPath: (n: string) => (n === 'userData' ? e.userData : path.join(e.userData, n)),
      requestSingleInstanceLock: () => true,
      whenReady: () => Promise.resolve(),
      on: (ev: string, h: Handler) => e.appEvents.set(ev, h),
      quit: () => undefined,
      isPackaged: false,
    },
    BrowserWindow,
    dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }), showSaveDialog: async () => ({ canceled: true }) },
    ipcMain: { handle: (ch: string, h: Handler) => e.ipc.set(ch, h) },
    net: { fetch: async (u: string) => new Response(fs.readFileSync(new URL(u))) },
    protocol: {
      registerSchemesAsPrivileged: (s: typeof e.privileged) => e.privileged.push(...s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => e.protocols.set(scheme, h),
    },
    session: {
      defaultSession: {
        webRequest: { onBeforeRequest: (filter: { urls: string[] }, cb: Handler) => (e.blocked = { urls: filter.urls, cb }) },
        setPermissionRequestHandler: () => undefined,
        setPermissionCheckHandler: () => undefined,
      },
    },
  };
});

const tmp = tempDir('main');
process.env.SIGHTLINE_USER_DATA = path.join(tmp.dir, 'settings');
process.env.SIGHTLINE_CASES_DIR = path.join(tmp.dir, 'cases');
afterAll(() => tmp.cleanup());

async function started(): Promise<void> {
  await import('./main.js'); // (.js: NodeNext spelling; Vite resolves it to main.ts)
  // whenReady() resolved: let its continuation run.
  await new Promise((r) => setImmediate(r));
}

function invoke(frame: unknown, channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
  return Promise.resolve(e.ipc.get('sightline:invoke')!({ senderFrame: frame }, channel, input)) as Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;
}

describe('electron/main.ts', () => {
  it('opens one locked-down window on the app scheme', async () => {
    await started();
    expect(e.privileged.map((p) => p.scheme).sort()).toEqual(['sightline-app', 'sightline-media']);
    expect(e.privileged.every((p) => p.privileges.standard && p.privileges.secure)).toBe(true);
    expect(e.windows).toHaveLength(1);
    const w = e.windows[0]!;
    expect(w.opts.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false });
    expect(String(w.opts.webPreferences.preload)).toMatch(/dist[\\/]preload[\\/]preload\.js$/);
    expect(w.loaded).toBe('sightline-app://app/index.html');
    expect(e.userData).toBe(process.env.SIGHTLINE_USER_DATA);
  });

  it('answers only the window’s own main frame on the app origin', async () => {
    const w = e.windows[0]!;
    const ok = await invoke(w.mainFrame, 'app:info', {});
    expect(ok).toMatchObject({ ok: true, value: { shell: 'electron', casesDir: process.env.SIGHTLINE_CASES_DIR } });
    expect(await invoke({ url: 'sightline-app://app/index.html' }, 'app:info', {})).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    expect(await invoke(null, 'app:info', {})).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    w.mainFrame.url = 'https://evil.example/';
    expect(await invoke(w.mainFrame, 'app:info', {})).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
    w.mainFrame.url = 'sightline-app://app/index.html';
    // Input is validated by the service behind it.
    expect(await invoke(w.mainFrame, 'case:open', { dir: 42 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('serves media of the open case only, and events reach the window', async () => {
    const w = e.windows[0]!;
    const media = e.protocols.get('sightline-media')!;
    expect((await media(new Request('sightline-media://case/derived/x.png'))).status).toBe(404); // no case open
    const created = await invoke(w.mainFrame, 'case:create', { dir: path.join(tmp.dir, 'cases', 'M-1'), caseNumber: 'M-1', title: 'Main test', examiner: 'Tester' });
    expect(created.ok).toBe(true);
    expect(w.sent.some((a) => a[0] === 'sightline:event' && a[1] === 'case:changed')).toBe(true);
    const caseDir = (created.value as { dir: string }).dir;
    fs.writeFileSync(path.join(caseDir, 'derived', 'x.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const r = await media(new Request('sightline-media://case/derived/x.png'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    for (const bad of ['sightline-media://case/case.db', 'sightline-media://case/derived/%2e%2e/case.db', 'sightline-media://other/derived/x.png']) {
      expect((await media(new Request(bad))).status, bad).toBe(404);
    }
    // Active content planted in a received case is never served; exports are downloads.
    fs.writeFileSync(path.join(caseDir, 'exports', 'evil.html'), '<script>alert(1)</script>');
    fs.writeFileSync(path.join(caseDir, 'exports', 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
    fs.writeFileSync(path.join(caseDir, 'exports', 'audit.csv'), 'seq,action\n');
    for (const planted of ['evil.html', 'evil.svg']) expect((await media(new Request(`sightline-media://case/exports/${planted}`))).status, planted).toBe(403);
    const csv = await media(new Request('sightline-media://case/exports/audit.csv'));
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="audit\.csv"/);
    await invoke(w.mainFrame, 'case:close', {});
  });

  it('serves the built renderer with the CSP, nothing outside it', async () => {
    const appScheme = e.protocols.get('sightline-app')!;
    expect((await appScheme(new Request('sightline-app://app/../package.json'))).status).toBe(404);
    expect((await appScheme(new Request('sightline-app://other/index.html'))).status).toBe(404);
    const built = fs.existsSync(path.resolve(__dirname, '..', 'renderer', 'dist', 'index.html'));
    if (!built) return; // `npm test` builds the renderer before this runs; alone, only the refusals are checked
    const r = await appScheme(new Request('sightline-app://app/index.html'));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-security-policy')).toMatch(/default-src 'self'.*img-src 'self' sightline-media:/);
  });

  it('cancels every network request and refuses navigation and new windows', () => {
    expect(e.blocked!.urls).toEqual(expect.arrayContaining(['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*']));
    let answer: unknown;
    e.blocked!.cb({ url: 'https://cdn.example/x.js' }, (a: unknown) => (answer = a));
    expect(answer).toEqual({ cancel: true });

    const listeners = new Map<string, Handler>();
    let openHandler: Handler | undefined;
    e.appEvents.get('web-contents-created')!({}, { on: (ev: string, h: Handler) => listeners.set(ev, h), setWindowOpenHandler: (h: Handler) => (openHandler = h) });
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const prevent = vi.fn();
      listeners.get(ev)!({ preventDefault: prevent });
      expect(prevent, ev).toHaveBeenCalled();
    }
    expect(openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
  });
});
