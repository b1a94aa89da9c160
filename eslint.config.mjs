/*
 * eslint.config.mjs — the linter's rules for the TypeScript and JavaScript of
 * worker/, wasm/, bin/, scripts/, tests/ and bench/ (`make lint`).
 *
 * ESLint's and typescript-eslint's recommended sets, without type information (a
 * run stays within seconds; `make typecheck` is the type check). Layout is
 * prettier's (.prettierrc.json), so no rule here is about it. Each rule changed
 * below says why.
 */
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'build/',
      'dist/',
      '**/.wrangler/',
      /* The spec's examples, kept as the spec prints them. */
      'tests/e2e/spec-examples/*.ts',
      'tests/worker/fixtures/readme-r2-worker.ts',
    ],
  },
  /* bin/kafdo is a Node script without an extension. */
  { files: ['**/*.{ts,mjs,js}', 'bin/kafdo'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,mjs,js}', 'bin/kafdo'],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: { ...globals.node, ...globals.worker },
    },
    rules: {
      /* `catch {}` is how this code says "best effort": closing a socket that may be
       * gone, removing a file that may not exist. */
      'no-empty': ['error', { allowEmptyCatch: true }],
      /* Control characters in a pattern are what the tests and the group id check look
       * for (terminal escapes, C0/C1 characters). */
      'no-control-regex': 'off',
      /* A leading _ marks a parameter or binding kept for its place; an omitted field
       * is destructured out beside a ...rest; a caught error may go unread (the
       * catch says what failed without it). */
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
      /* `declare global { namespace Cloudflare { interface Env extends ... {} } }` is
       * how workers-types takes a Worker's Env. */
      '@typescript-eslint/no-namespace': ['error', { allowDeclarations: true }],
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'with-single-extends' }],
    },
  },
  {
    /* Tests read JSON answers whose shape is what they check. */
    files: ['tests/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
