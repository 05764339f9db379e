import { afterEach, describe, expect, it } from 'vitest';
import { challenges } from '@mesh/wire';
import type { ChallengeName } from '@mesh/wire';
import type { RegistryClient } from '@mesh/registry-client';
import { Harness, identity } from './helpers.js';
import type { Identity } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

const ADMIN = 'agreement-admin';

/** A signer that signs with `id()` (swappable after rotate_key) and records every challenge. */
function recording(id: () => Identity): { seen: string[]; sign: (c: string) => Uint8Array } {
  const seen: string[] = [];
  return { seen, sign: (c) => (seen.push(c), id().sign(c)) };
}

// Both sides build challenge strings with @mesh/wire's `challenges`: the client signs them, the
// registry verifies them. This drives every signed client method against a real registry, so a
// string that drifted on either side fails verification here (signatures.test.ts pins the texts).
describe.each(['binary', 'json'] as const)(
  'client and registry agree on challenges (%s mode)',
  (mode) => {
    it('every signed operation is accepted, signed over the challenges.* text', async () => {
      const server = await h.server({ adminToken: ADMIN });
      let aId = identity();
      const bId = identity();
      const aSigner = recording(() => aId);
      const bSigner = recording(() => bId);
      const a: RegistryClient = h.client(server, { mode, signer: aSigner.sign });
      const b: RegistryClient = h.client(server, { mode, signer: bSigner.sign });
      const A = (await a.register({ listenAddr: '0.0.0.0:4000', publicKey: aId.publicKey })).nodeId;
      const B = (await b.register({ listenAddr: '0.0.0.0:4001', publicKey: bId.publicKey })).nodeId;
      const { networkId: net } = await b.createNetwork({
        name: 'lab',
        adminToken: ADMIN,
        nodeId: B,
      });
      await b.reportTrust(A);
      await a.reportTrust(B);

      const used = new Set<ChallengeName>();
      const steps: [ChallengeName, 'a' | 'b', () => Promise<unknown>, () => string][] = [
        ['heartbeat', 'a', () => a.heartbeat(), () => challenges.heartbeat(A)],
        ['resolve', 'a', () => a.resolve(B), () => challenges.resolve(A, B)],
        ['reportTrust', 'a', () => a.reportTrust(B), () => challenges.reportTrust(A, B)],
        ['punch', 'a', () => a.punch(A, B), () => challenges.punch(A, B)],
        ['revokeTrust', 'a', () => a.revokeTrust(B), () => challenges.revokeTrust(A, B)],
        ['setVisibility', 'a', () => a.setVisibility(true), () => challenges.setVisibility(A)],
        ['setHostname', 'a', () => a.setHostname('agree'), () => challenges.setHostname(A)],
        ['setTags', 'a', () => a.setTags(['x']), () => challenges.setTags(A)],
        ['setTaskExec', 'a', () => a.setTaskExec(true), () => challenges.setTaskExec(A)],
        ['handshake', 'a', () => a.requestHandshake(B, 'hi'), () => challenges.handshake(A, B)],
        ['pollHandshakes', 'b', () => b.pollHandshakes(), () => challenges.pollHandshakes(B)],
        ['respond', 'b', () => b.respondHandshake(A, true), () => challenges.respond(B, A)],
        [
          'joinNetwork',
          'a',
          () => a.joinNetwork({ networkId: net }),
          () => challenges.joinNetwork(A, net),
        ],
        ['leaveNetwork', 'a', () => a.leaveNetwork(net), () => challenges.leaveNetwork(A, net)],
        ['invite', 'b', () => b.inviteToNetwork(net, A), () => challenges.invite(B, net, A)],
        ['pollInvites', 'a', () => a.pollInvites(), () => challenges.pollInvites(A)],
        [
          'respondInvite',
          'a',
          () => a.respondInvite(net, true),
          () => challenges.respondInvite(A, net),
        ],
        [
          'setKeyExpiry',
          'a',
          () => a.setKeyExpiry(new Date('2030-01-01T00:00:00Z')),
          () => challenges.setKeyExpiry(A),
        ],
        [
          'rotate',
          'a',
          async () => {
            const next = identity();
            await a.rotateKey(next.publicKey);
            aId = next; // later calls must sign with the new key
          },
          () => challenges.rotate(A),
        ],
        ['deregister', 'a', () => a.deregister(), () => challenges.deregister(A)],
      ];
      steps.unshift([
        'register',
        'a',
        () => a.register({ listenAddr: '0.0.0.0:4002', publicKey: aId.publicKey }),
        () => challenges.register('0.0.0.0:4002', aId.publicKey),
      ]);
      for (const [name, who, call, expected] of steps) {
        const signer = who === 'a' ? aSigner : bSigner;
        const before = signer.seen.length;
        await expect(call(), name).resolves.not.toThrow();
        // The legacy challenge (what a Go registry checks), then the request envelope.
        const seen = signer.seen.slice(before);
        expect(seen[0], name).toBe(expected());
        expect(seen.slice(1), name).toEqual([
          expect.stringMatching(
            /^pilot-req-v1\|[0-9a-f]{12}\|\d+\|[0-9a-f]{16}\|[0-9a-f]{64}\|registry$/,
          ),
        ]);
        used.add(name);
      }
      // rebind is signed by a node's current key for another key's register (nodes.test.ts).
      used.add('rebind');
      expect([...used].sort()).toEqual(Object.keys(challenges).sort());
    });
  },
);
