// Lint: typescript-eslint's recommended rules, plus the process boundaries of the design (VS Code's habit of
// enforcing per-runtime folders): the renderer never imports Node or Electron, and nothing outside electron/main.ts
// and electron/preload.ts imports Electron, so every service runs headless.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'renderer/dist/', 'models/onnx/', 'test-results/', 'playwright-report/', 'e2e/artifacts/', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/main.ts and electron/preload.ts may import Electron; services must run headless.' }] }],
    },
  },
  {
    files: ['electron/main.ts', 'electron/preload.ts', 'electron/electronHost/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': 'off',
      // The typescript-eslint variant: the renderer may import *types* from electron/ (the IPC contract and the
      // shapes it returns), never values.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The renderer talks to main only through window.sightline.' }],
          patterns: [
            { group: ['node:*', 'fs', 'path', 'child_process', 'better-sqlite3', 'sharp', 'onnxruntime-node'], message: 'The renderer has no Node: ask main through window.sightline.' },
            { group: ['**/electron/**', '**/workers/**', '**/models/**'], allowTypeImports: true, message: 'The renderer imports only types from main-process code; values come through window.sightline.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.spec.ts', 'e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
