// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'drizzle/', 'data/', 'coverage/', 'downloads/', '.tmp/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Plain JS files (this config, scripts) run on Node; TypeScript files get no-undef from tsc instead.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    // The playground's page runs in the browser, as plain ES modules with no build step.
    files: ['src/sandbox/playground/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        EventSource: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // src logs through the pino logger it is given, so secrets are redacted and levels apply.
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
