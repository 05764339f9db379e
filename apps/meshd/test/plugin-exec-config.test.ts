import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, resolveConfig } from '../src/config/config.js';
import { UsageError, parseMeshdArgs } from '../src/config/flags.js';
import { parsePluginExec } from '../src/exec-plugins.js';

const SHA = 'a'.repeat(64);

describe('--plugin-exec', () => {
  it('parses name=/path with an optional checksum and mtls switch', () => {
    expect(parsePluginExec('goecho=/opt/goecho')).toEqual({
      name: 'goecho',
      path: '/opt/goecho',
      autoMTLS: true,
    });
    expect(parsePluginExec(`g=/x,sha256=${SHA.toUpperCase()},mtls=off`)).toEqual({
      name: 'g',
      path: '/x',
      sha256: SHA,
      autoMTLS: false,
    });
  });

  it.each(['/no/name', 'n=', '=/p', 'n=/p,sha256=xyz', 'n=/p,color=red'])(
    'refuses %j as a usage error',
    (text) => {
      expect(() => parsePluginExec(text)).toThrow(UsageError);
    },
  );

  it('is repeatable on the command line and merges after the config file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshd-pe-'));
    try {
      const file = path.join(dir, 'c.json');
      writeFileSync(file, JSON.stringify({ 'plugin-exec': ['a=/a'] }));
      const flags = parseMeshdArgs([
        '--plugin-exec',
        'b=/b',
        '--plugin-exec',
        `c=/c,sha256=${SHA}`,
      ]);
      expect(flags.pluginExec).toEqual(['b=/b', `c=/c,sha256=${SHA}`]);
      const fromFile = await loadConfigFile(file);
      expect(resolveConfig(flags, fromFile, { MESH_HOME: dir }).pluginExec).toEqual([
        'a=/a',
        'b=/b',
        `c=/c,sha256=${SHA}`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a config value that is not an array of strings', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'meshd-pe-'));
    try {
      const file = path.join(dir, 'c.json');
      writeFileSync(file, JSON.stringify({ plugin_exec: 'a=/a' }));
      await expect(loadConfigFile(file)).rejects.toThrow(
        '"plugin_exec" must be an array of strings',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
