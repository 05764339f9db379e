/**
 * docs/architecture.md stays current: its Mermaid package graph must list exactly the runtime
 * dependencies between workspace packages (solid arrows) and the peer dependencies (dashed `peer`
 * arrows) that the package.json files declare.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const doc = readFileSync(path.join(repoRoot, 'docs', 'architecture.md'), 'utf8');
const mermaid = /```mermaid\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifests = ['packages', 'apps'].flatMap((group) =>
  readdirSync(path.join(repoRoot, group))
    .map((entry) => path.join(repoRoot, group, entry, 'package.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as Manifest),
);
const names = new Set(manifests.map((m) => m.name));

// Node ids → package names, from labels such as daemon["@mesh/daemon<br/>engine"].
const packageOf = new Map<string, string>();
for (const [, id, label] of mermaid.matchAll(/^\s*(\w+)\["([^"<]+)/gm))
  packageOf.set(id, label.trim());

const edges = (pattern: RegExp): Set<string> => {
  const found = new Set<string>();
  for (const [, from, to] of mermaid.matchAll(pattern)) {
    const a = packageOf.get(from);
    const b = packageOf.get(to);
    if (a && b && names.has(a) && names.has(b)) found.add(`${a} -> ${b}`);
  }
  return found;
};
const declared = (kind: 'dependencies' | 'peerDependencies'): Set<string> =>
  new Set(
    manifests.flatMap((m) =>
      Object.keys(m[kind] ?? {})
        .filter((dep) => names.has(dep))
        .map((dep) => `${m.name} -> ${dep}`),
    ),
  );

describe('docs/architecture.md package graph', () => {
  it('names every workspace package', () => {
    const drawn = new Set(packageOf.values());
    for (const name of names) expect(drawn, `${name} is missing from the diagram`).toContain(name);
  });

  it('draws exactly the runtime dependencies as solid arrows', () => {
    expect([...edges(/^\s*(\w+) --> (\w+)/gm)].sort()).toEqual(
      [...declared('dependencies')].sort(),
    );
  });

  it('draws exactly the peer dependencies as dashed peer arrows', () => {
    expect([...edges(/^\s*(\w+) -\. peer \.-> (\w+)/gm)].sort()).toEqual(
      [...declared('peerDependencies')].sort(),
    );
  });
});
