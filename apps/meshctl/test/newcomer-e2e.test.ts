// A newcomer's first hour, as a user meets it: built binaries, a real rendezvous, two daemons.
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from '@mesh/daemonapi';
import { checkPluginCompliance } from '@mesh/plugin-testkit';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BINARIES, startRendezvous, type RendezvousProcess } from '../scripts/local-mesh.js';

interface Run {
  code: number;
  out: string;
  err: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed CLI output
}

let root: string;
let rendezvous: RendezvousProcess | undefined;
const homes = { a: '', b: '' };
const ids = { a: 0, b: 0 };

function meshctl(home: string, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BINARIES.meshctl, ...args],
      {
        env: { ...process.env, MESH_HOME: home, MESH_SOCKET: '', MESH_REGISTRY: '' },
        timeout: 60_000,
      },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        let json: unknown;
        try {
          json = JSON.parse(code === 0 ? out : err);
        } catch {
          json = undefined;
        }
        resolve({ code, out, err, json });
      },
    );
  });
}

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), 'meshctl-errors-'));
  homes.a = path.join(root, 'a');
  homes.b = path.join(root, 'b');
  rendezvous = await startRendezvous({ cwd: root });
  const common = ['--registry', rendezvous.registry, '--beacon', rendezvous.beacon];
  const [a, b] = await Promise.all([
    meshctl(
      homes.a,
      'daemon',
      'start',
      '--hostname',
      'alpha-private',
      '--log-level',
      'debug',
      '--listen',
      '127.0.0.1:0',
      ...common,
      '--json',
    ),
    meshctl(
      homes.b,
      'daemon',
      'start',
      '--hostname',
      'beta',
      '--public',
      '--listen',
      '127.0.0.1:0',
      ...common,
      '--json',
    ),
  ]);
  expect(a.code, a.err).toBe(0);
  expect(b.code, b.err).toBe(0);
  ids.a = a.json.data.node_id;
  ids.b = b.json.data.node_id;
}, 60_000);

afterAll(async () => {
  await Promise.all([meshctl(homes.a, 'daemon', 'stop'), meshctl(homes.b, 'daemon', 'stop')]);
  await rendezvous?.stop();
  rmSync(root, { recursive: true, force: true });
});

const CLIENT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../packages/client/dist/index.js',
);

describe('@mesh/client README example', () => {
  it('runs 20 times in a row against a real daemon: half-close keeps the reply, no unhandled error', async () => {
    const readme = readFileSync(path.resolve(path.dirname(CLIENT), '../README.md'), 'utf8');
    const example = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const script = path.join(root, 'readme-example.mjs');
    writeFileSync(
      script,
      example!.replace("from '@mesh/client'", `from ${JSON.stringify(pathToFileURL(CLIENT).href)}`),
    );
    for (let i = 0; i < 20; i++) {
      const r = await new Promise<{ code: number; out: string; err: string }>((resolve) =>
        execFile(
          process.execPath,
          [script],
          { env: { ...process.env, MESH_HOME: homes.b, MESH_SOCKET: '' }, timeout: 30_000 },
          (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
        ),
      );
      expect(r.err, `run ${i}`).toBe('');
      expect(r.code, `run ${i}`).toBe(0);
      expect(r.out, `run ${i}`).toContain('hello');
    }
  }, 120_000);
});

describe('README "Writing a plugin", followed as written', () => {
  const repo = path.resolve(path.dirname(CLIENT), '../../..');
  const section = (): string => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const text = readme.slice(readme.indexOf('### Writing a plugin'));
    const code = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
    expect(code).toBeDefined();
    return ts.transpileModule(code!, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
  };

  it('its code blocks are the files of examples/plugin-hello', () => {
    const readme = readFileSync(path.join(repo, 'README.md'), 'utf8');
    const start = readme.indexOf('### Writing a plugin');
    const text = readme.slice(start, readme.indexOf('\n## ', start));
    const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    const example = path.join(repo, 'examples/plugin-hello');
    expect(blocks).toEqual([
      readFileSync(path.join(example, 'src/index.ts'), 'utf8'),
      readFileSync(path.join(example, 'test/compliance.test.ts'), 'utf8'),
    ]);
  });

  it('the example plugin passes the compliance suite', async () => {
    const file = path.join(root, 'readme-plugin-test.mjs');
    writeFileSync(file, section());
    const mod = (await import(pathToFileURL(file).href)) as {
      HelloPlugin: new () => Plugin;
    };
    const results = await checkPluginCompliance({
      name: 'hello',
      factory: () => new mod.HelloPlugin(),
      expectRegistered: true,
    });
    expect(results.flatMap((r) => r.failures)).toEqual([]);
  });

  it('the built plugin loads into a real meshd with --plugins and answers hello.greet', async () => {
    const daemonapi = path.join(repo, 'packages/daemonapi/dist/index.js');
    const project = path.join(root, 'plugin-project');
    mkdirSync(path.join(project, 'dist'), { recursive: true });
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      path.join(project, 'dist/index.js'),
      section().replace("'@mesh/daemonapi'", JSON.stringify(pathToFileURL(daemonapi).href)),
    );
    const home = path.join(root, 'plugin-home');
    const start = await meshctl(
      home,
      'daemon',
      'start',
      '--registry',
      rendezvous!.registry,
      '--listen',
      '127.0.0.1:0',
      '--plugins',
      path.join(project, 'dist/index.js'),
      '--json',
    );
    try {
      expect(start.code, start.err).toBe(0);
      const plugins = await meshctl(home, 'plugins', '--json');
      expect(plugins.json.data.plugins).toContainEqual(
        expect.objectContaining({ name: 'hello', methods: ['hello.greet'] }),
      );
      const greet = await meshctl(home, 'call', 'hello.greet', '--json');
      expect(greet.json.data).toEqual({ hello: start.json.data.node_id });
    } finally {
      await meshctl(home, 'daemon', 'stop');
    }
    // A TypeScript file is refused with what to do.
    writeFileSync(path.join(project, 'index.ts'), 'export {};');
    const bad = await meshctl(
      home,
      'daemon',
      'start',
      '--plugins',
      path.join(project, 'index.ts'),
      '--json',
    );
    expect(bad.code).toBe(2);
    expect(bad.json.message).toMatch(/TypeScript file: meshd loads compiled JavaScript/);
  });
});

