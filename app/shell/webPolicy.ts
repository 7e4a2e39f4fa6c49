/**
 * What both shells (the Electron window and the browser shell's loopback server) enforce on the renderer they
 * serve: one Content-Security-Policy, static files only from the built renderer folder, and explicit MIME types.
 * Kept here, headless and tested, so the two shells cannot drift apart.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PolicyOptions {
  /** Extra sources for images (the desktop app's media scheme). Same-origin is always allowed. */
  readonly img?: readonly string[];
  /** Extra sources for fetch/WebSocket (the browser shell's bridge socket). */
  readonly connect?: readonly string[];
}

/**
 * Nothing remote, ever: no CDN, no fonts, no analytics; scripts and styles only from the app's own files (no
 * inline code, no eval). Frames are images served by the shell, so `img-src` is the only widened directive.
 */
export function contentSecurityPolicy(opts: PolicyOptions = {}): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${["'self'", ...(opts.img ?? [])].join(' ')}`,
    `connect-src ${["'self'", ...(opts.connect ?? [])].join(' ')}`,
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "worker-src 'self'",
  ].join('; ');
}

/** Headers for every renderer document and asset. */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=(), hid=()',
  };
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.pdf': 'application/pdf',
};

export function mimeType(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file under `root` that a URL path names, or null: no `..`, no encoded separators or NULs, no symlink
 * out of the folder, directories map to their index.html.
 */
export function resolveStaticFile(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded.replace(/^\/+/, '') || 'index.html';
  if (rel.split('/').some((seg) => seg === '..')) return null;
  const rootAbs = path.resolve(root);
  let abs = path.resolve(rootAbs, rel);
  if (abs !== rootAbs && !abs.startsWith(rootAbs + path.sep)) return null;
  try {
    if (fs.statSync(abs).isDirectory()) abs = path.join(abs, 'index.html');
    const real = fs.realpathSync(abs);
    const realRoot = fs.realpathSync(rootAbs);
    if (!real.startsWith(realRoot + path.sep)) return null;
    return fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

/** Case files shown in the views: images, served inline. */
const MEDIA_INLINE: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };
/** Case files the investigator saves (exports): served only as downloads. */
const MEDIA_DOWNLOAD: Record<string, string> = { '.json': 'application/json', '.csv': 'text/csv; charset=utf-8', '.pdf': 'application/pdf', '.txt': 'text/plain; charset=utf-8' };

/** No script, no plugin, no fetch, a unique origin: even if a browser rendered a case file, it could do nothing. */
export const MEDIA_CSP = "default-src 'none'; sandbox";

/**
 * How a file of the open case is served by either shell, or null when it is not served at all. A case may come
 * from anyone (a received case, a planted file in exports/): HTML, SVG, scripts and unknown types are never
 * served, exports are downloads (Content-Disposition: attachment), and every response forbids sniffing and
 * carries a sandboxing CSP.
 */
export function mediaHeaders(file: string): Record<string, string> | null {
  const ext = path.extname(file).toLowerCase();
  const inline = MEDIA_INLINE[ext];
  const download = MEDIA_DOWNLOAD[ext];
  if (!inline && !download) return null;
  const headers: Record<string, string> = {
    'Content-Type': (inline ?? download)!,
    'Content-Security-Policy': MEDIA_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer',
  };
  if (download) {
    const name = path.basename(file);
    const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
    headers['Content-Disposition'] = `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
  }
  return headers;
}
