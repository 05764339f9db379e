// @ts-check
/** Reads a pnpm workspace: its packages, their manifests and their source files. */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * @typedef {object} WorkspacePackage
 * @property {string} name        The manifest's `name`.
 * @property {string} dir         Absolute directory.
 * @property {string} relDir      Directory relative to the workspace root, with `/` separators.
 * @property {Record<string, any>} manifest The parsed package.json.
 * @property {string[]} files     Absolute paths of the source files the check reads.
 */

const SOURCE_DIRS = ['src', 'test', 'bench'];
const SOURCE_FILE = /\.(?:[cm]?ts|tsx|[cm]?js)$/;
// pnpm-workspace.yaml: packages/*, apps/*, and the shared tooling package.
const GROUPS = ['packages', 'apps', '.'];

/**
 * Lists the workspace packages under `packages/*` and `apps/*` of `root`.
 * @param {string} root
 * @returns {WorkspacePackage[]}
 */
export function readWorkspace(root) {
  /** @type {WorkspacePackage[]} */
  const found = [];
  for (const group of GROUPS) {
    const groupDir = path.join(root, group);
    if (!existsSync(groupDir)) continue;
    const entries = group === '.' ? ['tooling'] : readdirSync(groupDir).sort();
    for (const entry of entries) {
      const dir = path.join(groupDir, entry);
      const manifestPath = path.join(dir, 'package.json');
      if (!existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
      const files = SOURCE_DIRS.flatMap((sub) => listFiles(path.join(dir, sub)));
      found.push({
        name: manifest.name,
        dir,
        relDir: group === '.' ? entry : `${group}/${entry}`,
        manifest,
        files,
      });
    }
  }
  return found;
}

/**
 * @param {string} dir
 * @returns {string[]}
 */
function listFiles(dir) {
  if (!existsSync(dir)) return [];
  /** @type {string[]} */
  const out = [];
  for (const entry of readdirSync(dir).sort()) {
    if (entry === 'node_modules' || entry === 'dist' || entry === 'fixtures') continue;
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full));
    else if (SOURCE_FILE.test(entry) && !entry.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/**
 * The names a manifest lists as dependencies of the given kinds.
 * @param {Record<string, any>} manifest
 * @param {string[]} kinds e.g. `['dependencies', 'peerDependencies']`
 * @returns {string[]}
 */
export function dependencyNames(manifest, kinds) {
  return kinds.flatMap((kind) => Object.keys(manifest[kind] ?? {}));
}

/**
 * Finds the source file behind an exports-map subpath (`.` or `./node`) of a package:
 * `./dist/<name>.js` is built from `./src/<name>.ts`.
 * @param {WorkspacePackage} pkg
 * @param {string} subpath
 * @returns {string | undefined}
 */
export function entrySource(pkg, subpath) {
  const target = pkg.manifest.exports?.[subpath];
  const file = typeof target === 'string' ? target : (target?.import ?? target?.default);
  if (typeof file !== 'string') return undefined;
  const match = /^\.\/(?:dist|src)\/(.+)\.[cm]?[jt]s$/.exec(file);
  if (!match) return undefined;
  for (const ext of ['.ts', '.js', '.mts']) {
    const candidate = path.join(pkg.dir, 'src', match[1] + ext);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Whether `subpath` (`.` or `./x/y`) is reachable through a package's exports map,
 * honouring `*` patterns and `null` exclusions.
 * @param {Record<string, any>} manifest
 * @param {string} subpath
 * @returns {boolean}
 */
export function isExported(manifest, subpath) {
  const exportsMap = manifest.exports;
  if (exportsMap === undefined) return subpath === '.';
  if (typeof exportsMap === 'string') return subpath === '.';
  if (Object.hasOwn(exportsMap, subpath)) return exportsMap[subpath] !== null;
  for (const [key, value] of Object.entries(exportsMap)) {
    const star = key.indexOf('*');
    if (star < 0 || value === null) continue;
    if (subpath.startsWith(key.slice(0, star)) && subpath.endsWith(key.slice(star + 1)))
      return true;
  }
  return false;
}
