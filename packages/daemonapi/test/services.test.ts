import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HandshakeServiceKey,
  PluginDependencyCycleError,
  PluginInitError,
  ServiceConflictError,
  ServiceNotProvidedError,
  ServiceUnavailableError,
  UnmetServiceNeedError,
  createServiceRegistry,
  defineService,
  isMeshError,
  isRetryable,
  loadAll,
  registerPlugin,
  shutdownAll,
} from '../src/index.js';
import { resetRegistry } from './helpers.js';
import type { AnyServiceKey, Daemon, Plugin } from '../src/index.js';

interface Greeter {
  greet(name: string): string;
}
const GreeterKey = defineService<Greeter>('test.greeter');
const ClockKey = defineService<{ now(): number }>('test.clock');

describe('defineService', () => {
  it('keys are process-wide: two definitions of one name are the same key', () => {
    const again = defineService<Greeter>('test.greeter');
    expect(again.id).toBe(GreeterKey.id);
    expect(again.id).toBe(Symbol.for('@mesh/service:test.greeter'));
    const registry = createServiceRegistry();
    registry.provide(GreeterKey, { greet: (n) => `hi ${n}` });
    expect(registry.require(again).greet('x')).toBe('hi x');
  });

  it('refuses an empty name', () => {
    expect(() => defineService('')).toThrow(TypeError);
  });
});

describe('createServiceRegistry', () => {
  it('provides, gets, requires and removes', () => {
    const registry = createServiceRegistry();
    expect(registry.get(GreeterKey)).toBeUndefined();
    expect(registry.has(GreeterKey)).toBe(false);
    const remove = registry.provide(GreeterKey, { greet: () => 'a' });
    expect(registry.has(GreeterKey)).toBe(true);
    expect(registry.names()).toEqual(['test.greeter']);
    expect(registry.require(GreeterKey).greet('')).toBe('a');
    remove();
    expect(registry.get(GreeterKey)).toBeUndefined();
  });

  it('require names the missing service with a stable code', () => {
    const registry = createServiceRegistry();
    const error = (() => {
      try {
        registry.require(HandshakeServiceKey);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(isMeshError(error)).toBe(true);
    expect(isRetryable(error)).toBe(false);
    expect((error as ServiceUnavailableError).code).toBe('SERVICE_UNAVAILABLE');
    expect((error as Error).message).toContain('mesh.handshake');
  });

  it('a second provider is refused, and a stale remover does not remove the newer one', () => {
    const registry = createServiceRegistry();
    const removeFirst = registry.provide(GreeterKey, { greet: () => 'first' });
    expect(() => registry.provide(GreeterKey, { greet: () => 'second' })).toThrow(
      ServiceConflictError,
    );
    removeFirst();
    registry.provide(GreeterKey, { greet: () => 'third' });
    removeFirst();
    expect(registry.require(GreeterKey).greet('')).toBe('third');
  });
});

describe('loadAll with provides / needs', () => {
  let services = createServiceRegistry();
  let daemon = { services: () => services } as unknown as Daemon;
  const log: string[] = [];

  beforeEach(() => {
    resetRegistry();
    services = createServiceRegistry();
    daemon = { services: () => services } as unknown as Daemon;
    log.length = 0;
  });
  afterEach(() => resetRegistry());

  function plugin(
    name: string,
    decl: { provides?: AnyServiceKey[]; needs?: AnyServiceKey[]; skipProvide?: boolean },
  ): void {
    registerPlugin(name, (): Plugin => {
      const removers: (() => void)[] = [];
      return {
        name,
        ...(decl.provides === undefined ? {} : { provides: decl.provides }),
        ...(decl.needs === undefined ? {} : { needs: decl.needs }),
        init(d) {
          for (const key of decl.needs ?? []) expect(d.services().has(key)).toBe(true);
          if (decl.skipProvide !== true) {
            for (const key of decl.provides ?? []) removers.push(d.services().provide(key, {}));
          }
          log.push(`init:${name}`);
        },
        shutdown() {
          for (const r of removers) r();
          log.push(`shutdown:${name}`);
        },
      };
    });
  }

  it('starts providers before the plugins that need them, name order among equals', async () => {
    plugin('a-consumer', { needs: [GreeterKey] });
    plugin('b-plain', {});
    plugin('z-provider', { provides: [GreeterKey], needs: [ClockKey] });
    plugin('c-clock', { provides: [ClockKey] });
    const started = await loadAll(daemon);
    expect(started.map((p) => p.name)).toEqual(['b-plain', 'c-clock', 'z-provider', 'a-consumer']);
    await shutdownAll(started);
    expect(log.slice(4)).toEqual([
      'shutdown:a-consumer',
      'shutdown:z-provider',
      'shutdown:c-clock',
      'shutdown:b-plain',
    ]);
  });

  it('a need the engine already meets needs no provider plugin', async () => {
    services.provide(ClockKey, { now: () => 1 });
    plugin('uses-clock', { needs: [ClockKey] });
    const started = await loadAll(daemon);
    expect(started.map((p) => p.name)).toEqual(['uses-clock']);
  });

  it('an unmet need fails before any init, naming plugin and service', async () => {
    plugin('first', {});
    plugin('needy', { needs: [GreeterKey] });
    const failure = loadAll(daemon);
    await expect(failure).rejects.toBeInstanceOf(UnmetServiceNeedError);
    await expect(failure).rejects.toThrow(/"needy" needs service "test.greeter"/);
    expect(log).toEqual([]);
  });

  it('a cycle fails before any init and names the cycle', async () => {
    plugin('p', { provides: [GreeterKey], needs: [ClockKey] });
    plugin('q', { provides: [ClockKey], needs: [GreeterKey] });
    const error = await loadAll(daemon).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginDependencyCycleError);
    const cycle = (error as PluginDependencyCycleError).cycle;
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(cycle).toHaveLength(3);
    expect(new Set(cycle)).toEqual(new Set(['p', 'q']));
    expect(log).toEqual([]);
  });

  it('a plugin that declares provides but installs nothing fails its load and is rolled back', async () => {
    plugin('liar', { provides: [GreeterKey], skipProvide: true });
    const error = await loadAll(daemon).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PluginInitError);
    expect((error as PluginInitError).cause).toBeInstanceOf(ServiceNotProvidedError);
    expect(log).toEqual(['init:liar', 'shutdown:liar']);
  });
});
