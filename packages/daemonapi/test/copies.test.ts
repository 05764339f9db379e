/**
 * Two copies of the package in one process, as with two installed versions: the sources are
 * copied to separate temp directories, so each copy is a separate module graph with its own
 * module-level state. Only the `Symbol.for` global can connect them.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import * as local from '../src/index.js';
import { resetRegistry } from './helpers.js';

type Api = typeof local;

const srcDir = fileURLToPath(new URL('../src/', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'daemonapi-copies-'));

/** Copies the package sources to `root/<name>`, optionally stamped with another contract version. */
async function loadCopy(name: string, version?: string): Promise<Api> {
  const dir = path.join(root, name);
  cpSync(srcDir, dir, { recursive: true });
  if (version !== undefined) {
    const file = path.join(dir, 'version.ts');
    const text = readFileSync(file, 'utf8').replace(
      /CONTRACT_VERSION = '[^']+'/,
      `CONTRACT_VERSION = '${version}'`,
    );
    writeFileSync(file, text);
  }
  return (await import(pathToFileURL(path.join(dir, 'index.ts')).href)) as Api;
}

const plugin = (name: string): local.Plugin => ({ name, init: () => {}, shutdown: () => {} });

beforeEach(resetRegistry);
afterAll(() => {
  resetRegistry();
  rmSync(root, { recursive: true, force: true });
});

/** The registry only reads the daemon's service registry. */
function stubDaemon(): local.Daemon {
  const services = local.createServiceRegistry();
  return { services: () => services } as unknown as local.Daemon;
}

describe('two copies of @mesh/daemonapi in one process', () => {
  it('are really distinct modules', async () => {
    const copyA = await loadCopy('a');
    expect(copyA.registerPlugin).not.toBe(local.registerPlugin);
    expect(copyA.DuplicatePluginError).not.toBe(local.DuplicatePluginError);
  });

  it('share one registry', async () => {
    const copyA = await loadCopy('share-a');
    const copyB = await loadCopy('share-b', '0.2.9');
    copyA.registerPlugin('from-a', () => plugin('from-a'));
    copyB.registerPlugin('from-b', () => plugin('from-b'));
    local.registerPlugin('from-local', () => plugin('from-local'));
    for (const api of [copyA, copyB, local]) {
      expect(api.registered()).toEqual(['from-a', 'from-b', 'from-local']);
    }
    expect(() => copyB.registerPlugin('from-a', () => plugin('from-a'))).toThrow(
      /"from-a" is already registered/,
    );
    const loaded = await local.loadAll(stubDaemon());
    expect(loaded.map((p) => p.name)).toEqual(['from-a', 'from-b', 'from-local']);
  });

  it('refuses an incompatible major, naming both versions', async () => {
    const v1 = await loadCopy('major', '1.0.0');
    local.registerPlugin('first', () => plugin('first'));
    const attempt = (): void => v1.registerPlugin('second', () => plugin('second'));
    expect(attempt).toThrow(v1.IncompatibleContractError);
    expect(attempt).toThrow(
      `@mesh/daemonapi 1.0.0 cannot share the plugin registry with @mesh/daemonapi ${local.CONTRACT_VERSION}`,
    );
    expect(() => v1.registered()).toThrow(v1.IncompatibleContractError);
    await expect(v1.loadAll(stubDaemon())).rejects.toMatchObject({
      code: 'CONTRACT_INCOMPATIBLE',
      ownVersion: '1.0.0',
      registryVersion: local.CONTRACT_VERSION,
    });
    expect(local.registered()).toEqual(['first']);
  });

  it('refuses the other way round, when the newer copy came first', async () => {
    const v1 = await loadCopy('major-first', '1.0.0');
    v1.registerPlugin('first', () => plugin('first'));
    expect(() => local.registerPlugin('second', () => plugin('second'))).toThrow(
      `@mesh/daemonapi ${local.CONTRACT_VERSION} cannot share the plugin registry with @mesh/daemonapi 1.0.0`,
    );
  });

  it('treats a different 0.x minor as incompatible', async () => {
    const v03 = await loadCopy('minor', '0.3.0');
    local.registered();
    expect(() => v03.registerPlugin('x', () => plugin('x'))).toThrow(/0\.3\.0.*0\.2\.0/);
  });

  it('keeps the version of the copy that created the registry, sealed', async () => {
    const copy = await loadCopy('sealed', '0.2.5');
    copy.registered();
    const registry = (globalThis as Record<symbol, local.GlobalPluginRegistry>)[local.REGISTRY_KEY];
    expect(registry.version).toBe('0.2.5');
    expect(() => {
      (registry as { version: string }).version = '9.9.9';
    }).toThrow(TypeError);
    local.registered();
    expect(registry.version).toBe('0.2.5');
  });
});

describe('runtime loading with import()', () => {
  it('registers through the same call; the engine sees it in registered()', async () => {
    const copy = await loadCopy('runtime');
    local.registerPlugin('static', () => plugin('static'));
    const moduleFile = path.join(root, 'runtime-plugin.ts');
    writeFileSync(
      moduleFile,
      [
        `import { registerPlugin } from ${JSON.stringify(pathToFileURL(path.join(root, 'runtime', 'index.ts')).href)};`,
        `registerPlugin('runtime', () => ({ name: 'runtime', init() {}, shutdown() {} }));`,
        `export const loaded = true;`,
      ].join('\n'),
    );
    expect(local.registered()).toEqual(['static']);
    const mod = (await import(pathToFileURL(moduleFile).href)) as { loaded: boolean };
    expect(mod.loaded).toBe(true);
    expect(local.registered()).toEqual(['runtime', 'static']);
    expect(copy.registered()).toEqual(['runtime', 'static']);
    const plugins = await local.loadAll(stubDaemon());
    expect(plugins.map((p) => p.name)).toEqual(['runtime', 'static']);
  });

  it('a module registering a taken name fails at import time, naming the plugin', async () => {
    await loadCopy('dup');
    local.registerPlugin('echo', () => plugin('echo'));
    const moduleFile = path.join(root, 'dup-plugin.ts');
    writeFileSync(
      moduleFile,
      [
        `import { registerPlugin } from ${JSON.stringify(pathToFileURL(path.join(root, 'dup', 'index.ts')).href)};`,
        `registerPlugin('echo', () => ({ name: 'echo', init() {}, shutdown() {} }));`,
      ].join('\n'),
    );
    await expect(import(pathToFileURL(moduleFile).href)).rejects.toMatchObject({
      name: 'DuplicatePluginError',
      code: 'PLUGIN_DUPLICATE',
      plugin: 'echo',
      message: expect.stringContaining('plugin "echo" is already registered'),
    });
    expect(local.registered()).toEqual(['echo']);
  });
});
