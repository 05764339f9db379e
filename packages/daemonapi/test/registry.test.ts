import { getEventListeners } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DuplicatePluginError,
  InvalidPluginError,
  PayloadKindConflictError,
  PluginInitError,
  PluginInitTimeoutError,
  PluginNameMismatchError,
  PluginShutdownError,
  PluginShutdownTimeoutError,
  PluginStopError,
  loadAll,
  noopLogger,
  registerPlugin,
  registered,
  shutdownAll,
} from '../src/index.js';
import type { Factory, Logger, Plugin } from '../src/index.js';
import { fakeDaemon, recordingPlugin, resetRegistry } from './helpers.js';

beforeEach(resetRegistry);
afterEach(resetRegistry);

describe('registerPlugin / registered', () => {
  it('lists registered names sorted', () => {
    const log: string[] = [];
    for (const name of ['zeta', 'alpha', 'mid'])
      registerPlugin(name, () => recordingPlugin(name, { log }));
    expect(registered()).toEqual(['alpha', 'mid', 'zeta']);
    // A snapshot: callers mutating it cannot change the registry.
    registered().push('intruder');
    registered().length = 0;
    expect(registered()).toEqual(['alpha', 'mid', 'zeta']);
  });

  it('throws a DuplicatePluginError naming the plugin on a second registration', () => {
    registerPlugin('echo', () => recordingPlugin('echo', { log: [] }));
    const attempt = (): void => registerPlugin('echo', () => recordingPlugin('echo', { log: [] }));
    expect(attempt).toThrow(DuplicatePluginError);
    expect(attempt).toThrow(/"echo"/);
    try {
      attempt();
    } catch (error) {
      expect((error as DuplicatePluginError).code).toBe('PLUGIN_DUPLICATE');
      expect((error as DuplicatePluginError).plugin).toBe('echo');
    }
    expect(registered()).toEqual(['echo']);
  });

  it('rejects an empty name or a missing factory', () => {
    expect(() => registerPlugin('', () => recordingPlugin('', { log: [] }))).toThrow(
      InvalidPluginError,
    );
    expect(() => registerPlugin('x', undefined as unknown as Factory)).toThrow(InvalidPluginError);
    expect(registered()).toEqual([]);
  });
});

