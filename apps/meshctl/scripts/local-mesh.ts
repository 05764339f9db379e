// What the demo, the bench and the end-to-end tests share: the built binaries of the local mesh,
// a "build first" check, and a mesh-rendezvous child process started on loopback.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const apps = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The built entry points of the three binaries. */
export const BINARIES = {
  meshctl: path.join(apps, 'meshctl/dist/index.js'),
  meshd: path.join(apps, 'meshd/dist/index.js'),
  'mesh-rendezvous': path.join(apps, 'rendezvous/dist/index.js'),
} as const;

/** Throws, naming the build command, when one of `files` has not been built. */
export function assertBuilt(files: Record<string, string>): void {
  for (const [name, file] of Object.entries(files))
    if (!existsSync(file))
      throw new Error(
        `${name} is not built (${file} missing): run "pnpm turbo run build --filter=meshctl..." first`,
      );
}

/** A mesh-rendezvous child process and the addresses from its ready line. */
export interface RendezvousProcess {
  readonly proc: ChildProcess;
  readonly registry: string;
  readonly beacon: string;
  /** SIGTERM, then wait for the exit. Idempotent. */
  stop(): Promise<void>;
}

/** Starts mesh-rendezvous on OS-assigned loopback ports with an in-memory store; resolves once it is ready. */
export async function startRendezvous(
  options: { cwd?: string; adminToken?: string } = {},
): Promise<RendezvousProcess> {
  assertBuilt({ 'mesh-rendezvous': BINARIES['mesh-rendezvous'] });
  const proc = spawn(
    process.execPath,
    [
      BINARIES['mesh-rendezvous'],
      '--registry-addr',
      '127.0.0.1:0',
      '--beacon-addr',
      '127.0.0.1:0',
      '--ws-addr',
      '',
      '--store',
      ':memory:',
      ...(options.adminToken === undefined ? [] : ['--admin-token', options.adminToken]),
    ],
    {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  const ready = await new Promise<{ registry: string; beacon: string }>((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const line = buf.split('\n').find((l) => l.includes('"ready"'));
      if (line) resolve(JSON.parse(line) as { registry: string; beacon: string });
    });
    proc.once('exit', (code) =>
      reject(new Error(`mesh-rendezvous exited (${code}) before it was ready`)),
    );
  });
  return {
    proc,
    registry: ready.registry,
    beacon: ready.beacon,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await gone;
    },
  };
}
