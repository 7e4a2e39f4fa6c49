/**
 * The desktop app's main process, kept thin: a locked-down window, two custom schemes, one IPC handler and the
 * native dialogs. Everything else is AppService, which runs unchanged in the headless harness and the CLI.
 *
 * Security posture (Electron's checklist): context isolation, sandbox, no Node in the renderer, a strict CSP
 * on every document, no navigation, no new windows, no webviews, no permissions, and no network: requests to
 * http(s)/ws(s) are cancelled, so the window can show nothing that is not in the app or in the open case.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, session, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { APP_ROOT } from '../platform/appInfo';
import { AppService, type Shell } from '../app/service/appService';
import { APP_HOST, APP_SCHEME, IPC_EVENT, IPC_INVOKE, MEDIA_HOST, MEDIA_SCHEME } from '../app/contract/transport';
import { contentSecurityPolicy, mediaHeaders, mimeType, resolveStaticFile, securityHeaders } from '../app/shell/webPolicy';
import { setWorkerSpawner, type WorkerSpawner } from '../workers/pool';

const RENDERER_DIR = path.join(APP_ROOT, 'renderer', 'dist');
/** Bundled (sandboxed preloads cannot require local modules): see electron/preload.vite.config.ts. */
const PRELOAD = path.join(APP_ROOT, 'dist', 'preload', 'preload.js');
const CSP = contentSecurityPolicy({ img: [`${MEDIA_SCHEME}:`] });

const MEDIA_EXTENSIONS = ['mp4', 'mov', 'm4v', 'avi', 'mkv', 'webm', 'wmv', 'asf', 'flv', 'mts', 'm2ts', 'ts', 'mpg', 'mpeg', '3gp', 'h264', '264', 'h265', '265', 'dav', 'jpg', 'jpeg', 'png', 'bmp', 'tif', 'tiff', 'webp'];

