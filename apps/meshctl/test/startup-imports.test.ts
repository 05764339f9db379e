// What the built meshctl loads: every cold invocation pays for the Node built-ins it imports
// (bench/startup.js), so `--help`, completion and a plain `info` load none of the ones only some
// commands use (crypto, child_process, fs/promises), and `--help` does not load the client.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MESHCTL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

// Printed at exit: every Node built-in the process loaded, one per line.
const REPORT = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('\\n' + process.moduleLoadList.join('\\n')));",
)}`;

/** The public Node built-ins `node <MESHCTL> ...args` loaded (exit code ignored). */
function builtinsLoaded(args: string[]): Promise<string[]> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ['--import', REPORT, MESHCTL, ...args],
      { env: { ...process.env, MESH_HOME: tmpdir() } },
      (_err, _out, stderr) =>
        resolve(
          stderr
            .split('\n')
            .filter((l) => l.startsWith('NativeModule ') && !l.includes('internal/'))
            .map((l) => l.slice('NativeModule '.length)),
        ),
    ),
  );
}

const ONLY_SOME_COMMANDS = /^(crypto|child_process|fs\/promises|dgram|dns|zlib|tls|https?)$/;

describe('meshctl start-up imports', () => {
  it('loads no command-specific built-ins for --help, completion or info', async () => {
    if (!existsSync(MESHCTL))
      throw new Error(`${MESHCTL} is not built: run "pnpm turbo run build --filter=meshctl..."`);
    const help = await builtinsLoaded(['--help']);
    expect(help).toContain('fs');
    expect(help.filter((m) => ONLY_SOME_COMMANDS.test(m))).toEqual([]);
    // The client's home directory lookup (`node:os`) comes with the client: not for help.
    expect(help).not.toContain('os');
    const complete = await builtinsLoaded(['__complete', 'in']);
    expect(complete.filter((m) => ONLY_SOME_COMMANDS.test(m) || m === 'os')).toEqual([]);
    // No daemon answers on this socket: the command fails after loading the client and dialling.
    const info = await builtinsLoaded([
      'info',
      '--json',
      '--socket',
      path.join(tmpdir(), `meshctl-none-${process.pid}.sock`),
    ]);
    expect(info).toContain('os');
    expect(info.filter((m) => ONLY_SOME_COMMANDS.test(m))).toEqual([]);
  });
});
