// Bundles the preload into one CommonJS file: a sandboxed preload may require only 'electron' (and a few
// built-ins), so the contract it checks names against (and zod under it) must be inside the file.
import { defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  logLevel: 'warn',
  build: {
    outDir: '../dist/preload',
    emptyOutDir: true,
    target: 'chrome120',
    minify: false,
    sourcemap: true,
    lib: { entry: 'preload.ts', formats: ['cjs'], fileName: () => 'preload.js' },
    rollupOptions: { external: ['electron'] },
  },
});
