import { afterAll, describe, expect, it } from 'vitest';
import { defineService } from '@mesh/daemonapi';
import { checkPluginCompliance, complianceChecks } from '../src/index.js';
import type { Daemon, Plugin } from '@mesh/daemonapi';
import type { ComplianceCheckId, ComplianceResult, PluginComplianceOptions } from '../src/index.js';
import { BrokenPlugin, leakedServers, leakedTimers } from './plugins/broken.js';

afterAll(async () => {
  for (const timer of leakedTimers.splice(0)) clearInterval(timer);
  await Promise.all(
    leakedServers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

describe('the compliance suite on a deliberately broken plugin', () => {
  let results: ComplianceResult[];
  const failures = (id: ComplianceCheckId): readonly string[] =>
    results.find((r) => r.check === id)?.failures ?? [];

  it('runs every check and fails each one', async () => {
    // A short deadline: the broken plugin's shutdown never returns, so each check waits it out.
    results = await checkPluginCompliance({
      name: 'broken',
      factory: () => new BrokenPlugin(),
      deadlineMs: 250,
    });
    expect(results.map((r) => r.check)).toEqual(complianceChecks.map((c) => c.id));
    for (const result of results) expect(result.failures, result.check).not.toEqual([]);
  });

  it('reports the unstable, mismatched name', () => {
    expect(failures('stable-name')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^factory built a plugin named "broken-\d+-\d+", registered as "broken"$/,
        ),
        'name changes between reads',
        expect.stringMatching(/^a second instance is named/),
      ]),
    );
  });

  it('reports every leaked resource and the stuck shutdown', () => {
    expect(failures('clean-shutdown')).toEqual(
      expect.arrayContaining([
        'shutdown did not return within 250 ms',
        'port(s) still bound: 9',
        'IPC method(s) still registered: broken.poke',
        '1 open connection(s) left open',
        '1 event-bus subscription(s) left open',
        '1 interval timer(s) still running after shutdown',
        'process has 1 more TCPServerWrap after shutdown',
      ]),
    );
  });

  it('reports the ignored deadline', () => {
    expect(failures('shutdown-deadline')).toEqual([
      'shutdown was still running 250 ms after its signal was aborted',
    ]);
  });

  it('reports the harmful second shutdown and shutdown without init', () => {
    expect(failures('repeat-shutdown')).toEqual(
      expect.arrayContaining([
        'first shutdown did not return within 250 ms',
        'second shutdown threw Error: already shut down',
      ]),
    );
    expect(failures('shutdown-without-init')).toEqual([
      "shutdown without init threw TypeError: Cannot read properties of undefined (reading 'ports')",
    ]);
  });

  it('reports that its payload handler broke another plugin, while the hooks were still contained', () => {
    const isolation = failures('fault-isolation');
    expect(isolation).toContain("another plugin's port stopped serving");
    // The throwing hooks themselves are contained: the witness heard about both forgotten peers.
    expect(isolation).not.toContain('another plugin was not told about every forgotten peer');
    expect(isolation).not.toContain('the daemon was stopped');
  });

  it('reports the non-semver version and the service left installed', () => {
    expect(failures('declarations')).toEqual([
      'version "latest" is not a semver string (1.2.3)',
      'shutdown did not return within 250 ms',
      '"broken.service" is still installed after shutdown; call the remover `provide` returned',
    ]);
  });
});

describe('the declarations check', () => {
  const Provided = defineService<{ n: number }>('declared.provided');
  const Needed = defineService<{ n: number }>('declared.needed');
  const plugin = (overrides: Partial<Plugin>, onInit?: (d: Daemon) => () => void): Plugin => {
    let undo: (() => void) | undefined;
    return {
      name: 'declared',
      init: (daemon) => void (undo = onInit?.(daemon)),
      shutdown: () => {
        undo?.();
        undo = undefined;
      },
      ...overrides,
    };
  };
  const run = async (options: Omit<PluginComplianceOptions, 'name'>) =>
    (
      await checkPluginCompliance({
        name: 'declared',
        ...options,
        skip: complianceChecks.map((c) => c.id).filter((id) => id !== 'declarations'),
      })
    )[0]?.failures;

  it('passes a plugin that installs what it provides and removes it at shutdown', async () => {
    expect(
      await run({
        factory: () =>
          plugin({ version: '1.2.0-rc.1', provides: [Provided] }, (d) =>
            d.services().provide(Provided, { n: 1 }),
          ),
      }),
    ).toEqual([]);
  });

  it('reports a provided service init never installs, or shutdown leaves behind', async () => {
    expect(await run({ factory: () => plugin({ provides: [Provided] }) })).toEqual([
      'declares it provides "declared.provided", but init did not install it',
    ]);
    expect(
      await run({
        factory: () =>
          plugin({ provides: [Provided] }, (d) => {
            d.services().provide(Provided, { n: 1 });
            return () => {};
          }),
      }),
    ).toEqual([
      '"declared.provided" is still installed after shutdown; call the remover `provide` returned',
    ]);
  });

  it('reports an unmet need, and accepts one that setup meets', async () => {
    const needy = () => plugin({ needs: [Needed] });
    expect((await run({ factory: needy }))?.[0]).toMatch(
      /^needs "declared.needed", which nothing provides/,
    );
    expect(
      await run({
        factory: needy,
        setup: ({ daemon }) => void daemon.services().provide(Needed, { n: 2 }),
      }),
    ).toEqual([]);
  });
});

describe('the compliance suite on a plugin whose init never settles', () => {
  it('reports the stuck init in every check that starts the plugin, and does not hang', async () => {
    let shutdowns = 0;
    const results = await checkPluginCompliance({
      name: 'stuck',
      factory: () => ({
        name: 'stuck',
        init: () => new Promise<void>(() => {}),
        shutdown: () => void shutdowns++,
      }),
      deadlineMs: 100,
    });
    const byCheck = Object.fromEntries(results.map((r) => [r.check, r.failures]));
    expect(byCheck).toEqual({
      'stable-name': [],
      'clean-shutdown': ['init did not return within 100 ms'],
      'shutdown-deadline': ['init did not return within 100 ms'],
      'repeat-shutdown': ['init did not return within 100 ms'],
      'shutdown-without-init': [],
      'fault-isolation': ['loading beside another plugin did not return within 100 ms'],
      // Declares nothing, so nothing to start.
      declarations: [],
    });
    // clean-shutdown still shuts the half-started plugin down, as loadAll's rollback would.
    expect(shutdowns).toBeGreaterThan(0);
  });
});
