import { registerPlugin, type Daemon as DaemonContract } from '@mesh/daemonapi';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';
import { startRendezvous, type Rendezvous } from './harness.js';

const log: string[] = [];
let shutdownSawTransport = false;

registerPlugin('static-a', () => ({
  name: 'static-a',
  init: (daemon: DaemonContract, ctx) => {
    log.push(`init static-a node=${daemon.nodeId()} signal=${ctx.signal.aborted}`);
    daemon.registerMethod('static-a.hello', () => 'hi');
  },
  shutdown: () => {
    log.push('shutdown static-a');
  },
}));
registerPlugin('static-z-hangs', () => ({
  name: 'static-z-hangs',
  init: (daemon: DaemonContract) => {
    log.push('init static-z-hangs');
    // The daemon must still work while plugins shut down: check the port table then.
    (globalThis as Record<string, unknown>)['__engine'] = daemon;
  },
  shutdown: () => {
    log.push('shutdown static-z-hangs');
    const engine = (globalThis as Record<string, unknown>)['__engine'] as DaemonContract;
    shutdownSawTransport = engine.ports() !== undefined && engine.nodeId() > 0;
    return new Promise<void>(() => {}); // never resolves: cut off by the deadline
  },
}));

let rv: Rendezvous;
beforeAll(async () => {
  rv = await startRendezvous();
});
afterAll(async () => {
  await rv.close();
});

describe('Daemon plugin loading', () => {
  it('imports config-named plugins, loads all after the engine is ready, shuts them down first with a deadline', async () => {
    const daemon = new Daemon({
      registry: rv.registryAddr,
      listen: '127.0.0.1:0',
      plugins: [fileURLToPath(new URL('./fixtures/daemon-plugin.ts', import.meta.url))],
      pluginShutdownTimeoutMs: 100,
    });
    const ready = new Promise((resolve) =>
      daemon.bus().on('from-config.ready', (e) => resolve(e.payload)),
    );
    await daemon.start();
    const id = daemon.nodeId();
    expect(await ready).toEqual({ node: id });
    expect(daemon.pluginNames()).toEqual([
      'from-config',
      'payload-sink',
      'static-a',
      'static-z-hangs',
    ]);
    expect(log).toEqual([`init static-a node=${id} signal=false`, 'init static-z-hangs']);
    expect((globalThis as Record<string, unknown>)['__daemonPluginSeen']).toEqual([
      `init node=${id}`,
    ]);
    expect(daemon.methodNames()).toContain('static-a.hello');

    const failed = new Promise((resolve) =>
      daemon.bus().on('plugin.shutdown_failed', (e) => resolve(e.payload)),
    );
    await daemon.stop();
    expect(daemon.state).toBe('stopped');
    expect(log.slice(2)).toEqual(['shutdown static-z-hangs', 'shutdown static-a']);
    expect((globalThis as Record<string, unknown>)['__daemonPluginSeen']).toEqual([
      `init node=${id}`,
      'shutdown',
    ]);
    expect(shutdownSawTransport).toBe(true);
    expect(await failed).toMatchObject({ plugins: ['static-z-hangs'] });
  });
});

const payloads: string[] = [];
registerPlugin('payload-sink', () => {
  let self = 0;
  let send: ((node: number, body: string) => Promise<void>) | undefined;
  return {
    name: 'payload-sink',
    payloadKinds: ['sink.msg'],
    init: (daemon, ctx) => {
      self = daemon.nodeId();
      send = async (node, body) =>
        ctx.control!.sendDirect(node, { kind: 'sink.msg', body: new TextEncoder().encode(body) });
      (globalThis as Record<string, unknown>)[`__send${self}`] = send;
    },
    handlePayload: (source, payload) => {
      payloads.push(`${self}<-${source}:${payload.kind}:${new TextDecoder().decode(payload.body)}`);
    },
    shutdown: () => {},
  };
});

describe('plugin payloads between daemons', () => {
  it('sends a payload through the tunnel to the plugin claiming its kind', async () => {
    const start = async (): Promise<Daemon> => {
      const d = new Daemon({
        registry: rv.registryAddr,
        listen: '127.0.0.1:0',
        public: true,
        pluginShutdownTimeoutMs: 50,
      });
      await d.start();
      return d;
    };
    const a = await start();
    const b = await start();
    try {
      const send = (globalThis as Record<string, unknown>)[`__send${a.nodeId()}`] as (
        n: number,
        b: string,
      ) => Promise<void>;
      const unclaimed = new Promise((resolve) =>
        b.bus().on('plugin.payload_unclaimed', (e) => resolve(e.payload)),
      );
      await send(b.nodeId(), 'hello plugin');
      await a.sendPluginPayload(b.nodeId(), 'nobody.kind', new Uint8Array([1]));
      expect(await unclaimed).toEqual({ kind: 'nobody.kind', src_node_id: a.nodeId() });
      expect(payloads).toEqual([`${b.nodeId()}<-${a.nodeId()}:sink.msg:hello plugin`]);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
