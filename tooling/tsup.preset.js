// @ts-check
/**
 * The shared tsup (esbuild) build: ESM only, `.d.ts` beside each entry, source maps, one output
 * file per exports-map entry (`src/<name>.ts` → `dist/<name>.js`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from 'tsup';

/** Escapes a package name for a regular expression. */
const escape = (/** @type {string} */ s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * Escapes every non-ASCII character of a bundle as `\uXXXX` (valid in comments, strings,
 * templates, regular expressions and identifiers alike). One character beyond Latin-1 anywhere,
 * even in a comment, makes V8 hold the whole source text two bytes per character: an ASCII bundle is
 * scanned faster and takes half the memory. (esbuild's `charset: 'ascii'` leaves comments and
 * regular expressions as they are.)
 * @type {NonNullable<import('tsup').Options['plugins']>[number]}
 */
const asciiOnly = {
  name: 'ascii-only',
  renderChunk(code) {
    // eslint-disable-next-line no-control-regex
    if (!/[^\x00-\x7f]/.test(code)) return undefined;
    return {
      code: code.replace(
        // eslint-disable-next-line no-control-regex
        /[^\x00-\x7f]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
    };
  },
};

/**
 * Resolves the named `@mesh/*` packages to their TypeScript source (`dist/<name>.js` of the
 * exports map → `src/<name>.ts`) instead of their built `dist/`. Each package's `dist/index.js`
 * is one file, and a bundle keeps a file's external imports as soon as one export of it is used
 * (meshctl's IPC client brought the IPC server's `node:fs/promises` and the attach tokens'
 * `node:crypto`); from source, with the packages' `sideEffects: false`, only the files actually
 * used are compiled in, and code splitting can put them in the chunk of the dynamic `import()`
 * that needs them. Only for packages whose own build is plain (no `define`, no banner):
 * `@mesh/daemon` stamps its build info at build time, for instance. Falls back to normal
 * resolution when no source file matches.
 * @type {(packages: readonly string[]) => NonNullable<import('tsup').Options['esbuildPlugins']>[number]}
 */
const meshSource = (packages) => ({
  name: 'mesh-source',
  setup(build) {
    build.onResolve({ filter: /^@mesh\/[^/]+(\/.*)?$/ }, (args) => {
      const [, name, sub] = /^(@mesh\/[^/]+)(\/.*)?$/.exec(args.path) ?? [];
      if (!name || !packages.includes(name) || !args.importer) return undefined;
      let manifest;
      try {
        manifest = createRequire(args.importer).resolve(`${name}/package.json`);
      } catch {
        return undefined;
      }
      const dir = path.dirname(manifest);
      const exportsMap = JSON.parse(readFileSync(manifest, 'utf8')).exports ?? {};
      const target = exportsMap[`.${sub ?? ''}`];
      const built = typeof target === 'string' ? target : target?.import;
      const match = typeof built === 'string' ? /^\.\/dist\/(.+)\.js$/.exec(built) : null;
      if (!match) return undefined;
      const source = path.join(dir, 'src', `${match[1]}.ts`);
      return existsSync(source) ? { path: source } : undefined;
    });
  },
});

/**
 * @param {{
 *   entry: Record<string, string>,
 *   platform?: 'node' | 'neutral',
 *   banner?: string,
 *   bundle?: { except?: readonly string[], source?: readonly string[] },
 * }} options
 *   `platform: 'neutral'` for runtime-neutral packages (browsers, Deno, Bun).
 *   `bundle` (binaries): the `@mesh/*` workspace packages are compiled into the output, so a
 *   start loads one file instead of a graph of packages and chunks; `except` names `@mesh`
 *   packages that stay imports (loaded on demand, e.g. `@mesh/exec-host` with grpc-js).
 *   `source` names `@mesh` packages compiled from their TypeScript source rather than their
 *   `dist/` (file-level tree shaking; see `meshSource`).
 *   Third-party packages stay imports either way and must be dependencies of the binary.
 *   `MESH_UNBUNDLED=1 tsup` builds the unbundled layout instead, to measure the difference.
 */
export function meshTsup({ entry, platform = 'node', banner, bundle }) {
  const bundled = bundle !== undefined && process.env['MESH_UNBUNDLED'] !== '1';
  const except = bundle?.except ?? [];
  return defineConfig({
    entry,
    format: ['esm'],
    platform,
    target: 'es2022',
    tsconfig: 'tsconfig.build.json',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: false,
    // Node built-ins stay imports even in neutral builds: they only appear in Node-only subpaths.
    // A bundle keeps every other bare import (third-party packages, `except`) as an import too.
    external: bundled ? [/^node:/, /^[^./]/] : [/^node:/],
    ...(bundled
      ? {
          // noExternal wins over external in tsup: every @mesh package but the exceptions.
          noExternal: [
            new RegExp(
              `^@mesh/(?!(${except.map((e) => escape(e.replace(/^@mesh\//, ''))).join('|') || '$^'})(/|$))`,
            ),
          ],
          plugins: [asciiOnly],
          esbuildPlugins: [meshSource(bundle?.source ?? [])],
          // Less source text to scan and to keep in the heap; names stay (stack traces, errors).
          minifyWhitespace: true,
          minifySyntax: true,
        }
      : {}),
    ...(banner ? { banner: { js: banner } } : {}),
  });
}
