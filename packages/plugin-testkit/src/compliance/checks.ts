import { registered } from '@mesh/daemonapi';
import { registeredFactory } from '../registry/snapshot.js';
import { MemoryNetwork } from '../network/memory-network.js';
import {
  abortListenerCount,
  activeResources,
  daemonGrowth,
  resourceGrowth,
  settleIo,
  trackTimers,
} from './resources.js';
import { describeError, settle, settledFailure } from './settle.js';
import { WITNESS_KIND, WITNESS_METHOD, createWitness } from './witness.js';
import { DEFAULT_COMPLIANCE_DEADLINE_MS } from './options.js';
import type { ComplianceCheckId, ComplianceScenario, PluginComplianceOptions } from './options.js';
import type { AnyServiceKey, Plugin } from '@mesh/daemonapi';

/** One compliance check: `run` returns the failures it found (empty when the plugin passes). */
export interface ComplianceCheck {
  /** Stable identifier (for `skip`). */
  readonly id: ComplianceCheckId;
  /** What the check requires, used as the test title. */
  readonly title: string;
  /** Runs the check on fresh in-memory daemons and cleans up after itself. */
  run(options: PluginComplianceOptions): Promise<string[]>;
}

/** The result of one check in a {@link checkPluginCompliance} report. */
export interface ComplianceResult {
  /** The check. */
  readonly check: ComplianceCheckId;
  /** Its title. */
  readonly title: string;
  /** What failed; empty when the plugin passed. */
  readonly failures: readonly string[];
}

const GARBAGE_BODIES: readonly Uint8Array[] = [
  new Uint8Array(0),
  new Uint8Array([0xff]),
  new TextEncoder().encode('null'),
  Uint8Array.from({ length: 64 }, (_, i) => (i * 151 + 7) & 0xff),
  new Uint8Array(4096).fill(0xff),
];

const FORGOTTEN_UNKNOWN_PEER = 0xfffffffe;

/** Creates the two-daemon network a check runs on. */
async function scenario(options: PluginComplianceOptions): Promise<ComplianceScenario> {
  const network = new MemoryNetwork();
  const stopTimeoutMs = deadline(options);
  const daemon = network.createDaemon({
    ...options.daemonOptions,
    name: 'compliance-host',
    stopTimeoutMs,
  });
  const peer = network.createDaemon({ name: 'compliance-peer', stopTimeoutMs });
  const built: ComplianceScenario = { network, daemon, peer };
  await options.setup?.(built);
  return built;
}

/** Runs `body` on a fresh scenario and always closes the network. */
async function withScenario(
  options: PluginComplianceOptions,
  body: (s: ComplianceScenario, failures: string[]) => Promise<void>,
): Promise<string[]> {
  const failures: string[] = [];
  const s = await scenario(options);
  try {
    await body(s, failures);
  } finally {
    await s.network.close();
  }
  return failures;
}

/** The deadline in force. */
function deadline(options: PluginComplianceOptions): number {
  return options.deadlineMs ?? DEFAULT_COMPLIANCE_DEADLINE_MS;
}

/** Initialises `plugin` on the scenario daemon; records a failure and returns false when it fails. */
async function init(
  plugin: Plugin,
  s: ComplianceScenario,
  options: PluginComplianceOptions,
  failures: string[],
): Promise<boolean> {
  const ms = deadline(options);
  const result = await settle(() => plugin.init(s.daemon, s.daemon.pluginContext(plugin.name)), ms);
  const failure = settledFailure('init', result, ms);
  if (failure !== undefined) failures.push(failure);
  return failure === undefined;
}

/**
 * Puts the plugin under load: the peer opens a connection to every port the plugin bound and
 * sends a few bytes, leaving it open so `shutdown` meets in-flight sessions.
 */
async function exercise(s: ComplianceScenario, portsBefore: readonly number[]): Promise<void> {
  const ports = s.daemon.resources().ports.filter((p) => !portsBefore.includes(p));
  for (const port of ports) {
    try {
      const conn = await s.peer.dialConnection(s.daemon.addr(), port);
      await s.peer.sendData(conn, new TextEncoder().encode('compliance\n'));
    } catch {
      // A plugin may refuse connections; that is its business.
    }
  }
  await settleIo();
}

