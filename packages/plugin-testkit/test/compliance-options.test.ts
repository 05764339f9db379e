import { describe, expect, it } from 'vitest';
import { checkPluginCompliance, createRecordingLogger } from '../src/index.js';
import type { HandshakeService, Plugin, RegistryClient } from '@mesh/daemonapi';

/** A plugin that refuses to start without a registry client and a handshake service. */
function needy(): Plugin {
  return {
    name: 'needy',
    init(daemon, { logger }) {
      if (daemon.registryClient() === undefined) throw new Error('needs a registry client');
      if (daemon.handshakeService() === undefined) throw new Error('needs the handshake service');
      logger.info('started');
    },
    shutdown() {},
  };
}

describe('compliance options', () => {
  it('daemonOptions and setup prepare the daemon before init', async () => {
    const logger = createRecordingLogger();
    const results = await checkPluginCompliance({
      name: 'needy',
      factory: needy,
      daemonOptions: { registryClient: {} as RegistryClient, logger },
      setup: ({ daemon }) => daemon.registerHandshakeService({} as HandshakeService),
    });
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(logger.entries.filter((e) => e.component === 'needy').length).toBeGreaterThan(0);
  });

  it('without them the failing init is reported, and skip leaves checks out', async () => {
    const results = await checkPluginCompliance({
      name: 'needy',
      factory: needy,
      skip: ['fault-isolation'],
    });
    expect(results.map((r) => r.check)).not.toContain('fault-isolation');
    expect(results.find((r) => r.check === 'clean-shutdown')?.failures).toEqual([
      'init threw Error: needs a registry client',
    ]);
  });
});
