import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  configFileOf,
  defaultConfigPath,
  loadConfigFile,
  resolveConfig,
} from '../src/config/config.js';
import { USAGE, parseMeshdArgs } from '../src/config/flags.js';
import { OPTIONS, flagName } from '../src/config/options.js';
import { rotatingFileWriter } from '../src/logging/rotating-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-opt-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('config keys', () => {
  it('rejects an unknown key, naming it and the closest valid key', async () => {
    const file = path.join(dir, 'meshd.json');
    writeFileSync(file, JSON.stringify({ hostnmae: 'alpha' }));
    await expect(loadConfigFile(file)).rejects.toThrow(
      /unknown key "hostnmae" \(did you mean "hostname"\?\)/,
    );
    writeFileSync(file, JSON.stringify({ log_levle: 'debug' }));
    await expect(loadConfigFile(file)).rejects.toThrow(/did you mean "log-level"/);
  });

  it('suggests the closest flag for a mistyped one', () => {
    expect(() => parseMeshdArgs(['--registy', 'x:1'])).toThrow(/did you mean --registry\?/);
  });

  it('loads $MESH_HOME/meshd.json when no --config is given', async () => {
    const env = { MESH_HOME: dir };
    expect(configFileOf({}, env)).toBeUndefined();
    writeFileSync(defaultConfigPath(env), JSON.stringify({ hostname: 'from-default' }));
    const file = configFileOf({}, env)!;
    expect(file).toBe(path.join(dir, 'meshd.json'));
    const c = resolveConfig({}, await loadConfigFile(file), env);
    expect(c).toMatchObject({ hostname: 'from-default', configPath: file });
    expect(USAGE).toContain('$MESH_HOME/meshd.json');
  });

  it('exposes the engine settings as flags and config keys', async () => {
    const flags = parseMeshdArgs([
      '--admin-token',
      'secret',
      '--trust-auto-approve',
      '--transport',
      'auto',
      '--beacon-ws',
      'ws://127.0.0.1:1/relay',
      '--endpoint',
      '203.0.113.5:4000',
      '--services',
      'echo,event-stream',
      '--dial-timeout',
      '3s',
      '--registry-timeout',
      '1500',
      '--keepalive',
      '2m',
    ]);
    const c = resolveConfig(flags, {}, { MESH_HOME: dir });
    expect(c).toMatchObject({
      adminToken: 'secret',
      trustAutoApprove: true,
      transport: 'auto',
      beaconWs: 'ws://127.0.0.1:1/relay',
      endpoint: '203.0.113.5:4000',
      services: { echo: true, dataExchange: false, eventStream: true },
      timeouts: { dial: 3000, registry: 1500, keepalive: 120_000 },
    });
    const file = path.join(dir, 'c.json');
    writeFileSync(
      file,
      JSON.stringify({ admin_token: 't', 'trust-auto-approve': true, services: ['none'] }),
    );
    expect(resolveConfig({}, await loadConfigFile(file), { MESH_HOME: dir })).toMatchObject({
      adminToken: 't',
      trustAutoApprove: true,
      services: { echo: false, dataExchange: false, eventStream: false },
    });
    expect(resolveConfig({}, {}, { MESH_HOME: dir, MESH_ADMIN_TOKEN: 'env' }).adminToken).toBe(
      'env',
    );
    for (const o of OPTIONS) expect(USAGE).toContain(`--${flagName(o.key)}`);
  });

  it('rejects bad values with the valid choices', () => {
    const env = { MESH_HOME: dir };
    expect(() => resolveConfig({ transport: 'tcp' }, {}, env)).toThrow(/udp, ws, auto/);
    expect(() => resolveConfig({ transport: 'ws' }, {}, env)).toThrow(/needs --beacon-ws/);
    expect(() => resolveConfig({ services: ['echoo'] }, {}, env)).toThrow(
      /unknown service "echoo" \(did you mean "echo"\?\)/,
    );
    expect(() => resolveConfig({ dialTimeout: 'soon' }, {}, env)).toThrow(/--dial-timeout/);
  });
});

describe('log rotation', () => {
  it('rotates the log file by size and keeps the configured number of old files', () => {
    const file = path.join(dir, 'meshd.log');
    const log = rotatingFileWriter({ file, maxBytes: 100, keep: 2 });
    const line = 'x'.repeat(39) + '\n'; // 40 bytes: two fit, the third rotates
    for (let i = 0; i < 7; i++) log.write(line);
    log.close();
    expect(readFileSync(file, 'utf8')).toBe(line);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe(line.repeat(2));
    expect(readFileSync(`${file}.2`, 'utf8')).toBe(line.repeat(2));
    expect(existsSync(`${file}.3`)).toBe(false);
  });
});
