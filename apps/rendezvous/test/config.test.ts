import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError, helpText, parseCommandLine, parseDuration } from '../src/cli/config.js';
import { DEFAULTS, FLAGS } from '../src/cli/flags.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rendezvous-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function configFile(content: unknown): string {
  const file = path.join(dir, 'config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function run(argv: string[], env: Record<string, string> = {}) {
  const r = parseCommandLine(argv, env);
  if (r.kind !== 'run') throw new Error('expected run');
  return r.config;
}

describe('parseCommandLine', () => {
  it('uses the defaults with no flags', () => {
    expect(run([])).toEqual(DEFAULTS);
  });

  it('reads every flag', () => {
    expect(
      run([
        '--registry-addr=127.0.0.1:1',
        '--beacon-addr',
        '127.0.0.1:2',
        '--ws-addr=',
        '--beacon-advertise=beacon.example:2',
        '--beacon-id=77',
        '--store=postgres://mesh@db.example/mesh',
        '--accept-data-loss',
        '--tls',
        '--tls-cert=/etc/mesh/cert.pem',
        '--tls-key=/etc/mesh/key.pem',
        '--beacon-peers=10.0.0.2:9001,10.0.0.3:9001',
        '--stale-after=90s',
        '--admin-token=secret',
        '--metrics-addr=127.0.0.1:3',
        '--log-level=debug',
        '--log-format=json',
        '--beacon-short-replies',
        '--beacon-require-proof',
      ]),
    ).toEqual({
      registryAddr: '127.0.0.1:1',
      beaconAddr: '127.0.0.1:2',
      wsAddr: '',
      beaconAdvertise: 'beacon.example:2',
      beaconShortReplies: true,
      beaconRequireProof: true,
      beaconId: '77',
      store: 'postgres://mesh@db.example/mesh',
      acceptDataLoss: true,
      tls: true,
      tlsCert: '/etc/mesh/cert.pem',
      tlsKey: '/etc/mesh/key.pem',
      beaconPeers: '10.0.0.2:9001,10.0.0.3:9001',
      staleAfter: '90s',
      adminToken: 'secret',
      metricsAddr: '127.0.0.1:3',
      logLevel: 'debug',
      logFormat: 'json',
    });
  });

  it('merges flags over environment over config file over defaults', () => {
    const file = configFile({
      registry_addr: '10.0.0.1:9000',
      beaconAddr: '10.0.0.1:9001',
      'log-level': 'warn',
      admin_token: 'from-file',
    });
    const config = run(['--config', file, '--log-level=error'], { MESH_ADMIN_TOKEN: 'from-env' });
    expect(config).toMatchObject({
      registryAddr: '10.0.0.1:9000',
      beaconAddr: '10.0.0.1:9001',
      logLevel: 'error',
      adminToken: 'from-env',
      store: DEFAULTS.store,
    });
    expect(
      run(['--config', file, '--admin-token=flag'], { MESH_ADMIN_TOKEN: 'env' }).adminToken,
    ).toBe('flag');
    expect(run(['--config', file]).adminToken).toBe('from-file');
  });

  it('answers --help and -h', () => {
    expect(parseCommandLine(['--help'])).toEqual({ kind: 'help' });
    expect(parseCommandLine(['-h', '--store=x'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], 'bogus'],
    [['--store'], 'store'],
    [['positional'], 'positional'],
    [['--log-level=loud'], 'log-level'],
    [['--log-format', 'xml'], 'log-format'],
    [['--stale-after=soon'], 'stale-after'],
    [['--stale-after=0s'], 'stale-after'],
    [['--beacon-id=0'], 'beacon-id'],
    [['--beacon-id=4294967296'], 'beacon-id'],
    [['--beacon-id=x'], 'beacon-id'],
  ])('rejects %j', (argv, text) => {
    expect(() => parseCommandLine(argv)).toThrowError(UsageError);
    expect(() => parseCommandLine(argv)).toThrowError(new RegExp(text));
  });

  it.each([
    ['{not json', 'not valid JSON'],
    ['[1,2]', 'JSON object'],
    [{ unknown_key: 'x' }, 'unknown key'],
    [{ store: { nested: true } }, 'must be a string'],
    [{ log_format: 'xml' }, 'log-format'],
  ])('rejects config file %j', (content, text) => {
    const file = configFile(content);
    expect(() => parseCommandLine(['--config', file])).toThrowError(new RegExp(text));
  });

  it('rejects a missing config file', () => {
    expect(() => parseCommandLine(['--config', path.join(dir, 'nope.json')])).toThrowError(
      /cannot read config file/,
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text, 'x')).toBe(ms);
  });
});

describe('helpText', () => {
  it('documents every flag with its default', () => {
    const text = helpText();
    for (const flag of FLAGS) expect(text).toContain(`--${flag.name}`);
    expect(text).toContain('default ":9000"');
    expect(text).toContain('MESH_ADMIN_TOKEN');
  });
});