// Before `ready`: standard + secure make the schemes real origins (CSP 'self', fetch, module scripts).
protocol.registerSchemesAsPrivileged([
  // corsEnabled: Vite emits `<script type="module" crossorigin>`, fetched in CORS mode even from its own origin.
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

// Tests and portable installs point the settings elsewhere; must happen before anything reads userData.
if (process.env.SIGHTLINE_USER_DATA) app.setPath('userData', path.resolve(process.env.SIGHTLINE_USER_DATA));

/** Pipeline workers run as Electron utility processes (sandboxed from the window, no renderer privileges). */
const utilitySpawner: WorkerSpawner = (entry, opts) => {
  const child = utilityProcess.fork(entry, [], { env: opts.env, execArgv: opts.execArgv, serviceName: 'Sightline worker', stdio: 'inherit' });
  return {
    get pid() {
      return child.pid;
    },
    send: (m) => child.postMessage(m),
    onMessage: (fn) => child.on('message', (m) => fn(m as Parameters<typeof fn>[0])),
    onExit: (fn) => child.on('exit', (code) => fn(code, null)),
    kill: () => {
      child.kill();
    },
  };
};
setWorkerSpawner(utilitySpawner);

let win: BrowserWindow | null = null;
let service: AppService | null = null;

function parentWindow(): BrowserWindow | undefined {
  return win && !win.isDestroyed() ? win : undefined;
}

const electronShell: Shell = {
  kind: 'electron',
  get userDataDir() {
    return app.getPath('userData');
  },
  get casesDir() {
    return process.env.SIGHTLINE_CASES_DIR ? path.resolve(process.env.SIGHTLINE_CASES_DIR) : path.join(app.getPath('documents'), 'Sightline Cases');
  },
  async openFiles(opts) {
    const o = {
      title: opts.title ?? 'Open',
      properties: ['openFile', 'multiSelections'] as ('openFile' | 'multiSelections')[],
      filters: opts.media ? [{ name: 'Video and images', extensions: MEDIA_EXTENSIONS }, { name: 'All files', extensions: ['*'] }] : [],
    };
    const p = parentWindow();
    const r = p ? await dialog.showOpenDialog(p, o) : await dialog.showOpenDialog(o);
    return r.canceled ? [] : r.filePaths;
  },
  async chooseFolder(opts) {
    const o = { title: opts.title ?? 'Choose a folder', properties: ['openDirectory', 'createDirectory'] as ('openDirectory' | 'createDirectory')[] };
    const p = parentWindow();
    const r = p ? await dialog.showOpenDialog(p, o) : await dialog.showOpenDialog(o);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  },
  async saveFile(opts) {
    const o = { title: opts.title ?? 'Save', ...(opts.defaultName ? { defaultPath: opts.defaultName } : {}) };
    const p = parentWindow();
    const r = p ? await dialog.showSaveDialog(p, o) : await dialog.showSaveDialog(o);
    return r.canceled ? null : (r.filePath ?? null);
  },
};

/** Only the app's own top-level document may call main: not an iframe, not another origin, not a stale page. */
function trustedSender(e: IpcMainInvokeEvent): boolean {
  const frame = e.senderFrame;
  if (!frame || !win || win.isDestroyed() || frame !== win.webContents.mainFrame) return false;
  try {
    const u = new URL(frame.url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

function registerProtocols(): void {
  protocol.handle(APP_SCHEME, async (req) => {
    const u = new URL(req.url);
    const file = u.host === APP_HOST ? resolveStaticFile(RENDERER_DIR, u.pathname) : null;
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(await fs.promises.readFile(file), { headers: { 'Content-Type': mimeType(file), 'Cache-Control': 'no-cache', ...securityHeaders(CSP) } });
  });
  protocol.handle(MEDIA_SCHEME, async (req) => {
    const u = new URL(req.url);
    const abs = u.host === MEDIA_HOST && service ? service.resolveMedia(u.pathname.replace(/^\/+/, '')) : null;
    if (!abs) return new Response('Not found', { status: 404 });
    // Images inline, exports as downloads, never a page (HTML, SVG): the same policy as the browser shell.
    const policy = mediaHeaders(abs);
    if (!policy) return new Response('This kind of file is not served', { status: 403 });
    const res = await net.fetch(pathToFileURL(abs).toString());
    return new Response(res.body, { headers: { ...policy, 'Cache-Control': 'no-store' } });
  });
}

function lockDownSession(): void {
  const ses = session.defaultSession;
  // No remote content: the only schemes the window may load are the app's own (and devtools in development).
  ses.webRequest.onBeforeRequest({ urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] }, (_d, cb) => cb({ cancel: true }));
  // Copying a hash is the one capability the UI needs.
  ses.setPermissionRequestHandler((_wc, permission, cb) => cb(permission === 'clipboard-sanitized-write'));
  ses.setPermissionCheckHandler((_wc, permission) => permission === 'clipboard-sanitized-write');
}

function createWindow(): void {
  win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#111417',
    title: 'Sightline',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win?.show());
  win.on('closed', () => (win = null));
  void win.loadURL(`${APP_SCHEME}://${APP_HOST}/index.html`);
}

app.on('web-contents-created', (_e, contents) => {
  contents.on('will-navigate', (e) => e.preventDefault());
  contents.on('will-redirect', (e) => e.preventDefault());
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

// One process per machine writes the case databases; a second launch focuses the first window.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  void app.whenReady().then(() => {
    service = new AppService({
      shell: electronShell,
      emit: (event, payload) => {
        if (win && !win.isDestroyed()) win.webContents.send(IPC_EVENT, event, payload);
      },
    });
    lockDownSession();
    registerProtocols();
    ipcMain.handle(IPC_INVOKE, (e, channel: unknown, input: unknown) => {
      if (!trustedSender(e)) return { ok: false, error: { code: 'PERMISSION_DENIED', message: 'calls are accepted only from the Sightline window' } };
      return service!.invoke(channel, input);
    });
    createWindow();
  });

  app.on('window-all-closed', () => app.quit());

  // Close the case cleanly (jobs back to the queue, WAL checkpointed) before the process ends.
  let disposed = false;
  app.on('before-quit', (e) => {
    if (disposed || !service) return;
    e.preventDefault();
    disposed = true;
    void service.dispose().finally(() => app.quit());
  });
}
