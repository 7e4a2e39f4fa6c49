import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/tmp';
import { contentSecurityPolicy, mediaHeaders, mimeType, resolveStaticFile } from './webPolicy';

const tmp = tempDir('webpolicy');
afterAll(() => tmp.cleanup());

const root = path.join(tmp.dir, 'dist');
fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
fs.writeFileSync(path.join(root, 'assets', 'app.js'), '');
fs.writeFileSync(path.join(tmp.dir, 'secret.txt'), 'case data');
fs.symlinkSync(path.join(tmp.dir, 'secret.txt'), path.join(root, 'assets', 'link.txt'));

describe('resolveStaticFile', () => {
  it('serves files inside the folder, index.html for folders', () => {
    expect(resolveStaticFile(root, '/')).toBe(fs.realpathSync(path.join(root, 'index.html')));
    expect(resolveStaticFile(root, '/assets/app.js?v=1')).toBe(fs.realpathSync(path.join(root, 'assets', 'app.js')));
  });

  it.each(['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f..%2fsecret.txt', '/..%5csecret.txt', '/assets/link.txt', '/index.html%00.js', '/%E0%A4%A', '/missing.js'])(
    'refuses %s',
    (p) => {
      expect(resolveStaticFile(root, p)).toBeNull();
    },
  );
});

describe('contentSecurityPolicy', () => {
  it('allows only the app itself, plus the named extra sources', () => {
    const csp = contentSecurityPolicy({ img: ['sightline-media:'], connect: ['ws://127.0.0.1:5000'] });
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' sightline-media:");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:5000");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)|https?:|\*/);
  });
});

describe('mimeType', () => {
  it('names the types the shells serve, and nothing sniffable by default', () => {
    expect(mimeType('a/B.PNG')).toBe('image/png');
    expect(mimeType('index.html')).toBe('text/html; charset=utf-8');
    expect(mimeType('x.unknown')).toBe('application/octet-stream');
  });
});

describe('mediaHeaders', () => {
  it('serves images inline and exports as downloads, each sandboxed and unsniffable; never pages or scripts', () => {
    expect(mediaHeaders('/c/derived/ab.png')).toMatchObject({ 'Content-Type': 'image/png', 'Content-Security-Policy': "default-src 'none'; sandbox", 'X-Content-Type-Options': 'nosniff' });
    expect(mediaHeaders('/c/derived/ab.png')!['Content-Disposition']).toBeUndefined();
    expect(mediaHeaders('/c/exports/report "1".json')!['Content-Disposition']).toBe(`attachment; filename="report _1_.json"; filename*=UTF-8''report%20%221%22.json`);
    for (const f of ['a.html', 'a.htm', 'a.svg', 'a.js', 'a.xhtml', 'a.xml', 'case.db', 'noext']) expect(mediaHeaders(`/c/exports/${f}`), f).toBeNull();
  });
});
