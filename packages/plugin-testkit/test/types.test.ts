import { describe, expectTypeOf, it } from 'vitest';
import type { Daemon, Factory, Plugin, PluginHookFailure } from '@mesh/daemonapi';
import type { MemoryDaemon } from '../src/index.js';
import {
  checkPluginCompliance,
  describePluginCompliance,
  matchTopic,
  registeredFactory,
  snapshotPluginRegistry,
  type ComplianceCheckId,
  type ComplianceResult,
  type PluginComplianceOptions,
} from '../src/index.js';

describe('public shapes', () => {
  it('MemoryDaemon satisfies the Daemon contract', () => {
    expectTypeOf<MemoryDaemon>().toExtend<Daemon>();
    expectTypeOf<MemoryDaemon['loadRegistered']>().toEqualTypeOf<
      (options?: { readonly initTimeoutMs?: number }) => Promise<Plugin[]>
    >();
    expectTypeOf<MemoryDaemon['forgetPeer']>().returns.toEqualTypeOf<
      Promise<PluginHookFailure[]>
    >();
  });

  it('compliance entry points', () => {
    expectTypeOf(describePluginCompliance).toEqualTypeOf<
      (options: PluginComplianceOptions) => void
    >();
    expectTypeOf(checkPluginCompliance).toEqualTypeOf<
      (options: PluginComplianceOptions) => Promise<ComplianceResult[]>
    >();
    expectTypeOf<PluginComplianceOptions['name']>().toBeString();
    expectTypeOf<PluginComplianceOptions['factory']>().toEqualTypeOf<Factory>();
    expectTypeOf<ComplianceCheckId>().toEqualTypeOf<
      | 'stable-name'
      | 'clean-shutdown'
      | 'shutdown-deadline'
      | 'repeat-shutdown'
      | 'shutdown-without-init'
      | 'fault-isolation'
      | 'declarations'
    >();
    expectTypeOf(snapshotPluginRegistry).toEqualTypeOf<() => () => void>();
    expectTypeOf(registeredFactory).toEqualTypeOf<(name: string) => Factory | undefined>();
    expectTypeOf<PluginComplianceOptions['expectRegistered']>().toEqualTypeOf<
      boolean | undefined
    >();
    expectTypeOf(matchTopic).toEqualTypeOf<(pattern: string, topic: string) => boolean>();
  });
});
