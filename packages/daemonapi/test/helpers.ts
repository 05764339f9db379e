import { expect } from 'vitest';
import { REGISTRY_KEY, createServiceRegistry } from '../src/index.js';
import type { Daemon, Plugin, PluginContext } from '../src/index.js';

/** Forgets the process-wide registry so each test starts empty. */
export function resetRegistry(): void {
  delete (globalThis as Record<symbol, unknown>)[REGISTRY_KEY];
}

const fakeServices = createServiceRegistry();

/**
 * A daemon stand-in: the registry only reads its service registry (for `needs` / `provides`)
 * and hands it to plugins.
 */
export const fakeDaemon = { nodeId: () => 7, services: () => fakeServices } as unknown as Daemon;

/** A recording plugin whose hooks can be made to fail. */
export interface TestPlugin extends Plugin {
  readonly contexts: PluginContext[];
}

/** Options of {@link recordingPlugin}. */
export interface RecordingOptions {
  log: string[];
  failInit?: Error;
  failShutdown?: Error;
  payloadKinds?: readonly string[];
}

/** Builds a plugin that appends `init:<name>` / `shutdown:<name>` to `log`. */
export function recordingPlugin(name: string, options: RecordingOptions): TestPlugin {
  const contexts: PluginContext[] = [];
  return {
    name,
    contexts,
    ...(options.payloadKinds === undefined ? {} : { payloadKinds: options.payloadKinds }),
    async init(daemon, context) {
      expect(daemon).toBe(fakeDaemon);
      contexts.push(context);
      options.log.push(`init:${name}`);
      if (options.failInit !== undefined) throw options.failInit;
    },
    async shutdown(signal) {
      expect(signal).toBeInstanceOf(AbortSignal);
      options.log.push(`shutdown:${name}`);
      if (options.failShutdown !== undefined) throw options.failShutdown;
    },
  };
}
