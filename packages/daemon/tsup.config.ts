import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { meshTsup } from '@mesh/tooling/tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/** The commit being built, `''` outside a git checkout. */
function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

// versionInfo() reports what is stamped here: the package version, the commit and the build time.
const build = { version: pkg.version, commit: commit(), buildTime: new Date().toISOString() };

export default {
  ...meshTsup({
    entry: { index: 'src/index.ts', internals: 'src/internals.ts' },
    platform: 'node',
  }),
  define: { __MESH_DAEMON_BUILD__: JSON.stringify(build) },
};
