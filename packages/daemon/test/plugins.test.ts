import { registerPlugin, registered, type Daemon, type Plugin } from '@mesh/daemonapi';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { PluginHost } from '../src/plugins/plugin-host.js';
import { silentLogger } from '../src/util/logger.js';

const order: string[] = [];
let releaseSlow: () => void = () => {};
let slowSignal: AbortSignal | undefined;

function plugin(name: string, extra: Partial<Plugin> = {}): Plugin {
  return {
    name,
    init: () => {
      order.push(`init:${name}`);
    },
    shutdown: () => {
      order.push(`shutdown:${name}`);
    },
    ...extra,
  };
}

registerPlugin('zeta', () => plugin('zeta'));
registerPlugin('alpha', () =>
  plugin('alpha', {
    payloadKinds: ['alpha.msg'],
    handlePayload: (source, payload) => {
      order.push(`payload:${source}:${payload.kind}:${new TextDecoder().decode(payload.body)}`);
    },
    onPeerForgotten: (node) => {
      order.push(`forgot:alpha:${node}`);
    },
  }),
);
registerPlugin('mid-slow', () =>
  plugin('mid-slow', {
    shutdown: (signal) => {
      order.push('shutdown:mid-slow');
      slowSignal = signal;
      // Never finishes on its own: the host's deadline must cut it off.
      return new Promise<void>((resolve) => (releaseSlow = resolve));
    },
    onPeerForgotten: () => {
      throw new Error('hook failure is contained');
    },
  }),
);

const fakeDaemon = {} as Daemon;

function host(extra: Partial<ConstructorParameters<typeof PluginHost>[0]> = {}): PluginHost {
  return new PluginHost({
    logger: silentLogger,
    shutdownTimeoutMs: 200,
    bus: new EventBus(),
    ...extra,
  });
}

describe('PluginHost', () => {
  it('imports config-named modules (registering them) before loading, then loads in sorted order', async () => {
    order.length = 0;
    const h = host({
      modules: [fileURLToPath(new URL('./fixtures/config-plugin.ts', import.meta.url))],
    });
    expect(registered()).not.toContain('config-plugin');
    await h.importModules();
    expect(registered()).toContain('config-plugin');
    const bus = new EventBus();
    const h2 = host({ bus });
    const loaded: string[] = [];
    bus.on('plugin.loaded', (e) => loaded.push(e.payload.name as string));
    await h2.load(fakeDaemon);
    expect(order).toEqual(['init:alpha', 'init:mid-slow', 'init:zeta']);
    expect(loaded).toEqual(['alpha', 'config-plugin', 'mid-slow', 'zeta']);
    expect((globalThis as Record<string, unknown>)['__configPluginLog']).toEqual(['init']);

    // Shutdown runs in reverse order, and a plugin that hangs is cut off at the deadline.
    order.length = 0;
    const failed = await h2.stop();
    expect(failed).toEqual(['mid-slow']);
    expect(order).toEqual(['shutdown:zeta', 'shutdown:mid-slow', 'shutdown:alpha']);
    expect(slowSignal?.aborted).toBe(true);
    expect(h2.signal.aborted).toBe(true);
    releaseSlow();
  });

  it('dispatches payloads by kind and notifies every plugin of forgotten peers', async () => {
    order.length = 0;
    const h = host();
    await h.load(fakeDaemon);
    order.length = 0;
    expect(await h.dispatch(7, 'alpha.msg', new TextEncoder().encode('hi'))).toBe(true);
    expect(await h.dispatch(7, 'nobody.msg', new Uint8Array())).toBe(false);
    await h.peerForgotten(9);
    expect(order).toEqual(['payload:7:alpha.msg:hi', 'forgot:alpha:9']);
    const stopping = h.stop();
    releaseSlow();
    await stopping;
  });

  it('reports a module that cannot be imported', async () => {
    const h = host({ modules: ['./does-not-exist.js'] });
    await expect(h.importModules()).rejects.toMatchObject({ code: 'PLUGIN' });
  });
});