describe('loadAll', () => {
  it('builds fresh instances and initialises them in sorted order with a context each', async () => {
    const log: string[] = [];
    let built = 0;
    for (const name of ['b', 'c', 'a']) {
      registerPlugin(name, () => {
        built++;
        return recordingPlugin(name, { log });
      });
    }
    const children: string[] = [];
    const logger: Logger = { ...noopLogger, child: (c) => (children.push(c), noopLogger) };
    const controller = new AbortController();
    const first = await loadAll(fakeDaemon, {
      logger,
      signal: controller.signal,
      dataDir: (name) => `/state/${name}`,
    });
    expect(first.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['init:a', 'init:b', 'init:c']);
    expect(children).toEqual(['a', 'b', 'c']);
    const context = (first[1] as ReturnType<typeof recordingPlugin>).contexts[0];
    expect(context.dataDir).toBe('/state/b');
    expect(context.signal).toBe(controller.signal);
    expect('peers' in context).toBe(false);

    const second = await loadAll(fakeDaemon);
    expect(built).toBe(6);
    expect(second[0]).not.toBe(first[0]);
    expect((second[0] as ReturnType<typeof recordingPlugin>).contexts[0].signal.aborted).toBe(
      false,
    );
  });

  it('on an init failure shuts down the failing and earlier plugins in reverse and names the failing one', async () => {
    const log: string[] = [];
    const boom = new Error('port 444 busy');
    registerPlugin('a', () => recordingPlugin('a', { log }));
    registerPlugin('b', () => recordingPlugin('b', { log }));
    registerPlugin('c', () => recordingPlugin('c', { log, failInit: boom }));
    registerPlugin('d', () => recordingPlugin('d', { log }));
    const failure = await loadAll(fakeDaemon).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PluginInitError);
    expect((failure as PluginInitError).plugin).toBe('c');
    expect((failure as PluginInitError).code).toBe('PLUGIN_INIT_FAILED');
    expect((failure as PluginInitError).cause).toBe(boom);
    expect((failure as Error).message).toMatch(/"c".*port 444 busy/);
    expect((failure as PluginInitError).rollbackError).toBeUndefined();
    expect(log).toEqual(['init:a', 'init:b', 'init:c', 'shutdown:c', 'shutdown:b', 'shutdown:a']);
  });

  it('reports rollback failures beside the init failure', async () => {
    const log: string[] = [];
    registerPlugin('a', () => recordingPlugin('a', { log, failShutdown: new Error('stuck') }));
    registerPlugin('b', () => recordingPlugin('b', { log, failInit: new Error('nope') }));
    const failure = (await loadAll(fakeDaemon).catch((e: unknown) => e)) as PluginInitError;
    expect(failure.plugin).toBe('b');
    expect(failure.rollbackError).toBeInstanceOf(PluginShutdownError);
    expect(failure.rollbackError?.plugins).toEqual(['a']);
    expect(log).toEqual(['init:a', 'init:b', 'shutdown:b', 'shutdown:a']);
  });

  it('names a plugin whose factory throws, before anything is initialised', async () => {
    const log: string[] = [];
    registerPlugin('a', () => recordingPlugin('a', { log }));
    registerPlugin('b', () => {
      throw new Error('factory exploded');
    });
    const failure = (await loadAll(fakeDaemon).catch((e: unknown) => e)) as PluginInitError;
    expect(failure).toBeInstanceOf(PluginInitError);
    expect(failure.plugin).toBe('b');
    expect(log).toEqual([]);
  });

  it('refuses an instance whose name differs from its registration', async () => {
    registerPlugin('echo', () => recordingPlugin('echo2', { log: [] }));
    const failure = (await loadAll(fakeDaemon).catch((e: unknown) => e)) as PluginInitError;
    expect(failure.cause).toBeInstanceOf(PluginNameMismatchError);
    expect((failure.cause as PluginNameMismatchError).actualName).toBe('echo2');
  });

  it('refuses overlapping payload-kind claims before any init', async () => {
    const log: string[] = [];
    registerPlugin('chat', () =>
      recordingPlugin('chat', { log, payloadKinds: ['chat.msg', 'shared.kind'] }),
    );
    registerPlugin('files', () =>
      recordingPlugin('files', { log, payloadKinds: ['files.chunk', 'shared.kind'] }),
    );
    const failure = (await loadAll(fakeDaemon).catch(
      (e: unknown) => e,
    )) as PayloadKindConflictError;
    expect(failure).toBeInstanceOf(PayloadKindConflictError);
    expect(failure.code).toBe('PAYLOAD_KIND_CONFLICT');
    expect(failure.kind).toBe('shared.kind');
    expect(failure.plugins).toEqual(['chat', 'files']);
    expect(log).toEqual([]);
  });

  it('stops loading when the daemon signal is aborted and cleans up', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    registerPlugin('a', () => ({
      ...recordingPlugin('a', { log }),
      init: () => {
        log.push('init:a');
        controller.abort(new Error('daemon stopping'));
      },
    }));
    registerPlugin('b', () => recordingPlugin('b', { log }));
    const failure = (await loadAll(fakeDaemon, { signal: controller.signal }).catch(
      (e: unknown) => e,
    )) as PluginInitError;
    expect(failure.plugin).toBe('b');
    expect((failure.cause as Error).message).toBe('daemon stopping');
    expect(log).toEqual(['init:a', 'shutdown:a']);
  });
});

