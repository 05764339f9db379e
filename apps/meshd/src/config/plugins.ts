// --plugins: a package name resolved from the user's project, or a compiled ES module file.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './flags.js';

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

interface PackageJson {
  type?: string;
  main?: string;
  module?: string;
  exports?: unknown;
}

function readPackage(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

/** The nearest package.json's `type` above a file (`commonjs` when none says otherwise). */
function moduleTypeOf(file: string): { type: string; manifest: string | undefined } {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) return { type: readPackage(manifest).type ?? 'commonjs', manifest };
    if (path.dirname(dir) === dir) return { type: 'commonjs', manifest: undefined };
  }
}

/** Throws unless `file` is a JavaScript ES module meshd can import. */
function assertEsModule(file: string, spec: string): void {
  if (TYPESCRIPT.test(file))
    throw new UsageError(
      `plugin ${spec} is a TypeScript file: meshd loads compiled JavaScript. Build it (tsc or tsup) and pass the .js (ES module) it emits, or the package name`,
    );
  if (file.endsWith('.cjs'))
    throw new UsageError(
      `plugin ${spec} is CommonJS (.cjs): plugins must be ES modules. Emit ESM (.mjs, or .js in a package with "type": "module")`,
    );
  if (file.endsWith('.js')) {
    const { type, manifest } = moduleTypeOf(file);
    if (type !== 'module')
      throw new UsageError(
        `plugin ${spec} is CommonJS (${manifest === undefined ? 'no package.json says "type": "module"' : `${manifest} has no "type": "module"`}): plugins must be ES modules. Add "type": "module" to the package.json or rename the file to .mjs`,
      );
  }
}

/** The entry file of an installed package for `import` (exports "." → import/default, else module/main). */
function packageEntry(dir: string): string {
  const pkg = readPackage(path.join(dir, 'package.json'));
  const pick = (e: unknown): string | undefined => {
    if (typeof e === 'string') return e;
    if (e !== null && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      if ('.' in o) return pick(o['.']);
      return pick(o['import']) ?? pick(o['node']) ?? pick(o['default']);
    }
    return undefined;
  };
  const rel = pick(pkg.exports) ?? pkg.module ?? pkg.main ?? 'index.js';
  return path.resolve(dir, rel);
}

/**
 * Turns a `--plugins` entry into something `import()` loads, checking it first.
 * @param spec - a package name (`@acme/mesh-plugin-x`) or a path to a compiled ES module.
 * @param base - where relative paths and `node_modules` lookups start (the working directory,
 *   or the config file's directory for its entries).
 * @param canImport - whether meshd itself can import a bare name (plugins bundled with it).
 * @returns a `file:` URL, or the bare name when meshd resolves it itself.
 * @throws UsageError saying what is wrong and what to do: not found (with every place looked),
 *   TypeScript, or CommonJS.
 */
export function resolvePlugin(
  spec: string,
  base: string,
  canImport: (name: string) => boolean = () => false,
): string {
  const isPath =
    spec.startsWith('.') ||
    spec.startsWith('/') ||
    spec.startsWith('file:') ||
    /\.[cm]?[jt]sx?$/.test(spec);
  if (isPath) {
    const file = spec.startsWith('file:') ? new URL(spec).pathname : path.resolve(base, spec);
    if (!existsSync(file)) throw new UsageError(`plugin file not found: ${file}`);
    assertEsModule(file, spec);
    return pathToFileURL(file).href;
  }
  const looked: string[] = [];
  for (let dir = path.resolve(base); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', ...spec.split('/'));
    looked.push(path.join(dir, 'node_modules'));
    if (existsSync(path.join(candidate, 'package.json'))) {
      const entry = packageEntry(candidate);
      if (!existsSync(entry))
        throw new UsageError(
          `plugin package "${spec}" (${candidate}) has no built entry ${entry}: build it first`,
        );
      assertEsModule(entry, `"${spec}" (${entry})`);
      return pathToFileURL(entry).href;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (canImport(spec)) return spec;
  throw new UsageError(
    `plugin package "${spec}" not found; looked in ${looked.join(', ')}. Install it in your project (npm install ${spec}), start meshd from that project, or pass the path of its compiled .js file`,
  );
}
