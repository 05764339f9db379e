// @ts-check
/** Resolves specifiers the way the packages write them (NodeNext: `./x.js` is `./x.ts` in source). */
import { existsSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

const BUILTINS = new Set(builtinModules);

/**
 * Whether a specifier names a Node.js built-in (`node:fs`, `fs`, `fs/promises`).
 * @param {string} specifier
 */
export function isNodeBuiltin(specifier) {
  return (
    specifier.startsWith('node:') ||
    BUILTINS.has(specifier) ||
    BUILTINS.has(specifier.split('/')[0] ?? '')
  );
}

/**
 * Whether a specifier is relative (`./`, `../`) or absolute.
 * @param {string} specifier
 */
export function isRelative(specifier) {
  return specifier.startsWith('.') || specifier.startsWith('/');
}

/**
 * Splits a bare specifier into package name and exports subpath: `@mesh/wire/node` → [`@mesh/wire`, `./node`].
 * @param {string} specifier
 * @returns {[string, string]}
 */
export function splitBareSpecifier(specifier) {
  const parts = specifier.split('/');
  const nameLength = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameLength).join('/');
  const rest = parts.slice(nameLength).join('/');
  return [name, rest ? `./${rest}` : '.'];
}

/**
 * The file a relative specifier points at, or `undefined` when none exists.
 * @param {string} fromFile
 * @param {string} specifier
 * @returns {string | undefined}
 */
export function resolveRelative(fromFile, specifier) {
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [
    base,
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base.replace(/\.jsx$/, '.tsx'),
    `${base}.ts`,
    `${base}.js`,
    path.join(base, 'index.ts'),
    path.join(base, 'index.js'),
  ];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}
