import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicatePluginError, registerPlugin, registered } from '@mesh/daemonapi';
import type { Plugin } from '@mesh/daemonapi';
import {
  checkPluginCompliance,
  complianceChecks,
  registeredFactory,
  snapshotPluginRegistry,
} from '../src/index.js';
import type { ComplianceCheckId } from '../src/index.js';

const plugin = (name: string): Plugin => ({ name, init() {}, shutdown() {} });
const onlyStableName: ComplianceCheckId[] = complianceChecks
  .map((c) => c.id)
  .filter((id) => id !== 'stable-name');

let restore: () => void;
beforeEach(() => (restore = snapshotPluginRegistry()));
afterEach(() => restore());

describe('snapshotPluginRegistry', () => {
  it('puts the registry back as it was, so registrations do not leak into later tests', () => {
    const outer = snapshotPluginRegistry();
    registerPlugin('kept', () => plugin('kept'));
    const inner = snapshotPluginRegistry();
    registerPlugin('temporary', () => plugin('temporary'));
    expect(registered()).toEqual(['kept', 'temporary']);
    inner();
    expect(registered()).toEqual(['kept']);
    // The name is free again, and the one kept is still taken.
    registerPlugin('temporary', () => plugin('temporary'));
    expect(() => registerPlugin('kept', () => plugin('kept'))).toThrow(DuplicatePluginError);
    outer();
    expect(registered()).toEqual([]);
  });

  it('registeredFactory returns the factory loadAll would call', () => {
    const factory = (): Plugin => plugin('found');
    registerPlugin('found', factory);
    expect(registeredFactory('found')).toBe(factory);
    expect(registeredFactory('missing')).toBeUndefined();
  });
});

describe('the stable-name check against the registry', () => {
  it('reports a registered factory that builds a plugin of another name', async () => {
    registerPlugin('aliased', () => plugin('something-else'));
    const [result] = await checkPluginCompliance({
      name: 'aliased',
      factory: () => plugin('aliased'),
      skip: onlyStableName,
    });
    expect(result.failures).toEqual([
      'the factory registered as "aliased" builds a plugin named "something-else"',
    ]);
  });

  it('reports a registered factory that throws', async () => {
    registerPlugin('exploding', () => {
      throw new Error('no config');
    });
    const [result] = await checkPluginCompliance({
      name: 'exploding',
      factory: () => plugin('exploding'),
      skip: onlyStableName,
    });
    expect(result.failures).toEqual([
      'the factory registered as "exploding" threw Error: no config',
    ]);
  });

  it('with expectRegistered, reports a plugin that never registered', async () => {
    registerPlugin('other', () => plugin('other'));
    const [result] = await checkPluginCompliance({
      name: 'unregistered',
      factory: () => plugin('unregistered'),
      expectRegistered: true,
      skip: onlyStableName,
    });
    expect(result.failures).toEqual([
      'no plugin is registered as "unregistered" (registered: other)',
    ]);
  });

  it('passes a plugin registered under its own name', async () => {
    registerPlugin('good', () => plugin('good'));
    const [result] = await checkPluginCompliance({
      name: 'good',
      factory: () => plugin('good'),
      expectRegistered: true,
      skip: onlyStableName,
    });
    expect(result).toMatchObject({ check: 'stable-name', failures: [] });
  });
});
