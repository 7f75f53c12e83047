import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { stageImports } from './scripts/lint/stage-imports.js';

export default tseslint.config(
  { ignores: ['node_modules/**', '**/dist/**', '.mcptap/**', 'dashboards/generated/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    plugins: { mcptap: { rules: { 'stage-imports': stageImports } } },
    rules: {
      'mcptap/stage-imports': [
        'error',
        {
          // Tests, benchmarks and developer scripts (training the catalog scorer) work on internals.
          mayImportDeep: ['test', 'bench', 'scripts'],
          // bin/ launches the CLI's entry module (compiled or not); `mcptap proxy` runs the
          // @mcptap/shim package's own command, which stays out of the shim's library index (what hosts import).
          entryPoints: ['cli/mcptap.ts', 'dist/cli/mcptap.js', 'shim/proxy-cli.js'],
          directModules: [
            {
              // What @mcptap/shim bundles (shim/build.ts BUNDLED_SOURCES): platform's index would
              // drag Kafka into every host, so these stages import the few leaf modules they need.
              from: ['shim', 'extract', 'model', 'secrets'],
              modules: [
                'platform/env-config.js',
                'platform/log.js',
                'platform/metrics.js',
                'platform/duration-format.js',
              ],
            },
          ],
        },
      ],
    },
  },
  {
    // bin/ is plain JavaScript for Node, run before any loader.
    files: ['bin/**/*.js'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly' } },
  },
  {
    // An index names what its stage offers the others; `export *` would offer every internal.
    files: ['**/index.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'List what other folders use: export { a, type B } from ./module.js, not export *.',
        },
      ],
    },
  },
);
