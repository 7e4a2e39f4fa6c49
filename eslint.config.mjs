// Lint: typescript-eslint's recommended rules, plus the layers of the design (VS Code's habit of enforcing
// per-runtime folders): imports point down only (`sightline/layers`, build/eslint-layers.mjs, which names the
// rule a violation breaks), the renderer imports only the contract and the domain, and nothing outside
// electron/main.ts and electron/preload.ts imports Electron, so every service runs headless.
import tseslint from 'typescript-eslint';
import layers from './build/eslint-layers.mjs';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'renderer/dist/', 'models/onnx/', 'test-results/', 'playwright-report/', 'e2e/artifacts/', 'release/', '**/*.d.ts'] },
  ...tseslint.configs.recommended,
  {
    plugins: { sightline: layers },
    rules: {
      'sightline/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only electron/main.ts and electron/preload.ts may import Electron; services must run headless.' }] }],
    },
  },
  {
    files: ['electron/main.ts', 'electron/preload.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/*.spec.ts', 'e2e/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
