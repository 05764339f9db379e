// A local mesh in one command: mesh-rendezvous + meshd daemons (each in its own temp MESH_HOME),
// a message from one to another with meshctl, two private daemons that establish trust through
// the registry relay and exchange a message, then everything is cleaned up.
// Run after a build:  pnpm --filter meshctl run demo   (tsx scripts/demo.ts)
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BINARIES, assertBuilt, startRendezvous, type RendezvousProcess } from './local-mesh.js';

const MESHCTL = BINARIES.meshctl;
assertBuilt(BINARIES);

const root = mkdtempSync(path.join(tmpdir(), 'mesh-demo-'));
type Who = 'alice' | 'bob' | 'carol';
const homes: Record<Who, string> = {
  alice: path.join(root, 'alice'),
  bob: path.join(root, 'bob'),
  carol: path.join(root, 'carol'),
};
let rendezvous: RendezvousProcess | undefined;
let step = 0;

const say = (text: string): void => console.log(`\n\x1b[1m[${++step}] ${text}\x1b[0m`);
const show = (cmd: string): void => console.log(`    $ ${cmd}`);

function meshctl(who: Who, args: string[], { quiet = false } = {}): Promise<string> {
  if (!quiet) show(`MESH_HOME=${homes[who]} meshctl ${args.join(' ')}`);
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
  for (const who of ['alice', 'bob', 'carol'] as const) {
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

  say('Carol starts a third daemon; like Alice she is private (the default)');
  await meshctl('carol', ['daemon', 'start', '--hostname', 'carol', ...net]);
  const idOf = async (who: Who): Promise<number> =>
    (
      JSON.parse(await meshctl(who, ['info', '--json'], { quiet: true })) as {
        data: { node_id: number };
      }
    ).data.node_id;
  const [aliceId, carolId] = [await idOf('alice'), await idOf('carol')];
  console.log(`      alice is node ${aliceId}, carol is node ${carolId}`);

  say('Alice cannot reach Carol: a private node refuses streams from peers it does not trust');
  await meshctl('alice', ['send-message', String(carolId), '--data', 'hello?']).then(
    () => {
      throw new Error('a private node accepted a stranger');
    },
    () => console.log('      refused, as expected'),
  );

  say("Alice asks Carol for trust; the request goes through the registry's relay inbox");
  await meshctl('alice', ['handshake', String(carolId), 'alice would like to talk']);

  say('Carol sees the request and approves it');
  // `pending` asks the registry for relayed requests; one that arrived a moment ago may need a
  // second look.
  const waitFor = async (who: Who, args: string[], ok: (out: string) => boolean): Promise<void> => {
    for (let i = 0; i < 80; i++) {
      if (ok(await meshctl(who, args, { quiet: true }))) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`meshctl ${args.join(' ')} never showed what the demo waits for`);
  };
  await waitFor('carol', ['pending', '--json'], (out) => out.includes(`"node_id":${aliceId}`));
  await meshctl('carol', ['pending']);
  await meshctl('carol', ['approve', String(aliceId)]);

  say('Alice learns of the approval from the relay; both trust each other now');
  await waitFor('alice', ['trust', '--json'], (out) => out.includes(`"node_id":${carolId}`));
  await meshctl('alice', ['trust']);

  say('Alice sends Carol a message, which Carol now accepts');
  await meshctl('alice', [
    'send-message',
    String(carolId),
    '--data',
    'hi carol, we are trusted now',
  ]);
  const carolInbox = path.join(homes.carol, 'inbox');
  for (const f of existsSync(carolInbox) ? readdirSync(carolInbox) : []) {
    const note = JSON.parse(readFileSync(path.join(carolInbox, f), 'utf8')) as {
      from?: string;
      data?: string;
    };
    console.log(`      carol's inbox/${f}: from ${note.from ?? '?'}: ${note.data ?? ''}`);
  }

  say('Stop the daemons');
  await meshctl('alice', ['daemon', 'stop']);
  await meshctl('bob', ['daemon', 'stop']);
  await meshctl('carol', ['daemon', 'stop']);
  console.log(
    '\ndemo finished: rendezvous + three daemons, a message, and two private nodes that became trusted',
  );
} catch (err) {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  for (const who of ['alice', 'bob', 'carol'] as const) {
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
