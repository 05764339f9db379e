// CLI basics that need no daemon: --version, did-you-mean, completion.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completionScript, completions } from '../src/cli/complete.js';
import { runCli } from '../src/cli/run.js';
import { closest } from '../src/cli/suggest.js';
import { MESHCTL_VERSION, TABLE } from '../src/commands/table.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'meshctl-basics-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, TABLE, {
    out: (t) => (out += t),
    err: (t) => (err += t),
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    env: { MESH_HOME: dir },
  });
  return { code, out, err };
}

describe('version', () => {
  it('--version and version print the CLI version, and say when no daemon runs', async () => {
    const manifest = JSON.parse(
      readFileSync(
        path.join(path.dirname(fileURLToPath(import.meta.url)), '../package.json'),
        'utf8',
      ),
    ) as { version: string };
    expect(MESHCTL_VERSION).toBe(manifest.version);
    for (const argv of [['--version'], ['version'], ['-V']]) {
      const r = await run(...argv);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`meshctl ${manifest.version}`);
      expect(r.out).toContain('not running');
    }
    const json = await run('--version', '--json');
    expect(JSON.parse(json.out)).toEqual({
      status: 'ok',
      data: { meshctl: manifest.version, daemon: null },
    });
  });
});

describe('did you mean', () => {
  it('suggests the closest command and flag', async () => {
    const cmd = await run('infp');
    expect(cmd.code).toBe(2);
    expect(cmd.err).toContain('did you mean "meshctl info"?');
    const sub = await run('daemon', 'strat');
    expect(sub.err).toContain('did you mean "meshctl daemon start"?');
    const flag = await run('send', 'beta', '1000', '--dta', 'x');
    expect(flag.err).toContain('did you mean --data?');
    expect(closest('zzzzzz', ['info', 'peers'])).toBeUndefined();
  });
});

describe('completion', () => {
  it('completes commands, subcommands and flags from the table', () => {
    expect(completions(TABLE, ['pe'])).toEqual(['peers', 'pending']);
    expect(completions(TABLE, ['daemon', 'st'])).toEqual(['start', 'stop', 'status']);
    expect(completions(TABLE, ['peers', ''])).toEqual(['forget']);
    expect(completions(TABLE, ['send', 'beta', '--d'])).toEqual(['--data']);
    expect(completions(TABLE, ['info', '--j'])).toEqual(['--json']);
  });

  it('prints a script per shell and answers __complete', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await run('completion', shell);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('meshctl __complete');
      expect(r.out.trim()).toBe(completionScript(shell as 'bash').trim());
    }
    expect((await run('completion', 'tcsh')).code).toBe(2);
    expect((await run('__complete', 'loo')).out).toBe('lookup\n');
  });
});

describe('formatting', () => {
  it('formats round-trip times and sizes for tables', async () => {
    const { formatBytes, formatMs } = await import('../src/util/format.js');
    expect(formatMs(0)).toBe('-');
    expect(formatMs(0.4213)).toBe('0.42 ms');
    expect(formatMs(12.34)).toBe('12.3 ms');
    expect(formatMs(240.4)).toBe('240 ms');
    expect(formatMs(1500)).toBe('1.50 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
});
