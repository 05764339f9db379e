import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect } from '@mesh/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../src/config/config.js';
import { Meshd, statePaths } from '../src/daemon/meshd.js';
import { createLogger } from '../src/logging/logger.js';
import { LifecycleStubEngine } from './stub-engine.js';

let dir: string;
let lines: string[];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-d-'));
  lines = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function makeDaemon(
  configObj: Record<string, unknown> = {},
  extra: Partial<ConstructorParameters<typeof Meshd>[0]> = {},
) {
  const configPath = path.join(dir, 'meshd.json');
  writeFileSync(configPath, JSON.stringify(configObj));
  const flags = { config: configPath };
  const env = { MESH_HOME: path.join(dir, 'home') };
  const config = resolveConfig(flags, await loadConfigFile(configPath), env);
  const logger = createLogger({
    level: config.logLevel,
    format: 'json',
    write: (l) => lines.push(l),
  });
  const engine = new LifecycleStubEngine();
  const meshd = new Meshd({
    config,
    flags,
    logger,
    // As the real engine does, the stub starts with the configured node settings.
    createEngine: (c) => {
      engine.settings = { hostname: c.hostname, public: c.public, tags: [] };
      return engine;
    },
    version: 'test',
    ...extra,
  });
  return { meshd, engine, configPath, home: env.MESH_HOME };
}

describe('Meshd lifecycle', () => {
  it('claims the pid file, serves IPC, records start/stop, and cleans up on stop', async () => {
    const { meshd, engine, home } = await makeDaemon({ hostname: 'alpha' });
    await meshd.start();
    const files = statePaths(home);
    expect(readFileSync(files.pid, 'utf8').trim()).toBe(String(process.pid));
    expect(statSync(meshd.socketPath).mode & 0o777).toBe(0o600);
    expect(engine.started).toBe(true);
    const c = await connect(meshd.socketPath);
    expect(await c.info()).toMatchObject({
      hostname: 'alpha',
      registry_state: 'connected',
      pid: process.pid,
    });
    const second = (await makeDaemon()).meshd;
    await expect(second.start()).rejects.toMatchObject({ code: 'already_exists' });
    await c.close();
    await meshd.stop('test');
    await meshd.stop('again');
    expect(engine.stopped).toBe(true);
    expect(existsSync(files.pid)).toBe(false);
    expect(existsSync(meshd.socketPath)).toBe(false);
    const events = readFileSync(files.events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.link}:${e.type}`)).toEqual([
      'daemon:daemon_start',
      'registry:connect',
      'registry:closed',
      'daemon:daemon_stop',
    ]);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      level: 'info',
      msg: 'stopped',
      reason: 'test',
    });
  });

  it('reload re-reads the config file and applies log level, hostname, visibility and webhook', async () => {
    const { meshd, engine, configPath } = await makeDaemon({ 'log-level': 'warn' });
    await meshd.start();
    const before = lines.length;
    writeFileSync(
      configPath,
      JSON.stringify({
        log_level: 'info',
        hostname: 'renamed',
        public: true,
        webhook: 'http://127.0.0.1:9/h',
      }),
    );
    await meshd.reload();
    expect(lines.length).toBeGreaterThan(before); // info lines now pass the level filter
    const c = await connect(meshd.socketPath);
    expect(await c.info()).toMatchObject({
      hostname: 'renamed',
      public: true,
      webhook: 'http://127.0.0.1:9/h',
    });
    expect(engine.webhook).toBe('http://127.0.0.1:9/h');
    expect((await c.diag()).events.map((e) => e.type)).toContain('reload');
    await c.close();
    await meshd.stop();
  });

  it("reflects the engine's registry.* bus events in the link state and the event file", async () => {
    const { meshd, engine, home } = await makeDaemon();
    await meshd.start();
    expect(meshd.links.state('registry')).toBe('connected');
    engine.heartbeatResult = false;
    await engine.heartbeatNow();
    await expect.poll(() => meshd.links.state('registry')).toBe('disconnected');
    engine.heartbeatResult = true;
    await engine.heartbeatNow();
    await expect.poll(() => meshd.links.state('registry')).toBe('connected');
    const c = await connect(meshd.socketPath);
    expect((await c.info()).registry_state).toBe('connected');
    await c.close();
    await meshd.stop('test');
    const events = readFileSync(statePaths(home).events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => e.link === 'registry');
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['connect', 'register'],
      ['disconnect', 'heartbeat: registry unreachable'],
      [
        'reconnect',
        expect.stringMatching(
          /^heartbeat after \d+ ms down \(lost: heartbeat: registry unreachable\)$/,
        ),
      ],
      ['closed', 'daemon stopping'],
    ]);
  });

  it('after a wall-clock jump (sleep), heartbeats at once and records the wake', async () => {
    let clock = Date.parse('2026-01-01T00:00:00Z');
    const { meshd, engine } = await makeDaemon({}, { wake: { intervalMs: 5, now: () => clock } });
    await meshd.start();
    expect(engine.heartbeats).toEqual([]);
    engine.heartbeatResult = false; // the registry is not reachable yet after waking
    clock += 2 * 3_600_000;
    await expect.poll(() => engine.heartbeats.length).toBe(1);
    const c = await connect(meshd.socketPath);
    const diag = await c.diag();
    expect(diag.events.find((e) => e.type === 'wake')).toMatchObject({
      link: 'daemon',
      reason: 'wall-clock jump of 7200 s',
    });
    await expect.poll(() => meshd.links.state('registry')).toBe('disconnected');
    expect((await c.info()).registry_state).toBe('disconnected');
    await c.close();
    await meshd.stop();
  });
});
