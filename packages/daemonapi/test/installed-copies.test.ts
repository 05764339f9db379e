/**
 * Two installed versions of `@mesh/daemonapi`, resolved the way Node resolves them: the engine's
 * copy at the top of `node_modules`, and each plugin package with its own nested copy. The
 * child process is plain Node (tsx only strips the types), with no test runner's module system
 * in between, so the only thing connecting the copies is the `Symbol.for` global.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { CONTRACT_VERSION } from '../src/index.js';

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'daemonapi-installed-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The ESM loader of tsx (a workspace dev tool), as an `--import` URL. */
function tsxLoader(): string {
  const manifestPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: { '.': string | { import?: string } };
  };
  const entry = manifest.exports['.'];
  const relative = typeof entry === 'string' ? entry : (entry.import ?? './dist/loader.mjs');
  return pathToFileURL(path.join(path.dirname(manifestPath), relative)).href;
}

/** Installs a copy of this package's sources at `dir`, stamped with `version`. */
function installDaemonApi(dir: string, version: string): void {
  cpSync(srcDir, path.join(dir, 'src'), { recursive: true });
  const versionFile = path.join(dir, 'src', 'version.ts');
  writeFileSync(
    versionFile,
    readFileSync(versionFile, 'utf8').replace(
      /CONTRACT_VERSION = '[^']+'/,
      `CONTRACT_VERSION = '${version}'`,
    ),
  );
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: '@mesh/daemonapi', version, type: 'module', exports: './src/index.ts' }),
  );
}

/** Installs a plugin package `name` that registers itself on import, with its own nested copy. */
function installPlugin(name: string, daemonApiVersion: string): void {
  const dir = path.join(root, 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, type: 'module', exports: './index.js' }),
  );
  writeFileSync(
    path.join(dir, 'index.js'),
    `import { registerPlugin } from '@mesh/daemonapi';\n` +
      `registerPlugin(${JSON.stringify(name)}, () => ({ name: ${JSON.stringify(name)}, init() {}, shutdown() {} }));\n`,
  );
  installDaemonApi(path.join(dir, 'node_modules', '@mesh', 'daemonapi'), daemonApiVersion);
}

interface EngineReport {
  distinct: boolean;
  registered: string[];
  loaded: string[];
  incompatible: { name: string; code: string; message: string } | null;
  registeredAfter: string[];
  registryVersion: string;
}

it('an engine and plugins with their own installed copies share one registry; a different major is refused', async () => {
  installDaemonApi(path.join(root, 'node_modules', '@mesh', 'daemonapi'), CONTRACT_VERSION);
  installPlugin('plugin-same-minor', CONTRACT_VERSION.replace(/\.\d+$/, '.99'));
  installPlugin('plugin-next-major', '1.0.0');
  writeFileSync(path.join(root, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(
    path.join(root, 'engine.js'),
    `
import * as api from '@mesh/daemonapi';
api.registered(); // the engine starts first, so its copy creates the registry
const nested = await import('./node_modules/plugin-same-minor/node_modules/@mesh/daemonapi/src/index.ts');
await import('plugin-same-minor');
const report = { distinct: nested.registerPlugin !== api.registerPlugin, registered: api.registered() };
const services = api.createServiceRegistry();
const plugins = await api.loadAll({ services: () => services });
report.loaded = plugins.map((p) => p.name);
await api.shutdownAll(plugins);
try {
  await import('plugin-next-major');
  report.incompatible = null;
} catch (error) {
  report.incompatible = { name: error.name, code: error.code, message: error.message };
}
report.registeredAfter = api.registered();
report.registryVersion = globalThis[api.REGISTRY_KEY].version;
process.stdout.write(JSON.stringify(report));
`,
  );
  const child = spawn(process.execPath, ['--import', tsxLoader(), 'engine.js'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code, stderr).toBe(0);

  const report = JSON.parse(stdout) as EngineReport;
  expect(report.distinct).toBe(true);
  expect(report.registered).toEqual(['plugin-same-minor']);
  expect(report.loaded).toEqual(['plugin-same-minor']);
  expect(report.incompatible).toEqual({
    name: 'IncompatibleContractError',
    code: 'CONTRACT_INCOMPATIBLE',
    message: expect.stringContaining(
      `@mesh/daemonapi 1.0.0 cannot share the plugin registry with @mesh/daemonapi ${CONTRACT_VERSION}`,
    ),
  });
  expect(report.registeredAfter).toEqual(['plugin-same-minor']);
  expect(report.registryVersion).toBe(CONTRACT_VERSION);
});
