/**
 * Package conventions every workspace package keeps (docs/contributing.md): ESM only, a
 * `types`-first exports map that exports `./package.json`, an explicit `files` list, an explicit
 * `sideEffects`, `engines.node >= 20.19`, and a README with install, example and API sections.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Manifest {
  name: string;
  private?: boolean;
  type?: string;
  license?: string;
  sideEffects?: unknown;
  engines?: { node?: string };
  files?: string[];
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const workspacePackages = ['packages', 'apps'].flatMap((group) =>
  readdirSync(path.join(repoRoot, group))
    .map((entry) => path.join(repoRoot, group, entry))
    .filter((dir) => existsSync(path.join(dir, 'package.json')))
    .map((dir) => ({
      dir,
      manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest,
    })),
);

describe.each(workspacePackages.map((p) => [p.manifest.name, p] as const))(
  '%s',
  (_name, { dir, manifest }) => {
    it('is an ESM-only Apache-2.0 package for Node >= 20.19', () => {
      expect(manifest.type).toBe('module');
      expect(manifest.license).toBe('Apache-2.0');
      expect(manifest.engines?.node).toBe('>=20.19');
    });

    it('declares sideEffects and an explicit files list', () => {
      expect(
        manifest.sideEffects === true ||
          manifest.sideEffects === false ||
          Array.isArray(manifest.sideEffects),
      ).toBe(true);
      expect(manifest.files).toContain('dist');
    });

    it('has an exports map with types first in every entry, and exports ./package.json', () => {
      const exportsMap = manifest.exports ?? {};
      expect(exportsMap['./package.json']).toBe('./package.json');
      for (const [subpath, target] of Object.entries(exportsMap)) {
        if (subpath === './package.json') continue;
        expect(typeof target, `${subpath} is a conditional entry`).toBe('object');
        expect(Object.keys(target as object)[0], `${subpath}: "types" comes first`).toBe('types');
      }
    });

    it('pins workspace dependencies with a publishable range', () => {
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {}))
        if (range.startsWith('workspace:')) expect(range, dep).toBe('workspace:^');
    });

    // Libraries document install, example and API; binaries document install and their commands.
    if (manifest.bin !== undefined)
      it('is a binary with a README that says how to install it globally', () => {
        const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
        expect(readme).toMatch(/^#+ Install/m);
        expect(readme).toContain(`npm install -g ${manifest.name}`);
        for (const target of Object.values(manifest.bin ?? {}))
          expect(existsSync(path.join(dir, target)), `${target} is committed`).toBe(true);
      });
    else if (!manifest.private)
      it('has a README with install, example and API sections', () => {
        const readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
        expect(readme).toMatch(/^#+ Install/m);
        expect(readme).toMatch(
          new RegExp(`(npm install|pnpm add)( -D)? ${manifest.name.replace('/', '\\/')}`),
        );
        expect(readme).toMatch(/```ts/);
        expect(readme).toMatch(/^#+ .*API/im);
      });
    else
      it('is a binary with a README', () => {
        expect(Object.keys(manifest.bin ?? {}).length).toBeGreaterThan(0);
        expect(existsSync(path.join(dir, 'README.md'))).toBe(true);
      });
  },
);
