// Hostile input on port 444 against a real engine: a bare daemon (no plugin) writes crafted
// bytes on real streams. Every case is refused or bounded, with an event, and the victim keeps
// serving.
import { generateKeyPairSync, sign } from 'node:crypto';
import { encodeHandshakeMessage, type HandshakeMessage } from '@mesh/plugin-handshake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectEvents,
  echo,
  nextEvent,
  startNode,
  startRendezvous,
  type Rendezvous,
  type TrustNode,
} from './trust-harness.js';

let rv: Rendezvous;
let victim: TrustNode;
let attacker: TrustNode;
let bystander: TrustNode;

beforeAll(async () => {
  rv = await startRendezvous();
  // Public, so the engine's trust gate lets strangers reach port 444 and the plugin is tested.
  const lax = 1_000_000;
  victim = await startNode(rv, {
    engine: {
      public: true,
      limits: { synRate: lax, synBurst: lax, synRatePerSource: lax, synBurstPerSource: lax },
    },
  });
  attacker = await startNode(rv, { handshake: false, engine: { public: true } });
  bystander = await startNode(rv);
});
afterAll(async () => {
  for (const n of [bystander, attacker, victim]) await n?.destroy();
  await rv?.close();
});

const now = (): number => Math.floor(Date.now() / 1000);

/** A message from the attacker to the victim, signed with the attacker's registered key. */
function message(overrides: Partial<HandshakeMessage> = {}): HandshakeMessage {
  const id = attacker.daemon.identity()!;
  const from = attacker.daemon.nodeId();
  const to = victim.daemon.nodeId();
  return {
    type: 'handshake_request',
    node_id: from,
    public_key: Buffer.from(id.publicKey).toString('base64'),
    justification: 'hostile',
    signature: Buffer.from(id.sign(new TextEncoder().encode(`handshake:${from}:${to}`))).toString(
      'base64',
    ),
    reason: '',
    timestamp: now(),
    ...overrides,
  };
}

/** Writes raw bytes on a fresh port-444 stream and waits for the victim to close it. */
async function sendRaw(bytes: Uint8Array | string): Promise<void> {
  const conn = await attacker.daemon.dial(victim.daemon.addr(), 444);
  await new Promise<void>((resolve) => {
    conn.on('error', () => resolve());
    conn.on('close', () => resolve());
    conn.on('end', () => resolve());
    conn.resume();
    conn.write(bytes);
  });
  conn.destroy();
}

async function expectRefused(bytes: Uint8Array | string, reason: string): Promise<void> {
  const refused = nextEvent(
    victim.daemon,
    'handshake.message_rejected',
    (p) => p['reason'] === reason,
  );
  await sendRaw(bytes);
  expect(await refused).toMatchObject({ reason });
  expect(victim.handshake!.pendingRequests().map((p) => p.nodeId)).not.toContain(
    attacker.daemon.nodeId(),
  );
}

describe('hostile input on port 444', () => {
  it('a forged signature (registry key claimed, signed by another key) is refused', async () => {
    const other = generateKeyPairSync('ed25519');
    const forged = sign(
      null,
      Buffer.from(`handshake:${attacker.daemon.nodeId()}:${victim.daemon.nodeId()}`),
      other.privateKey,
    ).toString('base64');
    await expectRefused(encodeHandshakeMessage(message({ signature: forged })), 'bad_signature');
  });

  it('a key that is not the registry key for the node is refused, even when self-consistent', async () => {
    const other = generateKeyPairSync('ed25519');
    const key = Buffer.from(other.publicKey.export({ format: 'jwk' }).x!, 'base64url').toString(
      'base64',
    );
    const sig = sign(
      null,
      Buffer.from(`handshake:${attacker.daemon.nodeId()}:${victim.daemon.nodeId()}`),
      other.privateKey,
    ).toString('base64');
    await expectRefused(
      encodeHandshakeMessage(message({ public_key: key, signature: sig })),
      'key_mismatch',
    );
  });

  it('a stale or a future timestamp is refused', async () => {
    await expectRefused(encodeHandshakeMessage(message({ timestamp: now() - 301 })), 'stale');
    await expectRefused(encodeHandshakeMessage(message({ timestamp: now() + 60 })), 'future');
  });

  it('a request without a key, or one claiming another node id, is refused', async () => {
    await expectRefused(encodeHandshakeMessage(message({ public_key: '' })), 'missing_key');
    await expectRefused(
      encodeHandshakeMessage(message({ node_id: bystander.daemon.nodeId() })),
      'source_mismatch',
    );
  });

  it('malformed JSON is refused', async () => {
    await expectRefused('{"type":"handshake_request","node_id":"one"}', 'malformed');
  });

  it('a replayed message is refused the second time', async () => {
    const bytes = encodeHandshakeMessage(message({ justification: 'once' }));
    const pending = nextEvent(victim.daemon, 'handshake.pending');
    await sendRaw(bytes);
    expect(await pending).toMatchObject({
      peer_node_id: attacker.daemon.nodeId(),
      justification: 'once',
    });
    await victim.handshake!.rejectHandshake(attacker.daemon.nodeId(), 'test');
    await expectRefused(bytes, 'replay');
  });

  it('a 10 MB message is cut off after 64 KiB', async () => {
    const refused = nextEvent(
      victim.daemon,
      'handshake.message_rejected',
      (p) => p['reason'] === 'too_large',
    );
    const conn = await attacker.daemon.dial(victim.daemon.addr(), 444);
    conn.on('error', () => {});
    const closed = new Promise<void>((resolve) => conn.on('close', () => resolve()));
    conn.resume();
    conn.write(Buffer.alloc(10 * 1024 * 1024, 0x20));
    expect(await refused).toMatchObject({
      peer_node_id: attacker.daemon.nodeId(),
      reason: 'too_large',
    });
    conn.destroy();
    await closed;
  });

  it('10 000 requests from one peer are bounded (rate limit, one pending entry) and the daemon keeps serving', async () => {
    const events = collectEvents(victim.daemon, 'handshake.*');
    const total = 10_000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        const i = next++;
        await sendRaw(encodeHandshakeMessage(message({ justification: `flood ${i}` }))).catch(
          () => {},
        );
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    events.stop();
    const rejected = events.events.filter((e) => e.topic === 'handshake.message_rejected');
    const limited = rejected.filter((e) => e.payload['reason'] === 'rate_limited');
    // A burst gets through, then about one per second; everything else is refused with an event.
    expect(limited.length).toBeGreaterThan(total * 0.9);
    expect(victim.handshake!.pendingCount()).toBeLessThanOrEqual(1);
    // Still serving: a stream from someone else, and a fresh request from a bystander.
    expect(await echo(bystander.daemon, victim.daemon, 'still here')).toBe('still here');
    const pending = nextEvent(
      victim.daemon,
      'handshake.pending',
      (p) => p['peer_node_id'] === bystander.daemon.nodeId(),
    );
    await bystander.handshake!.sendRequest(victim.daemon.nodeId(), 'legit');
    expect(await pending).toMatchObject({ justification: 'legit' });
  }, 120_000);
});
