import {
  createServiceRegistry,
  registerPlugin,
  registered,
  type Daemon,
  type Plugin,
} from '@mesh/daemonapi';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { PluginHost } from '../src/plugins/plugin-host.js';
import { noopLogger } from '@mesh/daemonapi';

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

let hangInit = false;
const never = new Promise<void>(() => {});
registerPlugin('omega', () => ({
  name: 'omega',
  payloadKinds: ['omega.hang'],
  init: () => (hangInit ? never : undefined),
  handlePayload: () => never,
  onPeerForgotten: (node) => (node === 666 ? never : undefined),
  shutdown: () => {},
}));

const fakeServices = createServiceRegistry();
const fakeDaemon = { services: () => fakeServices } as unknown as Daemon;

function host(extra: Partial<ConstructorParameters<typeof PluginHost>[0]> = {}): PluginHost {
  return new PluginHost({
    logger: noopLogger,
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
    expect(loaded).toEqual(['alpha', 'config-plugin', 'mid-slow', 'omega', 'zeta']);
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

  it('abandons a hung payload handler or forgotten-peer hook at the deadline', async () => {
    const bus = new EventBus();
    const timeouts: unknown[] = [];
    bus.on('plugin.hook_timeout', (e) => timeouts.push(e.payload));
    const h = host({ bus, hookTimeoutMs: 30 });
    await h.load(fakeDaemon);
    expect(await h.dispatch(5, 'omega.hang', new Uint8Array())).toBe(false);
    await h.peerForgotten(666); // returns although omega's hook never settles
    expect(timeouts).toEqual([
      { hook: 'handlePayload', timeout_ms: 30, kind: 'omega.hang', src_node_id: 5 },
      { hook: 'onPeerForgotten', timeout_ms: 30, node_id: 666 },
    ]);
    // A prompt hook publishes nothing.
    await h.peerForgotten(9);
    expect(timeouts).toHaveLength(2);
    const stopping = h.stop();
    releaseSlow();
    await stopping;
  });

  it('fails loading when a plugin init outlives the init deadline', async () => {
    hangInit = true;
    try {
      const h = host({ initTimeoutMs: 30 });
      const error = await h.load(fakeDaemon).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PLUGIN' });
      let cause: unknown = error;
      const names: string[] = [];
      while (cause instanceof Error) {
        names.push(cause.name);
        cause = cause.cause;
      }
      expect(names).toContain('PluginInitTimeoutError');
      releaseSlow();
    } finally {
      hangInit = false;
    }
  });

  it('reports a module that cannot be imported', async () => {
    const h = host({ modules: ['./does-not-exist.js'] });
    await expect(h.importModules()).rejects.toMatchObject({ code: 'PLUGIN' });
  });
});
