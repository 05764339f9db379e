import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { REGISTRY_EVENTS } from '@mesh/daemon';
import { EventBus, RegistryLink } from '@mesh/daemon/internals';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LinkMonitor } from '../src/daemon/link-monitor.js';
import { ConnectionEventLog } from '../src/lifecycle/event-log.js';

let dir: string;
let file: string;
let log: ConnectionEventLog;
let monitor: LinkMonitor;
let bus: EventBus;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshd-links-'));
  file = path.join(dir, 'connection-events.jsonl');
  let t = Date.parse('2026-01-01T00:00:00Z');
  log = new ConnectionEventLog({ file, now: () => (t += 1000) });
  monitor = new LinkMonitor(log);
  bus = new EventBus(() => 1);
  monitor.follow(bus);
});
afterEach(() => {
  monitor.stop();
  rmSync(dir, { recursive: true, force: true });
});

const onDisk = (): unknown[] =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('LinkMonitor', () => {
  it("records the engine's registry connect, disconnect and reconnect events with their reasons", async () => {
    // The engine's own tracker publishes the transitions; duplicates are its job to drop.
    const link = new RegistryLink(bus, '127.0.0.1:9000');
    link.reached('register');
    link.reached('heartbeat');
    await expect.poll(() => monitor.state('registry')).toBe('connected');
    link.lost('heartbeat: connect ECONNREFUSED 127.0.0.1:9000');
    link.lost('lookup: timeout');
    await expect.poll(() => monitor.state('registry')).toBe('disconnected');
    link.reached('register');
    await expect.poll(() => monitor.state('registry')).toBe('connected');
    const ring = log.snapshot();
    expect(ring.map(({ type, link: l, reason }) => ({ type, link: l, reason }))).toEqual([
      { type: 'connect', link: 'registry', reason: 'register' },
      {
        type: 'disconnect',
        link: 'registry',
        reason: 'heartbeat: connect ECONNREFUSED 127.0.0.1:9000',
      },
      {
        type: 'reconnect',
        link: 'registry',
        reason: expect.stringMatching(
          /^register after \d+ ms down \(lost: heartbeat: connect ECONNREFUSED 127\.0\.0\.1:9000\)$/,
        ),
      },
    ]);
    // The persisted ring keeps its format: one {v, type, at, link, reason} object per line.
    expect(onDisk()).toEqual(ring);
    expect(ring[1]).toEqual({
      v: 1,
      type: 'disconnect',
      at: '2026-01-01T00:00:02.000Z',
      link: 'registry',
      reason: 'heartbeat: connect ECONNREFUSED 127.0.0.1:9000',
    });
    expect(monitor.snapshot()['registry']).toEqual({
      state: 'connected',
      since: '2026-01-01T00:00:03.000Z',
    });
  });

  it('formats a reconnect from its payload and records a graceful deregistration as closed', async () => {
    bus.publish(REGISTRY_EVENTS.connected, { registry: 'r:1', reason: 'register' });
    bus.publish(REGISTRY_EVENTS.disconnected, { registry: 'r:1', reason: 'heartbeat: timeout' });
    bus.publish(REGISTRY_EVENTS.reconnected, {
      registry: 'r:1',
      reason: 'heartbeat',
      lost_reason: 'heartbeat: timeout',
      down_ms: 4200,
    });
    await expect.poll(() => log.snapshot().length).toBe(3);
    expect(log.snapshot()[2]?.reason).toBe(
      'heartbeat after 4200 ms down (lost: heartbeat: timeout)',
    );
    bus.publish('node.registered', { address: '0:0000.0000.0001' }); // not a link event
    bus.publish('node.deregistered', { address: '0:0000.0000.0001' });
    await expect.poll(() => monitor.state('registry')).toBe('closed');
    expect(log.snapshot().map((e) => `${e.type}:${e.reason ?? ''}`)).toEqual([
      'connect:register',
      'disconnect:heartbeat: timeout',
      'reconnect:heartbeat after 4200 ms down (lost: heartbeat: timeout)',
      'closed:daemon stopping',
    ]);
    expect(onDisk()).toHaveLength(4);
  });

  it('stop ends both subscriptions', () => {
    expect(bus.subscriberCount).toBe(2);
    monitor.stop();
    expect(bus.subscriberCount).toBe(0);
  });
});
