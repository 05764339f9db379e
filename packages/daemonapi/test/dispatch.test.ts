import { describe, expect, it } from 'vitest';
import { dispatchPayload, notifyPeerForgotten } from '../src/index.js';
import type { Plugin, PluginPayload } from '../src/index.js';

const body = new Uint8Array([1, 2, 3]);

function claimer(name: string, kinds: string[], seen: string[], fail = false): Plugin {
  return {
    name,
    payloadKinds: kinds,
    init: () => {},
    shutdown: () => {},
    handlePayload: (source: number, payload: PluginPayload) => {
      seen.push(`${name}:${source}:${payload.kind}:${payload.body.length}`);
      if (fail) throw new Error(`${name} handler broke`);
    },
  };
}

describe('dispatchPayload', () => {
  it('routes a payload to the first plugin claiming its kind', async () => {
    const seen: string[] = [];
    const plugins = [claimer('a', ['a.x'], seen), claimer('b', ['b.x', 'a.x'], seen)];
    await expect(dispatchPayload(plugins, 9, { kind: 'a.x', body })).resolves.toEqual({
      status: 'handled',
      plugin: 'a',
    });
    await expect(dispatchPayload(plugins, 9, { kind: 'b.x', body })).resolves.toEqual({
      status: 'handled',
      plugin: 'b',
    });
    expect(seen).toEqual(['a:9:a.x:3', 'b:9:b.x:3']);
  });

  it('reports unclaimed kinds and contains a throwing handler', async () => {
    const seen: string[] = [];
    const plugins = [claimer('a', ['a.x'], seen, true)];
    await expect(dispatchPayload(plugins, 1, { kind: 'zzz', body })).resolves.toEqual({
      status: 'unclaimed',
    });
    const result = await dispatchPayload(plugins, 1, { kind: 'a.x', body });
    expect(result.status).toBe('failed');
    expect(result.status === 'failed' && (result.error as Error).message).toBe('a handler broke');
  });
});

describe('notifyPeerForgotten', () => {
  it('notifies every plugin even when some throw, and returns the failures', async () => {
    const seen: string[] = [];
    const hook = (name: string, mode: 'ok' | 'throw' | 'reject'): Plugin => ({
      name,
      init: () => {},
      shutdown: () => {},
      onPeerForgotten: (nodeId: number) => {
        seen.push(`${name}:${nodeId}`);
        if (mode === 'throw') throw new Error(`${name} sync`);
        if (mode === 'reject') return Promise.reject(new Error(`${name} async`));
        return undefined;
      },
    });
    const plain: Plugin = { name: 'plain', init: () => {}, shutdown: () => {} };
    const failures = await notifyPeerForgotten(
      [hook('a', 'throw'), plain, hook('b', 'ok'), hook('c', 'reject')],
      42,
    );
    expect(seen).toEqual(['a:42', 'b:42', 'c:42']);
    expect(failures.map((f) => [f.plugin, (f.error as Error).message])).toEqual([
      ['a', 'a sync'],
      ['c', 'c async'],
    ]);
  });
});
