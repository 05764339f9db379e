import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONTRACT_VERSION, isCompatibleContract } from '../src/index.js';

describe('contract version', () => {
  it('equals the package version', () => {
    const manifest = JSON.parse(
      readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
    ) as { version: string };
    expect(CONTRACT_VERSION).toBe(manifest.version);
  });

  it.each([
    ['0.1.0', '0.1.0', true],
    ['0.1.5', '0.1.0', true],
    ['0.1.0', '0.1.9', true],
    ['0.2.0', '0.1.0', false],
    ['1.0.0', '0.1.0', false],
    ['1.4.0', '1.0.2', true],
    ['1.0.0', '2.0.0', false],
    ['1.0.0-rc.1', '1.2.0', true],
    ['banana', '1.0.0', false],
  ])('%s meeting a registry at %s is compatible: %s', (own, registry, expected) => {
    expect(isCompatibleContract(own, registry)).toBe(expected);
  });
});
