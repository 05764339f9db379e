// meshctl compose: pick plugins, get a daemon. Writes a package whose entry point has one import
// line per chosen plugin followed by meshd, and installs it with plain npm.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CliError, usageError } from '../cli/errors.js';
import type { Command } from '../cli/types.js';

/** `execFile` as a promise; `node:child_process` loads only when compose runs a program. */
async function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; maxBuffer?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  const [{ execFile }, { promisify }] = await Promise.all([
    import('node:child_process'),
    import('node:util'),
  ]);
  return promisify(execFile)(file, args, { ...options, encoding: 'utf8' });
}
const USAGE = 'meshctl compose <dir> <plugins...> [--meshd <spec>] [--with <specs>] [--no-install]';

/** A dependency: its package name and the spec npm installs it from. */
interface Dependency {
  readonly name: string;
  readonly spec: string;
}

/** `name`, `name@range` or a local tarball (`.tgz`, its name read from the tarball). */
async function resolveSpec(spec: string, cwd: string): Promise<Dependency> {
  if (spec.endsWith('.tgz') || spec.endsWith('.tar.gz')) {
    const file = path.resolve(cwd, spec);
    if (!existsSync(file)) throw usageError(`no such tarball: ${file}`, USAGE);
    const { stdout } = await run('tar', ['-xOzf', file, 'package/package.json']);
    const name = (JSON.parse(stdout) as { name?: unknown }).name;
    if (typeof name !== 'string') throw usageError(`${file} has no package name`, USAGE);
    return { name, spec: `file:${file}` };
  }
  const at = spec.lastIndexOf('@');
  return at > 0
    ? { name: spec.slice(0, at), spec: spec.slice(at + 1) }
    : { name: spec, spec: 'latest' };
}

/**
 * The daemon entry point: plugins first (each registers itself on import), then `meshd/core`
 * (meshd without the plugins it ships), which starts the engine and loads every registered
 * plugin, so the daemon runs with exactly the chosen plugins.
 * @param plugins - package names.
 * @returns the file text.
 */
export function composeEntry(plugins: readonly string[]): string {
  return [
    '#!/usr/bin/env node',
    '// Composed by `meshctl compose`: one import line per plugin, then the daemon.',
    ...plugins.map((p) => `import '${p}';`),
    "import 'meshd/core';",
    '',
  ].join('\n');
}

export const compose: Command = {
  name: 'compose',
  args: ['<dir>', '<plugins...>'],
  description:
    'write a daemon package with the chosen plugins (npm names or local tarballs) and install it with npm',
  returns: 'dir, entry, plugins[], installed',
  flags: {
    meshd: {
      type: 'string',
      description: 'the meshd package to build on: npm spec or tarball (default meshd)',
    },
    with: {
      type: 'string',
      description:
        'comma-separated extra packages pinned for every dependent (tarballs of @mesh packages)',
    },
    'no-install': { type: 'boolean', description: 'write the package without running npm install' },
  },
  run: async (ctx) => {
    const [dirArg, ...pluginSpecs] = ctx.args;
    if (dirArg === undefined || pluginSpecs.length === 0)
      throw usageError('compose needs a directory and at least one plugin', USAGE);
    const cwd = process.cwd();
    const dir = path.resolve(cwd, dirArg);
    const meshdSpec = typeof ctx.flags['meshd'] === 'string' ? ctx.flags['meshd'] : 'meshd';
    const withSpecs =
      typeof ctx.flags['with'] === 'string'
        ? ctx.flags['with'].split(',').filter((s) => s !== '')
        : [];
    const plugins = await Promise.all(pluginSpecs.map((s) => resolveSpec(s, cwd)));
    const meshd = await resolveSpec(meshdSpec, cwd);
    const extra = await Promise.all(withSpecs.map((s) => resolveSpec(s, cwd)));
    const all = [meshd, ...plugins, ...extra];
    const name = path
      .basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
    const manifest = {
      name,
      version: '0.1.0',
      private: true,
      description: `A mesh daemon with ${plugins.map((p) => p.name).join(', ')}`,
      type: 'module',
      bin: { [name]: './daemon.js' },
      engines: { node: '>=20.19' },
      dependencies: Object.fromEntries(all.map((d) => [d.name, d.spec])),
      // Local tarballs win over registry ranges everywhere in the tree (one copy per package).
      overrides: Object.fromEntries(
        all.filter((d) => d.spec.startsWith('file:')).map((d) => [d.name, `$${d.name}`]),
      ),
    };
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
    writeFileSync(path.join(dir, 'daemon.js'), composeEntry(plugins.map((p) => p.name)), {
      mode: 0o755,
    });
    let installed = false;
    if (ctx.flags['no-install'] !== true) {
      ctx.progress(`installing ${all.length} packages with npm in ${dir}`);
      try {
        await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
          cwd: dir,
          env: { ...ctx.env, npm_config_workspaces: 'false' },
          maxBuffer: 16 * 1024 * 1024,
        });
      } catch (error) {
        throw new CliError(
          'unavailable',
          `npm install failed in ${dir}: ${(error as { stderr?: string }).stderr ?? String(error)}`,
          'check the plugin names and that the npm registry is reachable',
        );
      }
      installed = true;
    }
    return {
      dir,
      entry: path.join(dir, 'daemon.js'),
      plugins: plugins.map((p) => p.name),
      installed,
    };
  },
  human: (d: { dir: string; entry: string; plugins: string[]; installed: boolean }) =>
    `composed ${d.dir} with ${d.plugins.join(', ')}${d.installed ? '' : ' (not installed)'}\nrun it: node ${d.entry}`,
};
