import type {
  Daemon as DaemonContract,
  EventBus as BusContract,
  Identity as IdentityContract,
} from '@mesh/daemonapi';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import type { EventBus } from '../src/events/event-bus.js';
import type { Identity } from '../src/identity/identity.js';

describe('structural contract', () => {
  it('the engine class satisfies the daemonapi Daemon contract without importing it', () => {
    expectTypeOf<Daemon>().toExtend<DaemonContract>();
    expectTypeOf<EventBus>().toExtend<BusContract>();
    expectTypeOf<Identity>().toExtend<IdentityContract>();
    const engine = new Daemon({ registry: '127.0.0.1:1', loadPlugins: false });
    const asContract: DaemonContract = engine;
    expect(asContract.nodeId()).toBe(0);
    expect(asContract.trustAutoApprove()).toBe(false);
    expect(asContract.versionInfo().version).toMatch(/^\d+\.\d+\.\d+/);
  });
});
