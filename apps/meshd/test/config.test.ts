import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY, loadConfigFile, resolveConfig } from '../src/config/config.js';
import { UsageError, parseMeshdArgs } from '../src/config/flags.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-cfg-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('flags', () => {
  it('parses every flag, with repeatable comma-separated --plugins', () => {
    expect(
      parseMeshdArgs([
        '--registry',
        'r:1',
        '--beacon=b:2',
        '--listen',
        '127.0.0.1:0',
        '--socket',
        '/s',
        '--identity',
        '/id',
        '--hostname',
        'h',
        '--public',
        '--webhook',
        'http://w',
        '--plugins',
        'a,b',
        '--plugins',
        'c',
        '--log-level',
        'debug',
        '--log-format',
        'json',
        '--config',
        '/c.json',
      ]),
    ).toEqual({
      registry: 'r:1',
      beacon: 'b:2',
      listen: '127.0.0.1:0',
      socket: '/s',
      identity: '/id',
      hostname: 'h',
      public: true,
      webhook: 'http://w',
      plugins: ['a', 'b', 'c'],
      logLevel: 'debug',
      logFormat: 'json',
      config: '/c.json',
    });
  });

  it('rejects unknown flags and positionals as usage errors', () => {
    expect(() => parseMeshdArgs(['--nope'])).toThrow(UsageError);
    expect(() => parseMeshdArgs(['extra'])).toThrow(UsageError);
    expect(() => parseMeshdArgs(['--registry'])).toThrow(UsageError);
  });
});

describe('config resolution', () => {
  it('layers defaults < config file < environment < flags', async () => {
    const file = path.join(dir, 'meshd.json');
    writeFileSync(
      file,
      JSON.stringify({
        registry: 'file:1',
        beacon: 'file:2',
        'log-level': 'warn',
        log_format: 'json',
        hostname: 'from-file',
        public: true,
        plugins: ['p1'],
      }),
    );
    const fromFile = await loadConfigFile(file);
    const env = { MESH_HOME: dir, MESH_BEACON: 'env:2' };
    const c = resolveConfig({ registry: 'flag:1', plugins: ['p2'], config: file }, fromFile, env);
    expect(c).toMatchObject({
      home: dir,
      configPath: file,
      registry: 'flag:1',
      beacon: 'env:2',
      hostname: 'from-file',
      public: true,
      logLevel: 'warn',
      logFormat: 'json',
      plugins: ['p1', 'p2'],
      socket: path.join(dir, 'mesh.sock'),
      identity: path.join(dir, 'identity.json'),
    });
    const defaults = resolveConfig({}, {}, { MESH_HOME: dir });
    expect(defaults).toMatchObject({
      registry: DEFAULT_REGISTRY,
      beacon: undefined,
      listen: '0.0.0.0:0',
      logLevel: 'info',
      public: false,
    });
    expect(resolveConfig({}, {}, { MESH_HOME: dir, MESH_SOCKET: '/tmp/x.sock' }).socket).toBe(
      '/tmp/x.sock',
    );
    expect(
      resolveConfig(
        { socket: '/tmp/flag.sock' },
        {},
        { MESH_HOME: dir, MESH_SOCKET: '/tmp/x.sock' },
      ).socket,
    ).toBe('/tmp/flag.sock');
  });

  it('reports bad files and values as usage errors naming the problem', async () => {
    await expect(loadConfigFile(path.join(dir, 'missing.json'))).rejects.toThrow(
      /cannot read config file/,
    );
    writeFileSync(path.join(dir, 'bad.json'), '{');
    await expect(loadConfigFile(path.join(dir, 'bad.json'))).rejects.toThrow(/not valid JSON/);
    writeFileSync(path.join(dir, 'type.json'), '{"public":"yes"}');
    await expect(loadConfigFile(path.join(dir, 'type.json'))).rejects.toThrow(
      /"public" must be true or false/,
    );
    expect(() => resolveConfig({ logLevel: 'loud' }, {}, { MESH_HOME: dir })).toThrow(
      /--log-level/,
    );
  });

  it('refuses a hostname the registry would refuse, so meshd does not start with it', () => {
    const bad = (): unknown => resolveConfig({ hostname: 'Bad_Name' }, {}, { MESH_HOME: dir });
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(/--hostname: invalid hostname "Bad_Name".*lowercase.*"bad-name"/);
    expect(resolveConfig({ hostname: 'good-name' }, {}, { MESH_HOME: dir }).hostname).toBe(
      'good-name',
    );
  });
});

describe('registry failover and TLS flags', () => {
  it('takes several --registry addresses (repeated or comma-separated) and the TLS pin', () => {
    const flags = parseMeshdArgs([
      '--registry',
      '10.0.0.1:9000',
      '--registry=10.0.0.2:9000,10.0.0.3:9000',
      '--registry-fingerprint',
      'ab'.repeat(32),
    ]);
    const config = resolveConfig(flags, {}, { MESH_HOME: dir });
    expect(config.registry).toBe('10.0.0.1:9000,10.0.0.2:9000,10.0.0.3:9000');
    expect(config.registryTls).toBe(true);
    expect(config.registryFingerprint).toBe('ab'.repeat(32));
    const plain = resolveConfig(parseMeshdArgs([]), {}, { MESH_HOME: dir });
    expect(plain.registryTls).toBe(false);
    expect(
      resolveConfig(parseMeshdArgs(['--registry-tls']), {}, { MESH_HOME: dir }).registryTls,
    ).toBe(true);
  });
});
