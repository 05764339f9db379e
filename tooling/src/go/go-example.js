// @ts-check
// Shared by the exec-host and meshctl tests (tests may not import across packages).
// Builds the Go example plugin (examples/go-echo) with Debian's go-plugin packages, installing
// them first when they are missing. No skip: without a Go toolchain the tests fail and say why.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The Go example's sources. */
export const GO_EXAMPLE = path.resolve(here, '../../../examples/go-echo');
const PACKAGES = ['golang-go', 'golang-github-hashicorp-go-plugin-dev', 'golang-google-grpc-dev'];
const GO_PLUGIN_SRC = '/usr/share/gocode/src/github.com/hashicorp/go-plugin';

/** @returns whether go and the go-plugin/gRPC sources are installed. */
function haveToolchain() {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
  } catch {
    return false;
  }
  return existsSync(GO_PLUGIN_SRC) && existsSync('/usr/share/gocode/src/google.golang.org/grpc');
}

/**
 * Builds the Go example into a temp dir.
 * @returns {string} the executable path.
 * @throws Error naming the missing packages when they cannot be installed.
 */
export function buildGoExample() {
  if (!haveToolchain()) {
    try {
      execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', '-qq', ...PACKAGES], {
        stdio: 'ignore',
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      });
    } catch (error) {
      throw new Error(
        `the Go interoperability tests need the Debian packages ${PACKAGES.join(' ')} and could not install them ` +
          `(${error instanceof Error ? error.message : String(error)}); install them as root with apt-get`,
      );
    }
  }
  const out = mkdtempSync(path.join(tmpdir(), 'mesh-go-plugin-'));
  const gopath = path.join(out, 'gopath');
  const binary = path.join(out, 'goecho');
  execFileSync('go', ['build', '-o', binary, '.'], {
    cwd: GO_EXAMPLE,
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${gopath}:/usr/share/gocode`,
      GOCACHE: process.env['GOCACHE'] ?? path.join(tmpdir(), 'mesh-go-cache'),
      GOFLAGS: '',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return binary;
}
