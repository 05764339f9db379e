// The trusted-agents plugin on a real engine: a signed list from a file or an HTTP server, bad
// refreshes keep the last good list and say why, the list survives a restart, key pins are
// checked against the registry.
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { TrustCheckerKey } from '@mesh/daemonapi';
import { signedPayload } from '@mesh/plugin-trustedagents';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  nextEvent,
  startNode,
  startRendezvous,
  type Rendezvous,
  type TrustNode,
} from './trust-harness.js';

const signer = generateKeyPairSync('ed25519');
const SIGNER = Buffer.from(signer.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString(
  'base64',
);
const intruder = generateKeyPairSync('ed25519');

function list(agents: unknown[], key = signer.privateKey): string {
  const json = JSON.stringify(agents);
  return JSON.stringify({
    agents,
    signature: sign(null, signedPayload(json), key).toString('base64'),
  });
}

let rv: Rendezvous;
const nodes: TrustNode[] = [];
let server: Server | undefined;
beforeAll(async () => {
  rv = await startRendezvous();
});
afterAll(async () => {
  await rv?.close();
});
afterEach(async () => {
  for (const n of nodes.splice(0).reverse()) await n.destroy();
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise((r) => server!.close(r));
    server = undefined;
  }
});

async function node(options: Parameters<typeof startNode>[1]): Promise<TrustNode> {
  const n = await startNode(rv, options);
  nodes.push(n);
  return n;
}

describe('trusted-agents list refresh', () => {
  it('a bad signature, an oversized or a malformed list keeps the last good list and reports why', async () => {
    const helper = await node({ handshake: false });
    const file = path.join(helper.dir, 'agents.json');
    writeFileSync(file, list([{ hostname: 'weather', node_id: 42 }]));
    const n = await node({
      handshake: false,
      agents: { source: file, signerPublicKey: SIGNER, maxBytes: 4096 },
    });
    const checker = n.daemon.services().get(TrustCheckerKey)!;
    expect(checker.isTrusted(42)).toEqual({ trusted: true, name: 'weather' });
    expect(checker.isTrusted(43)).toEqual({ trusted: false });

    const cases: [string, string][] = [
      [list([{ hostname: 'evil', node_id: 43 }], intruder.privateKey), 'LIST_BAD_SIGNATURE'],
      [list([{ hostname: 'x'.repeat(5000), node_id: 43 }]), 'LIST_TOO_LARGE'],
      ['{"agents": [', 'LIST_MALFORMED'],
      [JSON.stringify({ agents: [{ hostname: 'unsigned', node_id: 43 }] }), 'LIST_UNSIGNED'],
    ];
    for (const [text, reason] of cases) {
      writeFileSync(file, text);
      const failed = nextEvent(n.daemon, 'trustedagents.refresh_failed');
      await n.agents!.refreshNow();
      expect(await failed).toMatchObject({ reason, agents: 1 });
      expect(checker.isTrusted(42)).toEqual({ trusted: true, name: 'weather' });
      expect(checker.isTrusted(43)).toEqual({ trusted: false });
      expect(n.agents!.service!.lastError).toMatchObject({ reason });
    }

    writeFileSync(file, list([{ hostname: 'clock', node_id: 43 }]));
    const updated = nextEvent(n.daemon, 'trustedagents.updated');
    await n.agents!.refreshNow();
    expect(await updated).toMatchObject({ agents: 1 });
    expect(checker.isTrusted(42)).toEqual({ trusted: false });
    expect(checker.isTrusted(43)).toEqual({ trusted: true, name: 'clock' });
    expect(n.agents!.service!.lastError).toBeUndefined();
  });

  it('fetches from a URL after the first-fetch jitter, and keeps the last good list across a restart', async () => {
    let body = list([{ hostname: 'remote', node_id: 77 }]);
    server = createServer((_req, res) => res.end(body));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trusted-agents.json`;
    const first = await node({
      handshake: false,
      agents: { source: url, signerPublicKey: SIGNER, initialJitterMs: 50 },
    });
    // Nothing yet: the first fetch waits for its jitter.
    expect(first.daemon.services().get(TrustCheckerKey)!.isTrusted(77)).toEqual({ trusted: false });
    await nextEvent(first.daemon, 'trustedagents.updated');
    expect(first.daemon.services().get(TrustCheckerKey)!.isTrusted(77)).toEqual({
      trusted: true,
      name: 'remote',
    });
    const dir = first.dir;
    await first.stop();
    nodes.splice(nodes.indexOf(first), 1);

    // The source now serves a forged list; the cached good one is active from the start.
    body = list([{ hostname: 'forged', node_id: 78 }], intruder.privateKey);
    const again = await node({
      dir,
      handshake: false,
      agents: { source: url, signerPublicKey: SIGNER, initialJitterMs: 50 },
    });
    const checker = again.daemon.services().get(TrustCheckerKey)!;
    expect(checker.isTrusted(77)).toEqual({ trusted: true, name: 'remote' });
    expect(await nextEvent(again.daemon, 'trustedagents.refresh_failed')).toMatchObject({
      reason: 'LIST_BAD_SIGNATURE',
    });
    expect(checker.isTrusted(77)).toEqual({ trusted: true, name: 'remote' });
    expect(checker.isTrusted(78)).toEqual({ trusted: false });
  });

  it('a pinned entry matches only once the registry confirmed the node has that key', async () => {
    const agent = await node({ handshake: false });
    const helper = await node({ handshake: false });
    const file = path.join(helper.dir, 'agents.json');
    const realKey = agent.daemon.info().public_key;
    const wrongKey = Buffer.from(
      intruder.publicKey.export({ format: 'jwk' }).x!,
      'base64url',
    ).toString('base64');
    writeFileSync(
      file,
      list([
        { hostname: 'pinned-right', node_id: agent.daemon.nodeId(), public_key: realKey },
        { hostname: 'pinned-wrong', node_id: helper.daemon.nodeId(), public_key: wrongKey },
      ]),
    );
    const n = await node({ handshake: false, agents: { source: file, signerPublicKey: SIGNER } });
    const checker = n.daemon.services().get(TrustCheckerKey)!;
    expect(checker.isTrusted(agent.daemon.nodeId())).toEqual({
      trusted: true,
      name: 'pinned-right',
    });
    expect(checker.isTrusted(helper.daemon.nodeId())).toEqual({ trusted: false });
  });
});
