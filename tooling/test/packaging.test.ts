/**
 * "Install individual packages from npm", proven: pack every publishable workspace package the way
 * `pnpm publish` would (workspace: ranges rewritten), install the tarballs together with plain npm
 * into a project outside the workspace (the README's "Installing from tarballs" command), and
 * import every entry point of every library there. The three binaries install with
 * `npm install -g` into a temporary prefix (never the machine's global one) and run from its bin/.
 *
 * Needs built packages (`pnpm build`; the README test command builds before it tests).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
}

const publishable = ['packages', 'apps']
  .flatMap((group) =>
    readdirSync(path.join(repoRoot, group)).map((dir) => path.join(repoRoot, group, dir)),
  )
  .filter((dir) => existsSync(path.join(dir, 'package.json')))
  .map((dir) => ({
    dir,
    manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest,
  }))
  .filter(({ manifest }) => !manifest.private);

/** Every import specifier a package offers, e.g. `@mesh/wire` and `@mesh/wire/node`. */
const entryPoints = (manifest: Manifest): string[] =>
  Object.keys(manifest.exports ?? { '.': null })
    .filter((subpath) => !subpath.endsWith('.json'))
    .map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));

const libraries = publishable.filter(({ manifest }) => manifest.bin === undefined);
const binaries = publishable.filter(({ manifest }) => manifest.bin !== undefined);

describe('packed tarballs install with npm and import outside the workspace', () => {
  let work: string;
  let files: string[];

  beforeAll(async () => {
    for (const { dir, manifest } of publishable)
      if (!existsSync(path.join(dir, 'dist')))
        throw new Error(`${manifest.name} has no dist/ — run \`pnpm build\` before this test.`);
    work = mkdtempSync(path.join(tmpdir(), 'mesh-pack-'));
    const tarballs = path.join(work, 'tarballs');
    for (const { dir } of publishable)
      await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
    const project = path.join(work, 'project');
    await run('mkdir', ['-p', project]);
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
    );
    files = readdirSync(tarballs).map((file) => path.join(tarballs, file));
    // --ignore-scripts: native add-ons are not built; packages must load their native parts lazily.
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...files],
      {
        cwd: project,
        env: { ...process.env, npm_config_workspaces: 'false' },
      },
    );
  }, 300_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('installs no workspace links and rewrites every workspace: range', () => {
    for (const { manifest } of publishable) {
      const installed = path.join(work, 'project', 'node_modules', ...manifest.name.split('/'));
      const installedManifest = readFileSync(path.join(installed, 'package.json'), 'utf8');
      expect(installedManifest, manifest.name).not.toContain('workspace:');
      expect(existsSync(path.join(installed, 'src')), `${manifest.name} ships no sources`).toBe(
        false,
      );
    }
  });

  it('publishes the three binaries', () => {
    expect(binaries.map(({ manifest }) => manifest.name).sort()).toEqual([
      'mesh-rendezvous',
      'meshctl',
      'meshd',
    ]);
  });

  it('installs the binaries with npm install -g into a prefix, and they run', async () => {
    const prefix = path.join(work, 'global');
    // --ignore-scripts: no native build; the commands below must not need better-sqlite3.
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        ...files,
      ],
      { env: { ...process.env, npm_config_workspaces: 'false' } },
    );
    const bin = (name: string): string => path.join(prefix, 'bin', name);
    const version = (name: string): string =>
      (
        JSON.parse(readFileSync(path.join(repoRoot, 'apps', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    const env = { ...process.env, PATH: `${path.join(prefix, 'bin')}:${process.env['PATH']}` };
    const meshctl = await run(bin('meshctl'), ['--version'], { env });
    expect(meshctl.stdout).toContain(`meshctl ${version('meshctl')}`);
    const meshd = await run(bin('meshd'), ['--version'], { env });
    expect(meshd.stdout).toMatch(/^meshd \d+\.\d+\.\d+/);
    const rendezvous = await run(bin('mesh-rendezvous'), ['--help'], { env });
    expect(rendezvous.stdout).toContain('Usage: mesh-rendezvous');
  });

  it.each(libraries.map(({ manifest }) => [manifest.name, manifest] as const))(
    'imports every entry point of %s',
    async (_name, manifest) => {
      const script = `
        const out = {};
        for (const spec of ${JSON.stringify(entryPoints(manifest))}) out[spec] = Object.keys(await import(spec)).length;
        console.log(JSON.stringify(out));`;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: path.join(work, 'project'),
      });
      const counts = JSON.parse(stdout) as Record<string, number>;
      expect(Object.keys(counts)).toEqual(entryPoints(manifest));
      for (const [spec, count] of Object.entries(counts))
        expect(count, `${spec} exports something`).toBeGreaterThan(0);
    },
  );
});