/** Checks the daemon still serves: a bus round trip. */
async function busWorks(s: ComplianceScenario, ms: number): Promise<boolean> {
  const subscription = s.daemon.bus().subscribe('compliance.*');
  try {
    s.daemon.publishEvent('compliance.ping', { n: 1 });
    const iterator = subscription[Symbol.asyncIterator]();
    const result = await settle(() => iterator.next(), ms);
    return (
      result.status === 'fulfilled' &&
      result.value.done !== true &&
      result.value.value.topic === 'compliance.ping'
    );
  } finally {
    subscription.close();
  }
}

const stableName: ComplianceCheck = {
  id: 'stable-name',
  title: 'name is stable and matches the registration',
  async run(options) {
    const failures: string[] = [];
    let first: Plugin;
    let second: Plugin;
    try {
      first = options.factory();
      second = options.factory();
    } catch (error) {
      return [`factory threw ${describeError(error)}`];
    }
    if (typeof first.name !== 'string' || first.name.length === 0)
      failures.push('name is not a non-empty string');
    if (first.name !== options.name)
      failures.push(
        `factory built a plugin named "${first.name}", registered as "${options.name}"`,
      );
    if (first.name !== first.name) failures.push('name changes between reads');
    if (second.name !== first.name)
      failures.push(`a second instance is named "${second.name}", the first "${first.name}"`);
    if (first === second)
      failures.push(
        'factory returned the same instance twice; each call must build a fresh plugin',
      );
    let names: string[];
    try {
      names = registered();
    } catch (error) {
      return [...failures, `the plugin registry is unusable: ${describeError(error)}`];
    }
    const registeredAs = registeredFactory(options.name);
    if (registeredAs === undefined) {
      if (options.expectRegistered === true)
        failures.push(
          `no plugin is registered as "${options.name}" (registered: ${names.join(', ') || 'none'})`,
        );
    } else {
      // Build through the registered factory too, exactly as loadAll will.
      try {
        const built = registeredAs();
        if (built.name !== options.name)
          failures.push(
            `the factory registered as "${options.name}" builds a plugin named "${built.name}"`,
          );
      } catch (error) {
        failures.push(`the factory registered as "${options.name}" threw ${describeError(error)}`);
      }
    }
    return failures;
  },
};

const cleanShutdown: ComplianceCheck = {
  id: 'clean-shutdown',
  title: 'init then shutdown leaves no timers, sockets or listeners behind',
  run: (options) =>
    withScenario(options, async (s, failures) => {
      const ms = deadline(options);
      const plugin = options.factory();
      await settleIo();
      const nodeBefore = activeResources();
      const daemonBefore = s.daemon.resources();
      const abortBefore = abortListenerCount(s.daemon.signal);
      const timers = trackTimers();
      try {
        if (await init(plugin, s, options, failures)) await exercise(s, daemonBefore.ports);
        const failure = settledFailure(
          'shutdown',
          await settle(() => plugin.shutdown(new AbortController().signal), ms),
          ms,
        );
        if (failure !== undefined) failures.push(failure);
        await settleIo();
      } finally {
        timers.restore();
      }
      const { timeouts, intervals } = timers.pending();
      if (intervals > 0)
        failures.push(`${intervals} interval timer(s) still running after shutdown`);
      if (timeouts > 0) failures.push(`${timeouts} timeout(s) still pending after shutdown`);
      failures.push(...daemonGrowth(daemonBefore, s.daemon.resources()));
      failures.push(
        ...resourceGrowth(nodeBefore, activeResources()).map(
          (g) => `process has ${g} after shutdown`,
        ),
      );
      const abortAfter = abortListenerCount(s.daemon.signal);
      if (abortAfter > abortBefore)
        failures.push(`${abortAfter - abortBefore} abort listener(s) left on the daemon signal`);
    }),
};

const shutdownDeadline: ComplianceCheck = {
  id: 'shutdown-deadline',
  title: 'shutdown returns promptly once its deadline signal is aborted',
  run: (options) =>
    withScenario(options, async (s, failures) => {
      const ms = deadline(options);
      const plugin = options.factory();
      const portsBefore = s.daemon.resources().ports;
      if (!(await init(plugin, s, options, failures))) return;
      await exercise(s, portsBefore);
      const controller = new AbortController();
      const result = await settle(() => {
        const pending = plugin.shutdown(controller.signal);
        controller.abort(new Error('compliance: shutdown deadline reached'));
        return pending;
      }, ms);
      if (result.status === 'timeout') {
        failures.push(`shutdown was still running ${ms} ms after its signal was aborted`);
      }
    }),
};

