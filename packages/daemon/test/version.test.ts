import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../src/daemon/daemon.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('versionInfo', () => {
  it('reports the package.json version, and no commit or build time from sources', () => {
    const daemon = new Daemon({ registry: '127.0.0.1:1' });
    expect(daemon.versionInfo()).toEqual({ version: pkg.version, commit: '', buildTime: '' });
  });

  it('reports the commit and build time stamped into the build', async () => {
    expect(existsSync(DIST), 'build @mesh/daemon first (pnpm run build)').toBe(true);
    const script = `import { Daemon } from ${JSON.stringify(DIST)};
process.stdout.write(JSON.stringify(new Daemon({ registry: '127.0.0.1:1' }).versionInfo()));`;
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--input-type=module', '-e', script], (error, stdout) =>
        error ? reject(new Error(error.message)) : resolve(stdout),
      ),
    );
    const info = JSON.parse(out) as { version: string; commit: string; buildTime: string };
    expect(info.version).toBe(pkg.version);
    expect(info.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(new Date(info.buildTime).toISOString()).toBe(info.buildTime);
  });
});
