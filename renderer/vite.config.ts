// Vite builds the renderer into renderer/dist with relative URLs, so the same files load from the desktop app's
// custom protocol and from the browser shell's loopback server. Nothing is fetched from a CDN at run time.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'chrome120',
    sourcemap: true,
    // One stylesheet and no inline scripts or styles: the pages run under `default-src 'self'`.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { host: '127.0.0.1', strictPort: false },
});
