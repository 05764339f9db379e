// A local mesh in one command: mesh-rendezvous + two meshd daemons (each in its own temp
// MESH_HOME), a message from one to the other with meshctl, then everything is cleaned up.
// Run after a build:  pnpm --filter meshctl run demo   (tsx scripts/demo.ts)
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BINARIES, assertBuilt, startRendezvous, type RendezvousProcess } from './local-mesh.js';

const MESHCTL = BINARIES.meshctl;
assertBuilt(BINARIES);

const root = mkdtempSync(path.join(tmpdir(), 'mesh-demo-'));
const homes: Record<'alice' | 'bob', string> = {
  alice: path.join(root, 'alice'),
  bob: path.join(root, 'bob'),
};
let rendezvous: RendezvousProcess | undefined;
let step = 0;

const say = (text: string): void => console.log(`\n\x1b[1m[${++step}] ${text}\x1b[0m`);
const show = (cmd: string): void => console.log(`    $ ${cmd}`);

function meshctl(who: 'alice' | 'bob', args: string[], { quiet = false } = {}): Promise<string> {
  show(`MESH_HOME=${homes[who]} meshctl ${args.join(' ')}`);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [MESHCTL, ...args],
      { env: { ...process.env, MESH_HOME: homes[who], MESH_SOCKET: '' } },
      (err, out, errOut) => {
        if (!quiet)
          for (const line of `${out}${errOut}`.trimEnd().split('\n'))
            if (line) console.log(`      ${line}`);
        if (err) reject(new Error(`meshctl ${args[0]} failed (exit ${String(err.code)})`));
        else resolve(out);
      },
    );
  });
}

async function cleanup(): Promise<void> {
  for (const who of ['alice', 'bob'] as const) {
    const pidFile = path.join(homes[who], 'meshd.pid');
    if (existsSync(pidFile))
      await meshctl(who, ['daemon', 'stop'], { quiet: true }).catch(() => {});
  }
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
}

try {
  say('Start the rendezvous (registry + beacon) on loopback');
  show('mesh-rendezvous --registry-addr 127.0.0.1:0 --beacon-addr 127.0.0.1:0');
  rendezvous = await startRendezvous();
  const ready = rendezvous;
  console.log(`      registry ${ready.registry}, beacon ${ready.beacon}`);
  const net = ['--registry', ready.registry, '--beacon', ready.beacon, '--listen', '127.0.0.1:0'];

  say('Start two daemons, each with its own state directory');
  await meshctl('alice', ['daemon', 'start', '--hostname', 'alice', ...net]);
  await meshctl('bob', ['daemon', 'start', '--hostname', 'bob', '--public', ...net]);

  say('Alice looks Bob up by hostname');
  await meshctl('alice', ['find', 'bob']);

  say('Bob waits for a message on port 1000; Alice sends one');
  const recv = spawn(process.execPath, [MESHCTL, 'recv', '1000', '--timeout', '30s'], {
    env: { ...process.env, MESH_HOME: homes.bob },
  });
  show(`MESH_HOME=${homes.bob} meshctl recv 1000   (in the background)`);
  let received = '';
  recv.stdout.on('data', (c: Buffer) => (received += c.toString()));
  await new Promise<void>((resolve, reject) => {
    recv.stderr.on('data', (c: Buffer) => {
      if (String(c).includes('listening')) resolve();
      else process.stderr.write(`      (bob's recv) ${c.toString()}`);
    });
    recv.once('exit', (code) => reject(new Error(`recv exited early (${code})`)));
  });
  const recvDone = new Promise((r) => recv.once('exit', r));
  await meshctl('alice', [
    'send',
    'bob',
    '1000',
    '--data',
    'hello bob, this is alice over the mesh',
  ]);
  await recvDone;
  console.log(`      bob received: ${received.trim()}`);

  say("Alice drops a note into Bob's inbox through the data-exchange service");
  await meshctl('alice', ['send-message', 'bob', '--data', 'see you on the mesh']);
  const inbox = path.join(homes.bob, 'inbox');
  for (const f of existsSync(inbox) ? readdirSync(inbox) : []) {
    const note = JSON.parse(readFileSync(path.join(inbox, f), 'utf8')) as {
      from?: string;
      data?: string;
    };
    console.log(`      bob's inbox/${f}: from ${note.from ?? '?'}: ${note.data ?? ''}`);
  }

  say("Round trips through Bob's echo service, and the tunnel Alice now has");
  await meshctl('alice', ['ping', 'bob', '--count', '3']);
  await meshctl('alice', ['peers']);

  say('Stop both daemons');
  await meshctl('alice', ['daemon', 'stop']);
  await meshctl('bob', ['daemon', 'stop']);
  console.log('\ndemo finished: rendezvous + two daemons + a message between them');
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  for (const who of ['alice', 'bob'] as const) {
    const log = path.join(homes[who], 'meshd.log');
    if (existsSync(log))
      console.error(
        `--- ${who} meshd.log\n${readFileSync(log, 'utf8').split('\n').slice(-10).join('\n')}`,
      );
  }
  process.exitCode = 1;
} finally {
  await cleanup();
}
