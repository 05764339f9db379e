// @ts-check
/**
 * The one vitest preset every workspace package uses (`defineMeshProject(import.meta.url)`).
 *
 * Tests import sibling packages by their public names (`@mesh/wire`, `@mesh/wire/node`); the
 * aliases below point those names at the sources behind each exports-map entry, so the whole
 * suite runs against current source without a build step, while still only reaching paths a
 * package exports (the boundary check enforces the same rule on imports).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Maps every workspace package's export subpaths to their TypeScript sources.
 * Convention: an export target `./dist/<name>.js` is built from `./src/<name>.ts`.
 * @returns {{ find: RegExp, replacement: string }[]}
 */
export function workspaceSourceAliases() {
  /** @type {{ find: RegExp, replacement: string }[]} */
  const aliases = [];
  for (const group of ['packages', 'apps']) {
    const groupDir = path.join(repoRoot, group);
    if (!existsSync(groupDir)) continue;
    for (const entry of readdirSync(groupDir)) {
      const pkgDir = path.join(groupDir, entry);
      const manifestPath = path.join(pkgDir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
        const file = typeof target === 'string' ? target : (target?.import ?? target?.default);
        if (typeof file !== 'string' || !file.startsWith('./dist/') || !file.endsWith('.js'))
          continue;
        const source = path.join(
          pkgDir,
          'src',
          file.slice('./dist/'.length, -'.js'.length) + '.ts',
        );
        if (!existsSync(source)) continue;
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
        aliases.push({
          find: new RegExp(`^${specifier.replace(/[/.]/g, '\\$&')}$`),
          replacement: source,
        });
      }
    }
  }
  return aliases;
}

/**
 * Defines the vitest project of the package whose `vitest.config.ts` calls it.
 * @param {string} importMetaUrl `import.meta.url` of the calling config file.
 * @param {{ test?: import('vitest/config').TestProjectInlineConfiguration['test'] }} [options]
 */
export function defineMeshProject(importMetaUrl, options = {}) {
  const dir = path.dirname(fileURLToPath(importMetaUrl));
  const manifest = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
  return defineProject({
    resolve: { alias: workspaceSourceAliases() },
    test: {
      name: manifest.name,
      root: dir,
      include: ['test/**/*.test.ts'],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      ...options.test,
    },
  });
}