describe('loadAll with an init that never settles', () => {
  /** A plugin whose init never settles by itself; `entered` resolves once init was called. */
  function hanging(name: string, log: string[]) {
    let entered!: () => void;
    const started = new Promise<void>((resolve) => (entered = resolve));
    let fail!: (error: Error) => void;
    const plugin: Plugin = {
      name,
      init: () => {
        log.push(`init:${name}`);
        entered();
        return new Promise<void>((_resolve, reject) => (fail = reject));
      },
      shutdown: () => void log.push(`shutdown:${name}`),
    };
    return { plugin, started, fail: (error: Error) => fail(error) };
  }

  it('gives up after initTimeoutMs, names the plugin and shuts everything down in reverse', async () => {
    const log: string[] = [];
    const stuck = hanging('b', log);
    registerPlugin('a', () => recordingPlugin('a', { log }));
    registerPlugin('b', () => stuck.plugin);
    registerPlugin('c', () => recordingPlugin('c', { log }));
    const failure = (await loadAll(fakeDaemon, { initTimeoutMs: 20 }).catch(
      (e: unknown) => e,
    )) as PluginInitError;
    expect(failure).toBeInstanceOf(PluginInitError);
    expect(failure.plugin).toBe('b');
    expect(failure.cause).toBeInstanceOf(PluginInitTimeoutError);
    expect(failure.cause).toMatchObject({
      code: 'PLUGIN_INIT_TIMEOUT',
      plugin: 'b',
      timeoutMs: 20,
    });
    expect(failure.message).toMatch(/"b".*did not finish init within 20 ms/);
    expect(log).toEqual(['init:a', 'init:b', 'shutdown:b', 'shutdown:a']);
  });

  it('is interrupted by the daemon signal (a stop during start-up does not hang)', async () => {
    const log: string[] = [];
    const stuck = hanging('a', log);
    registerPlugin('a', () => stuck.plugin);
    registerPlugin('b', () => recordingPlugin('b', { log }));
    const controller = new AbortController();
    const loading = loadAll(fakeDaemon, { signal: controller.signal }).catch((e: unknown) => e);
    await stuck.started;
    const reason = new Error('daemon stopping');
    controller.abort(reason);
    const failure = (await loading) as PluginInitError;
    expect(failure).toBeInstanceOf(PluginInitError);
    expect(failure.plugin).toBe('a');
    expect(failure.cause).toBe(reason);
    expect(log).toEqual(['init:a', 'shutdown:a']);
  });

  it('is interrupted even when the signal was aborted while init ran synchronously', async () => {
    const log: string[] = [];
    const controller = new AbortController();
    registerPlugin('a', () => ({
      name: 'a',
      init: () => {
        log.push('init:a');
        controller.abort(new Error('stop during init'));
        return new Promise<void>(() => {});
      },
      shutdown: () => void log.push('shutdown:a'),
    }));
    const failure = (await loadAll(fakeDaemon, { signal: controller.signal }).catch(
      (e: unknown) => e,
    )) as PluginInitError;
    expect(failure.plugin).toBe('a');
    expect((failure.cause as Error).message).toBe('stop during init');
    expect(log).toEqual(['init:a', 'shutdown:a']);
  });

  it('a late rejection of an abandoned init is not an unhandled rejection', async () => {
    const log: string[] = [];
    const stuck = hanging('late', log);
    registerPlugin('late', () => stuck.plugin);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failure = await loadAll(fakeDaemon, { initTimeoutMs: 1 }).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(PluginInitError);
      stuck.fail(new Error('init finally failed'));
      // Unhandled rejections are reported after the microtask queue drains; give it one macrotask.
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('an init that settles in time is unaffected by initTimeoutMs and leaves no listener behind', async () => {
    const log: string[] = [];
    registerPlugin('a', () => recordingPlugin('a', { log }));
    const controller = new AbortController();
    const plugins = await loadAll(fakeDaemon, {
      signal: controller.signal,
      initTimeoutMs: 60_000,
    });
    expect(plugins.map((p) => p.name)).toEqual(['a']);
    expect(log).toEqual(['init:a']);
    // Node counts abort listeners; the race against the signal must have removed its own.
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('shutdownAll', () => {
  it('shuts plugins down in reverse order', async () => {
    const log: string[] = [];
    const plugins = ['a', 'b', 'c'].map((n) => recordingPlugin(n, { log }));
    await shutdownAll(plugins);
    expect(log).toEqual(['shutdown:c', 'shutdown:b', 'shutdown:a']);
  });

  it('attempts every plugin and aggregates the failures, naming each plugin', async () => {
    const log: string[] = [];
    const plugins = [
      recordingPlugin('a', { log, failShutdown: new Error('a broke') }),
      recordingPlugin('b', { log }),
      {
        ...recordingPlugin('c', { log }),
        shutdown: () => {
          log.push('shutdown:c');
          throw new Error('c broke');
        },
      },
    ];
    const failure = (await shutdownAll(plugins).catch((e: unknown) => e)) as PluginShutdownError;
    expect(failure).toBeInstanceOf(PluginShutdownError);
    expect(failure).toBeInstanceOf(AggregateError);
    expect(failure.code).toBe('PLUGIN_SHUTDOWN_FAILED');
    expect(failure.plugins).toEqual(['c', 'a']);
    expect(failure.errors.every((e) => e instanceof PluginStopError)).toBe(true);
    expect(failure.message).toMatch(/c \(c broke\).*a \(a broke\)/);
    expect(log).toEqual(['shutdown:c', 'shutdown:b', 'shutdown:a']);
  });

  it('abandons a plugin that never returns at the signal deadline and still stops the others', async () => {
    const log: string[] = [];
    const deadline = new AbortController();
    let seenSignal: AbortSignal | undefined;
    const stuck: Plugin = {
      name: 'stuck',
      init: () => {},
      shutdown: (signal) => {
        seenSignal = signal;
        log.push('shutdown:stuck');
        deadline.abort(new Error('daemon deadline'));
        return new Promise<void>(() => {});
      },
    };
    const quick: Plugin = {
      name: 'quick',
      init: () => {},
      // Returns at once once the deadline signal is aborted, as the contract asks.
      shutdown: async (signal) => {
        log.push(`shutdown:quick aborted=${signal.aborted}`);
      },
    };
    const failure = (await shutdownAll([recordingPlugin('first', { log }), quick, stuck], {
      signal: deadline.signal,
    }).catch((e: unknown) => e)) as PluginShutdownError;
    expect(failure).toBeInstanceOf(PluginShutdownError);
    expect(failure.plugins).toEqual(['stuck']);
    expect(failure.errors[0]).toBeInstanceOf(PluginShutdownTimeoutError);
    expect(failure.errors[0].code).toBe('PLUGIN_SHUTDOWN_TIMEOUT');
    expect(failure.message).toMatch(/stuck \(timed out\)/);
    expect(seenSignal?.aborted).toBe(true);
    expect(log).toEqual(['shutdown:stuck', 'shutdown:quick aborted=true', 'shutdown:first']);
  });

  it('honours timeoutMs', async () => {
    const never: Plugin = {
      name: 'never',
      init: () => {},
      shutdown: () => new Promise<void>(() => {}),
    };
    const failure = (await shutdownAll([never], { timeoutMs: 1 }).catch(
      (e: unknown) => e,
    )) as PluginShutdownError;
    expect(failure.plugins).toEqual(['never']);
  });

  it('a late rejection from an abandoned shutdown is not an unhandled rejection', async () => {
    let fail!: (error: Error) => void;
    const late: Plugin = {
      name: 'late',
      init: () => {},
      shutdown: () => new Promise<void>((_resolve, reject) => (fail = reject)),
    };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const failure = (await shutdownAll([late], { timeoutMs: 1 }).catch(
        (e: unknown) => e,
      )) as PluginShutdownError;
      expect(failure.plugins).toEqual(['late']);
      fail(new Error('gave up too late'));
      await new Promise<void>((resolve) => setImmediate(resolve));
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('treats an already-aborted signal as a passed deadline', async () => {
    const controller = new AbortController();
    controller.abort();
    const log: string[] = [];
    const slow: Plugin = {
      name: 'slow',
      init: () => {},
      shutdown: async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        log.push('slow done');
      },
    };
    const failure = (await shutdownAll([slow, recordingPlugin('fast', { log })], {
      signal: controller.signal,
    }).catch((e: unknown) => e)) as PluginShutdownError;
    expect(failure.plugins).toEqual(['slow']);
    expect(log[0]).toBe('shutdown:fast');
  });

  it('resolves for an empty list and leaves no listener on the caller signal', async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = (...args: Parameters<typeof add>) => (added++, add(...args));
    signal.removeEventListener = (...args: Parameters<typeof remove>) => (
      removed++,
      remove(...args)
    );
    await shutdownAll([recordingPlugin('a', { log: [] })], { signal });
    await shutdownAll([]);
    expect(added).toBe(1);
    expect(removed).toBe(1);
  });
});
