// What the built meshd loads before it runs: the modules a plain daemon does not need (the
// plugin host with grpc-js, `ws`, TLS, HTTP) stay unloaded until a flag asks for them. Each of
// them costs start-up time and resident memory in every daemon (bench/startup.js).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MESHD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/index.js');

// Printed at exit: every Node built-in the process loaded, one per line.
const REPORT = `data:text/javascript,${encodeURIComponent(
  "process.on('exit', () => process.stderr.write('\\n' + process.moduleLoadList.join('\\n')));",
)}`;

/** The built-in modules `node <MESHD> ...args` loaded. */
function builtinsLoaded(args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['--import', REPORT, MESHD, ...args], (err, _out, stderr) => {
      if (err) reject(new Error(`meshd ${args.join(' ')} failed: ${err.message}`));
      else
        resolve(
          stderr
            .split('\n')
            .filter((l) => l.startsWith('NativeModule '))
            .map((l) => l.slice('NativeModule '.length)),
        );
    }),
  );
}

describe('meshd start-up imports', () => {
  it('loads no TLS, HTTP, HTTP/2 (grpc-js) or zlib (ws) when nothing asks for them', async () => {
    if (!existsSync(MESHD))
      throw new Error(`${MESHD} is not built: run "pnpm turbo run build --filter=meshd..."`);
    // --version returns after the whole static import graph has been evaluated.
    const loaded = await builtinsLoaded(['--version']);
    expect(loaded).toContain('net');
    expect(loaded.filter((m) => /^(tls|_tls_wrap|https?|_http_\w+|http2|zlib)$/.test(m))).toEqual(
      [],
    );
    // DNS only for a webhook host (first delivery) or a registry/beacon given by name.
    expect(loaded.filter((m) => /^dns(\/promises)?$/.test(m))).toEqual([]);
  });
});
