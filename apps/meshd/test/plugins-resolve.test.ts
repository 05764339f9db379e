import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolvePlugin } from '../src/config/plugins.js';

let project: string;
beforeEach(() => {
  project = mkdtempSync(path.join(tmpdir(), 'meshd-plug-'));
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ type: 'module' }));
});
afterEach(() => rmSync(project, { recursive: true, force: true }));

function installPackage(name: string, manifest: object, files: Record<string, string>): string {
  const dir = path.join(project, 'node_modules', ...name.split('/'));
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, ...manifest }));
  for (const [f, text] of Object.entries(files)) writeFileSync(path.join(dir, f), text);
  return dir;
}

describe('--plugins resolution', () => {
  it("resolves a package name from the user's project through its exports map", () => {
    const dir = installPackage(
      '@acme/mesh-plugin-hello',
      {
        type: 'module',
        exports: { '.': { types: './dist/index.d.ts', import: './dist/index.js' } },
      },
      { 'dist/index.js': 'export {};' },
    );
    const nested = path.join(project, 'src', 'deep');
    mkdirSync(nested, { recursive: true });
    expect(resolvePlugin('@acme/mesh-plugin-hello', nested)).toBe(
      pathToFileURL(path.join(dir, 'dist/index.js')).href,
    );
  });

  it('says where it looked for a package that is not installed', () => {
    expect(() => resolvePlugin('mesh-plugin-missing', project)).toThrow(
      new RegExp(
        `not found; looked in ${path.join(project, 'node_modules')}.*npm install mesh-plugin-missing`,
      ),
    );
    expect(resolvePlugin('bundled', project, (n) => n === 'bundled')).toBe('bundled');
  });

  it('accepts a compiled ES module path and rejects TypeScript and CommonJS with what to do', () => {
    writeFileSync(path.join(project, 'plugin.js'), 'export {};');
    writeFileSync(path.join(project, 'plugin.mjs'), 'export {};');
    writeFileSync(path.join(project, 'plugin.ts'), 'export {};');
    writeFileSync(path.join(project, 'plugin.cjs'), 'module.exports = {};');
    expect(resolvePlugin('./plugin.js', project)).toBe(
      pathToFileURL(path.join(project, 'plugin.js')).href,
    );
    expect(resolvePlugin(path.join(project, 'plugin.mjs'), '/')).toMatch(/^file:/);
    expect(() => resolvePlugin('./plugin.ts', project)).toThrow(
      /TypeScript file: meshd loads compiled JavaScript\. Build it/,
    );
    expect(() => resolvePlugin('./plugin.cjs', project)).toThrow(/CommonJS.*must be ES modules/);
    const cjsDir = path.join(project, 'cjs');
    mkdirSync(cjsDir);
    writeFileSync(path.join(cjsDir, 'package.json'), '{}');
    writeFileSync(path.join(cjsDir, 'plugin.js'), 'module.exports = {};');
    expect(() => resolvePlugin('./cjs/plugin.js', project)).toThrow(
      /has no "type": "module".*Add "type": "module"/,
    );
    expect(() => resolvePlugin('./nope.js', project)).toThrow(/plugin file not found/);
  });
});