const repeatShutdown: ComplianceCheck = {
  id: 'repeat-shutdown',
  title: 'a second shutdown is harmless',
  run: (options) =>
    withScenario(options, async (s, failures) => {
      const ms = deadline(options);
      const plugin = options.factory();
      const before = s.daemon.resources();
      if (!(await init(plugin, s, options, failures))) return;
      await exercise(s, before.ports);
      const first = settledFailure(
        'first shutdown',
        await settle(() => plugin.shutdown(new AbortController().signal), ms),
        ms,
      );
      if (first !== undefined) failures.push(first);
      const second = settledFailure(
        'second shutdown',
        await settle(() => plugin.shutdown(new AbortController().signal), ms),
        ms,
      );
      if (second !== undefined) failures.push(second);
      await settleIo();
      failures.push(...daemonGrowth(before, s.daemon.resources()));
      if (s.daemon.stopped) failures.push('the daemon was stopped by the plugin');
      else if (!(await busWorks(s, ms)))
        failures.push('the event bus stopped delivering after the second shutdown');
    }),
};

const shutdownWithoutInit: ComplianceCheck = {
  id: 'shutdown-without-init',
  title: 'shutdown after a failed start (no init) is harmless',
  run: (options) =>
    withScenario(options, async (_s, failures) => {
      const ms = deadline(options);
      const plugin = options.factory();
      const failure = settledFailure(
        'shutdown without init',
        await settle(() => plugin.shutdown(new AbortController().signal), ms),
        ms,
      );
      if (failure !== undefined) failures.push(failure);
    }),
};

const faultIsolation: ComplianceCheck = {
  id: 'fault-isolation',
  title:
    'a throwing payload handler or forgotten-peer hook breaks neither the daemon nor other plugins',
  run: (options) =>
    withScenario(options, async (s, failures) => {
      const ms = deadline(options);
      const plugin = options.factory();
      const witness = createWitness();
      const loaded = await settle(() => s.daemon.loadPlugins([plugin, witness.plugin]), ms);
      const loadFailure = settledFailure('loading beside another plugin', loaded, ms);
      if (loadFailure !== undefined) {
        failures.push(loadFailure);
        return;
      }
      const source = s.peer.nodeId();
      for (const kind of plugin.payloadKinds ?? []) {
        for (const body of GARBAGE_BODIES) {
          const result = await settle(() => s.daemon.deliverPayload(source, { kind, body }), ms);
          if (result.status === 'timeout')
            failures.push(
              `handlePayload("${kind}") with a malformed body did not return within ${ms} ms`,
            );
        }
      }
      for (const peer of [source, FORGOTTEN_UNKNOWN_PEER]) {
        const result = await settle(() => s.daemon.forgetPeer(peer), ms);
        if (result.status === 'timeout')
          failures.push(`onPeerForgotten(${peer}) did not return within ${ms} ms`);
      }
      await settleIo();

      if (s.daemon.stopped) {
        failures.push('the daemon was stopped');
        return;
      }
      if (
        !witness.state.forgotten.includes(source) ||
        !witness.state.forgotten.includes(FORGOTTEN_UNKNOWN_PEER)
      ) {
        failures.push('another plugin was not told about every forgotten peer');
      }
      const witnessPayload = await settle(
        () => s.daemon.deliverPayload(source, { kind: WITNESS_KIND, body: new Uint8Array([1]) }),
        ms,
      );
      if (witnessPayload.status !== 'fulfilled' || witnessPayload.value.status !== 'handled') {
        failures.push("another plugin's payloads are no longer delivered");
      }
      const method = await settle(() => s.daemon.callMethod(WITNESS_METHOD), ms);
      if (method.status !== 'fulfilled' || method.value !== 'pong')
        failures.push("another plugin's IPC method stopped answering");
      const echo = await settle(async () => {
        const conn = await s.peer.dialConnection(s.daemon.addr(), witness.state.port ?? -1);
        const rw = s.peer.newConnReadWriter(conn);
        await rw.write(new Uint8Array([42]));
        const reply = await rw[Symbol.asyncIterator]().next();
        await rw.close();
        return reply.done !== true && reply.value[0] === 42;
      }, ms);
      if (echo.status !== 'fulfilled' || !echo.value)
        failures.push("another plugin's port stopped serving");
      if (!(await busWorks(s, ms))) failures.push('the event bus stopped delivering');

      const unload = await settle(() => s.daemon.unloadPlugins({ timeoutMs: ms }), ms * 2);
      const unloadFailure = settledFailure('shutting both plugins down afterwards', unload, ms * 2);
      if (unloadFailure !== undefined) failures.push(unloadFailure);
    }),
};

