#!/usr/bin/env node
// @ts-check
/**
 * Scaffolds a workspace package with the repo's conventions (ESM only, `types`-first exports map,
 * explicit `files`, engines, shared tsconfig / tsup / vitest presets).
 *
 *   node tooling/scripts/new-package.js <dir> <name> [--pure] [--plugin] [--app] [--description "…"]
 *
 * `--pure` builds for every runtime with no Node types; `--plugin` sets `sideEffects` (importing a
 * plugin registers it) and the contract as peer; `--app` makes a private package with a `bin`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const flag = (/** @type {string} */ name) => args.includes(name);
const option = (/** @type {string} */ name) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : undefined;
};
const [dirArg, name] = args.filter(
  (a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--description'),
);
if (!dirArg || !name) {
  console.error(
    'usage: new-package.js <dir> <name> [--pure] [--plugin] [--app] [--description "…"]',
  );
  process.exit(2);
}
const dir = path.join(repoRoot, dirArg);
if (existsSync(path.join(dir, 'package.json'))) {
  console.error(`${dirArg} already has a package.json`);
  process.exit(1);
}
const pure = flag('--pure');
const plugin = flag('--plugin');
const app = flag('--app');
const up = path.relative(dir, path.join(repoRoot, 'tooling')).split(path.sep).join('/');

/** @type {Record<string, any>} */
const manifest = {
  name,
  version: '0.1.0',
  description: option('--description') ?? '',
  license: 'Apache-2.0',
  type: 'module',
  ...(app ? { private: true } : {}),
  sideEffects: plugin,
  engines: { node: '>=20.19' },
  exports: {
    '.': { types: './dist/index.d.ts', import: './dist/index.js' },
    './package.json': './package.json',
  },
  files: ['dist', 'README.md'],
  ...(app ? {} : { publishConfig: { access: 'public' } }),
  scripts: {
    build: 'tsup',
    typecheck: 'tsc -p tsconfig.json --noEmit',
    lint: 'eslint .',
    test: 'vitest run',
    ...(app ? {} : { 'pack:check': 'publint --strict && attw --pack . --profile esm-only' }),
  },
  ...(plugin ? { peerDependencies: { '@mesh/daemonapi': '^0.1.0' } } : {}),
  devDependencies: {
    ...(plugin ? { '@mesh/daemonapi': 'workspace:*' } : {}),
    '@mesh/tooling': 'workspace:*',
  },
};
const files = {
  'package.json': JSON.stringify(manifest, null, 2) + '\n',
  'tsconfig.json':
    JSON.stringify(
      { extends: `${up}/tsconfig.base.json`, include: ['src', 'test', 'bench', '*.config.ts'] },
      null,
      2,
    ) + '\n',
  'tsconfig.build.json':
    JSON.stringify(
      { extends: `${up}/tsconfig.${pure ? 'pure' : 'base'}.json`, include: ['src'] },
      null,
      2,
    ) + '\n',
  'tsup.config.ts': `import { meshTsup } from '@mesh/tooling/tsup';\n\nexport default meshTsup({ entry: { index: 'src/index.ts' }, platform: '${pure ? 'neutral' : 'node'}' });\n`,
  'vitest.config.ts': `import { defineMeshProject } from '@mesh/tooling/vitest';\n\nexport default defineMeshProject(import.meta.url);\n`,
};
mkdirSync(path.join(dir, 'src'), { recursive: true });
mkdirSync(path.join(dir, 'test'), { recursive: true });
for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
console.log(`created ${dirArg} (${name}); add src/index.ts, tests under test/, and a README.md`);
