// @ts-check
/**
 * The shared ESLint flat config (ESLint 9 + typescript-eslint, type-aware).
 *
 * Why ESLint and not Biome: this is async networking code, and the type-aware rules
 * (no-floating-promises, no-misused-promises, await-thenable) catch the bugs that matter most
 * here; Biome has no equivalent with type information. Formatting is Prettier's job.
 */
import js from '@eslint/js';
import jsdoc from 'eslint-plugin-jsdoc';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Every `export <declaration>` (function, class, interface, type, enum, const) needs TSDoc.
const exportedDeclarations = ['ExportNamedDeclaration[declaration]'];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/.turbo/**',
      'tooling/test/fixtures/**',
      '**/test/fixtures/**',
      // Binaries' committed launchers: one import line each.
      'apps/*/bin/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: repoRoot },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'List exports by name; `export *` hides the public API.',
        },
        { selector: 'ExportDefaultDeclaration', message: 'Named exports only.' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'separate-type-imports' },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      eqeqeq: ['error', 'smart'],
      // TypeScript (checkJs for .js files) already reports undefined names, with types.
      'no-undef': 'off',
    },
  },
  {
    // Library sources: documented exports, no console (libraries log through an injected logger).
    files: ['packages/*/src/**/*.ts', 'src/**/*.ts'],
    ignores: ['apps/**', 'tooling/**'],
    plugins: { jsdoc },
    rules: {
      'no-console': 'error',
      'jsdoc/require-jsdoc': [
        'error',
        { publicOnly: false, require: {}, contexts: exportedDeclarations },
      ],
    },
  },
  {
    // Config files must default-export; tests and benches may use looser typing.
    files: ['**/*.config.ts', '**/*.config.js', '**/vitest.preset.js', '**/eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/test/**/*.ts', '**/bench/**/*.ts', '**/*.js'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