/** A semver 2.0 version (`1.2.3`, `1.2.3-rc.1`, `1.2.3+build.5`). */
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Whether `value` looks like a `defineService` key. */
function isServiceKey(value: unknown): value is AnyServiceKey {
  const key = value as Partial<AnyServiceKey> | undefined;
  return typeof key?.id === 'symbol' && typeof key.name === 'string' && key.name.length > 0;
}

const declarations: ComplianceCheck = {
  id: 'declarations',
  title:
    'version is semver; declared needs are met; declared provides are installed by init and removed by shutdown',
  run: (options) =>
    withScenario(options, async (s, failures) => {
      const ms = deadline(options);
      const plugin = options.factory();
      if (plugin.version !== undefined && !SEMVER.test(plugin.version))
        failures.push(`version "${String(plugin.version)}" is not a semver string (1.2.3)`);
      const provides = [...(plugin.provides ?? [])];
      const needs = [...(plugin.needs ?? [])];
      let malformed = false;
      for (const [list, what] of [
        [provides, 'provides'],
        [needs, 'needs'],
      ] as const) {
        if (list.every(isServiceKey)) continue;
        failures.push(`${what} holds something that is not a defineService key`);
        malformed = true;
      }
      if (malformed) return;
      const services = s.daemon.services();
      const unmet = needs.filter((key) => !services.has(key)).map((key) => key.name);
      if (unmet.length > 0) {
        failures.push(
          `needs ${unmet.map((n) => `"${n}"`).join(', ')}, which nothing provides: install a provider in the \`setup\` option (loadAll would refuse to load the plugin)`,
        );
        return;
      }
      if (provides.length === 0) return;
      const taken = provides.filter((key) => services.has(key)).map((key) => key.name);
      if (taken.length > 0) {
        failures.push(
          `provides ${taken.join(', ')}, already installed before init (does \`setup\` install it?)`,
        );
        return;
      }
      if (!(await init(plugin, s, options, failures))) {
        await settle(() => plugin.shutdown(new AbortController().signal), ms);
        return;
      }
      for (const key of provides) {
        if (!services.has(key))
          failures.push(`declares it provides "${key.name}", but init did not install it`);
      }
      const failure = settledFailure(
        'shutdown',
        await settle(() => plugin.shutdown(new AbortController().signal), ms),
        ms,
      );
      if (failure !== undefined) failures.push(failure);
      for (const key of provides) {
        if (services.has(key))
          failures.push(
            `"${key.name}" is still installed after shutdown; call the remover \`provide\` returned`,
          );
      }
    }),
};

/** Every compliance check, in the order `describePluginCompliance` runs them. */
export const complianceChecks: readonly ComplianceCheck[] = Object.freeze([
  stableName,
  cleanShutdown,
  shutdownDeadline,
  repeatShutdown,
  shutdownWithoutInit,
  faultIsolation,
  declarations,
]);

/**
 * Runs every compliance check (minus `options.skip`) one after another, without vitest, and
 * returns what each found. `describePluginCompliance` wraps the same checks in `it` blocks.
 */
export async function checkPluginCompliance(
  options: PluginComplianceOptions,
): Promise<ComplianceResult[]> {
  const results: ComplianceResult[] = [];
  for (const check of complianceChecks) {
    if (options.skip?.includes(check.id) === true) continue;
    results.push({ check: check.id, title: check.title, failures: await check.run(options) });
  }
  return results;
}
