// Reference §G.2 "peer daemon stopped → read error" with a real process: the peer daemon runs
// in a child process (TypeScript sources through tsx), the parent dials it, then the child is
// SIGKILLed, so nothing (no FIN, no RST) leaves it. The parent's reader must get the
// retransmission-limit error; the parent's timers are tuned so that takes well under a second.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseAddr } from '@mesh/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon, startRendezvous, type Rendezvous, type TestDaemon } from './harness.js';
import { expectPeerGone } from './helpers.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PORT = 5300;

let rv: Rendezvous;
let a: TestDaemon;
let child: ChildProcess | undefined;
let childDir: string | undefined;

beforeAll(async () => {
  rv = await startRendezvous();
  a = await startDaemon(rv, {
    streams: { maxRetransmits: 3, initialRtoMs: 50, minRtoMs: 20, maxRtoMs: 100 },
  });
});
afterEach(async () => {
  if (child !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  child = undefined;
  if (childDir !== undefined) await rm(childDir, { recursive: true, force: true });
  childDir = undefined;
});
afterAll(async () => {
  await a?.stop();
  await rv?.close();
});

/** Starts the peer daemon process; resolves with its address once it printed its ready line. */
async function startPeerProcess(): Promise<{ proc: ChildProcess; addr: string }> {
  childDir = await mkdtemp(path.join(tmpdir(), 'mesh-peer-'));
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--import',
      path.join(fixtures, 'register-workspace-sources.ts'),
      path.join(fixtures, 'peer-daemon.ts'),
      rv.registryAddr,
      rv.beaconAddr,
      childDir,
      String(PORT),
    ],
    { cwd: path.dirname(fixtures), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child = proc;
  let stderr = '';
  proc.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const lines = createInterface({ input: proc.stdout });
  const exit = once(proc, 'exit').then(([code, signal]) => {
    throw new Error(`peer daemon exited before ready (${code ?? signal}): ${stderr}`);
  });
  const ready = (async () => {
    for await (const line of lines) {
      if (!line.startsWith('{')) continue;
      const msg = JSON.parse(line) as { ready?: boolean; addr?: string };
      if (msg.ready === true && typeof msg.addr === 'string') return msg.addr;
    }
    throw new Error(`peer daemon closed stdout before ready: ${stderr}`);
  })();
  const addr = await Promise.race([ready, exit]);
  exit.catch(() => {}); // the later SIGKILL is expected
  return { proc, addr };
}

describe('peer daemon process killed', () => {
  it('gives the reader a RETRANSMIT_LIMIT error after the peer process is SIGKILLed', async () => {
    const { proc, addr } = await startPeerProcess();
    const conn = await a.daemon.dial(parseAddr(addr), PORT);
    // One echo round trip proves the stream to the other process works.
    const echoed = new Promise<Buffer>((resolve) => conn.once('data', resolve));
    conn.write('ping');
    expect((await echoed).toString()).toBe('ping');

    const exited = once(proc, 'exit');
    proc.kill('SIGKILL');
    expect((await exited)[1]).toBe('SIGKILL');

    await expectPeerGone(a.daemon, conn);
  });
});