describe('the receiving side', () => {
  it('inbox and received list, show and clear what arrived; arrivals are logged', async () => {
    const file = path.join(root, 'report.bin');
    const bytes = randomBytes(100_000);
    writeFileSync(file, bytes);
    expect((await meshctl(homes.a, 'send-file', 'beta', file)).code).toBe(0);
    expect((await meshctl(homes.a, 'send-message', 'beta', '--data', 'hi bob')).code).toBe(0);
    const files = await meshctl(homes.b, 'received', '--json');
    expect(files.json.data.files).toHaveLength(1);
    const name = files.json.data.files[0].name as string;
    expect(name).toMatch(/^report.*\.bin$/);
    const shown = await meshctl(homes.b, 'received', 'show', name, '--json');
    expect(shown.json.data).toMatchObject({
      bytes: 100_000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    const messages = await meshctl(homes.b, 'inbox', '--json');
    expect(messages.json.data.messages).toHaveLength(1);
    const id = messages.json.data.messages[0].id as string;
    const msg = await meshctl(homes.b, 'inbox', 'show', id, '--json');
    expect(msg.json.data).toMatchObject({ type: 'TEXT', data: 'hi bob' });
    const log = readFileSync(path.join(homes.b, 'meshd.log'), 'utf8');
    expect(log).toMatch(/meshd\.data: file received .*file=report/);
    expect(log).toMatch(/meshd\.data: message received .*type=TEXT/);
    expect((await meshctl(homes.b, 'received', 'clear', '--json')).json.data).toEqual({
      removed: 1,
    });
    expect((await meshctl(homes.b, 'inbox', 'clear', '--json')).json.data).toEqual({ removed: 1 });
    expect((await meshctl(homes.b, 'inbox')).out).toMatch(/^inbox empty/);
    const missing = await meshctl(homes.b, 'inbox', 'show', 'nope.json', '--json');
    expect(missing.json).toMatchObject({
      code: 'not_found',
      hint: 'list them with: meshctl inbox',
    });
  });
});

describe('errors that explain', () => {
  it('a dial to a node that does not exist says "no such node" at once and leaves no peer', async () => {
    const started = Date.now();
    const r = await meshctl(
      homes.a,
      'send',
      '99999',
      '1000',
      '--data',
      'x',
      '--timeout',
      '3s',
      '--json',
    );
    expect(r.code).toBe(4);
    expect(r.json).toMatchObject({ status: 'error', code: 'not_found' });
    expect(r.json.message).toMatch(/no such node/);
    expect(Date.now() - started).toBeLessThan(3000 + 2000);
    const peers = await meshctl(homes.a, 'peers', '--json');
    expect(peers.json.data.peers.map((p: { node_id: number }) => p.node_id)).not.toContain(99999);
  });

  it('a refused dial to a private node names trust as the likely reason; the refusing node logs it at debug', async () => {
    const r = await meshctl(
      homes.b,
      'ping',
      String(ids.a),
      '--count',
      '1',
      '--timeout',
      '5s',
      '--json',
    );
    expect(r.code).toBe(6);
    expect(r.json.message).toMatch(/private and refuses nodes it does not trust/);
    expect(r.json.message).toContain(`meshctl handshake ${ids.a}`);
    const log = readFileSync(path.join(homes.a, 'meshd.log'), 'utf8');
    expect(log).toMatch(new RegExp(`refused a stream from_node=${ids.b} port=7 reason=trust`));
    // A public node refuses only for port, policy or limit reasons, and says so.
    const port = await meshctl(
      homes.a,
      'send',
      String(ids.b),
      '4444',
      '--data',
      'x',
      '--timeout',
      '5s',
      '--json',
    );
    expect(port.json.message).toMatch(/nothing listens on that port.*trust is not the reason/);
  });

  it('status fits one screen; peers show hostnames and the path', async () => {
    const st = await meshctl(homes.a, 'status');
    expect(st.code, st.err).toBe(0);
    expect(st.out).toMatch(/^node {9}0:0000\.\S+ \(id \d+\) alpha-private · private/m);
    expect(st.out).toMatch(/^registry {5}connected$/m);
    expect(st.out).toMatch(/^peers {8}\d+ direct, \d+ relayed/m);
    expect(st.out).toMatch(/^plugins {6}/m);
    expect(st.out.trimEnd().split('\n').length).toBeLessThanOrEqual(24);
    const json = await meshctl(homes.a, 'status', '--json');
    expect(json.json.data).toMatchObject({ registry: 'connected', node: { node_id: ids.a } });
    const peers = await meshctl(homes.a, 'peers', '--json');
    expect(peers.json.data.peers).toContainEqual(
      expect.objectContaining({ node_id: ids.b, hostname: 'beta' }),
    );
    const human = await meshctl(homes.a, 'peers');
    expect(human.out).toMatch(new RegExp(`^${ids.b} +beta +\\S+ +(direct|relayed) `, 'm'));
  });

  it('find on a private hostname explains that private names are hidden from strangers', async () => {
    const r = await meshctl(homes.b, 'find', 'alpha-private', '--json');
    expect(r.code).toBe(4);
    expect(r.json.message).toMatch(/private node/);
    expect(r.json.hint).toMatch(/hidden from nodes they do not trust/);
    expect(r.json.hint).toMatch(/meshctl set-public/);
  });

  it('version, lookup and peers forget reach the daemon', async () => {
    const v = await meshctl(homes.a, 'version', '--json');
    expect(v.json.data.daemon).toMatchObject({
      contract_version: expect.stringMatching(/^\d+\.\d+/),
    });
    const l = await meshctl(homes.a, 'lookup', String(ids.b), '--json');
    expect(l.json.data).toMatchObject({ node_id: ids.b, hostname: 'beta', public: true });
    const missing = await meshctl(homes.a, 'lookup', '99998', '--json');
    expect(missing.json).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/no such node/),
    });
    // b knows a's tunnel after the ping above; forgetting drops it.
    const before = await meshctl(homes.b, 'peers', '--json');
    expect(before.json.data.peers.map((p: { node_id: number }) => p.node_id)).toContain(ids.a);
    const f = await meshctl(homes.b, 'peers', 'forget', String(ids.a), '--json');
    expect(f.json.data).toEqual({ node_id: ids.a, forgotten: true });
    const after = await meshctl(homes.b, 'peers', '--json');
    expect(after.json.data.peers.map((p: { node_id: number }) => p.node_id)).not.toContain(ids.a);
  });

  it('daemon start without a registry suggests starting mesh-rendezvous', async () => {
    const home = path.join(root, 'lonely');
    // A port nothing listens on stands in for the default registry.
    const r = await meshctl(
      home,
      'daemon',
      'start',
      '--registry',
      '127.0.0.1:1',
      '--listen',
      '127.0.0.1:0',
      '--json',
    );
    expect(r.code).not.toBe(0);
    expect(r.json.hint).toMatch(/mesh-rendezvous/);
  });

  it('a typo in the config file stops meshd with the key and the closest valid one', async () => {
    const home = path.join(root, 'typo');
    const config = path.join(root, 'typo.json');
    writeFileSync(config, JSON.stringify({ hostnme: 'x' }));
    const r = await meshctl(home, 'daemon', 'start', '--config', config, '--json');
    expect(r.code).toBe(2);
    expect(r.json.message).toMatch(/unknown key "hostnme" \(did you mean "hostname"\?\)/);
  });
});
