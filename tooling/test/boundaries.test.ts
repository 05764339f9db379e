import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBoundaries, formatViolations } from '../src/boundaries/check-boundaries.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

describe('boundary check on the bad fixture workspace', () => {
  const violations = checkBoundaries(path.join(here, 'fixtures', 'bad-workspace'));
  const find = (rule: string, file: string, text: string) =>
    violations.find((v) => v.rule === rule && v.file.startsWith(file) && v.message.includes(text));

  it('rule 1: reports the contract package dependency and its import of a non-own module', () => {
    expect(find('contract-purity', 'packages/daemonapi/package.json', '"left-pad"')).toBeDefined();
    expect(
      find('contract-purity', 'packages/daemonapi/src/index.ts:1', '"node:events"'),
    ).toBeDefined();
  });

  it('rule 2: reports the codec dependency and the node: import its main entry reaches transitively', () => {
    expect(find('runtime-neutral', 'packages/wire/package.json', '"zod"')).toBeDefined();
    expect(find('runtime-neutral', 'packages/wire/src/codec.ts:1', '"node:buffer"')).toBeDefined();
    // The Node-only subpath may use node:* freely.
    expect(violations.some((v) => v.file.startsWith('packages/wire/src/node.ts'))).toBe(false);
  });

  it('rule 3: reports a plugin depending on the engine and missing the contract peer', () => {
    expect(
      find(
        'plugin-dependencies',
        'packages/plugin-leaky/package.json',
        '"@mesh/daemon" in dependencies',
      ),
    ).toBeDefined();
    // No exception for wire-protocol packages: a plugin's only @mesh dependency is the contract.
    expect(
      find(
        'plugin-dependencies',
        'packages/plugin-leaky/package.json',
        '"@mesh/goplugin" in dependencies',
      ),
    ).toBeDefined();
    expect(
      find('plugin-dependencies', 'packages/plugin-leaky/package.json', 'in peerDependencies'),
    ).toBeDefined();
    expect(
      find('plugin-dependencies', 'packages/plugin-leaky/package.json', 'in devDependencies'),
    ).toBeDefined();
    expect(
      find('plugin-dependencies', 'packages/plugin-leaky/src/index.ts:1', 'imports "@mesh/daemon"'),
    ).toBeDefined();
  });

  it('rule 4: reports a deep import past the exports map and a relative path into another package', () => {
    expect(
      find(
        'no-internal-imports',
        'packages/daemon/src/index.ts:1',
        "not in @mesh/wire's exports map",
      ),
    ).toBeDefined();
    expect(
      find('no-internal-imports', 'packages/daemon/src/index.ts:2', 'reaches outside @mesh/daemon'),
    ).toBeDefined();
  });

  it('rule 5: reports the package cycle and the runtime file cycle, but not the type-only back edge', () => {
    expect(
      find('no-cycles', 'packages/daemon/package.json', '@mesh/daemon → @mesh/plugin-leaky'),
    ).toBeDefined();
    const fileCycles = violations.filter(
      (v) => v.rule === 'no-cycles' && v.message.startsWith('import cycle inside'),
    );
    expect(fileCycles.map((v) => v.message)).toEqual([
      'import cycle inside @mesh/daemon: src/a.ts → src/b.ts → src/a.ts.',
    ]);
  });

  it('formats each violation with its rule and file', () => {
    const text = formatViolations(violations);
    expect(text).toContain('[contract-purity] packages/daemonapi/src/index.ts:1');
    expect(text.split('\n✗').length).toBe(violations.length);
  });
});

describe('boundary check with no violations', () => {
  it('accepts a clean fixture (type-only cycles, node:* in a subpath, a plugin with the contract as peer)', () => {
    expect(checkBoundaries(path.join(here, 'fixtures', 'good-workspace'))).toEqual([]);
  });

  it('accepts this repository', () => {
    const violations = checkBoundaries(repoRoot);
    expect(violations, formatViolations(violations)).toEqual([]);
  });
});
