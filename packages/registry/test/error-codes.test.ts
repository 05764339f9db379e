import { afterEach, describe, expect, it } from 'vitest';
import { classifyRegistryError } from '@mesh/registry-client';
import type { RegistryRemoteError } from '@mesh/registry-client';
import { RegistryRequestError, RegistryServerError } from '../src/index.js';
import { Harness, identity, withEnvelope } from './helpers.js';

const h = new Harness();
afterEach(() => h.close());

const ADMIN = 'codes-admin';

/** The refusal a request gets, as the client sees it. */
async function refusal(call: () => Promise<unknown>): Promise<RegistryRemoteError> {
  try {
    await call();
  } catch (err) {
    return err as RegistryRemoteError;
  }
  throw new Error('expected the registry to refuse the request');
}

describe('error codes in replies', () => {
  it('each refusal carries the code the registry meant, and the text alone classifies the same', async () => {
    const server = await h.server({ adminToken: ADMIN });
    const a = await h.node(server, { mode: 'json', hostname: 'taken' });
    const b = await h.node(server, { mode: 'json' });
    const raw = h.client(server, { mode: 'json' });
    const { networkId } = await raw.createNetwork({
      name: 'inv',
      joinRule: 'invite',
      adminToken: ADMIN,
      nodeId: b.nodeId,
    });
    // Thunks: each call starts only when its turn comes, so no refusal is left unobserved.
    const cases: [() => Promise<unknown>, string][] = [
      [() => raw.request({ type: 'frobnicate' }), 'UNKNOWN_TYPE'],
      [() => raw.request({ type: 'lookup', node_id: -1 }), 'BAD_REQUEST'],
      [() => raw.lookup(999), 'NOT_FOUND'],
      [() => raw.resolveHostname('nobody-here'), 'NOT_FOUND'],
      [() => a.client.resolve(b.nodeId), 'DENIED'],
      [() => b.client.setHostname('taken'), 'CONFLICT'],
      [() => raw.request({ type: 'heartbeat', node_id: a.nodeId }), 'UNAUTHORIZED'],
      [
        () =>
          raw.request(withEnvelope({ type: 'heartbeat', node_id: a.nodeId }, identity(), a.nodeId)),
        'INVALID_SIGNATURE',
      ],
      [
        () =>
          raw.request({
            type: 'heartbeat',
            node_id: a.nodeId,
            signature: a.id.signB64(`heartbeat:${a.nodeId}`),
          }),
        'UNAUTHORIZED',
      ],
      [
        () =>
          raw.request(
            withEnvelope({ type: 'heartbeat', node_id: a.nodeId }, a.id, a.nodeId, {
              timestamp: 1,
            }),
          ),
        'UNAUTHORIZED',
      ],
      [() => raw.createNetwork({ name: 'x', adminToken: 'wrong' }), 'UNAUTHORIZED'],
      [() => raw.createNetwork({ name: 'inv', adminToken: ADMIN }), 'CONFLICT'],
      [() => a.client.joinNetwork({ networkId }), 'DENIED'],
      [() => a.client.leaveNetwork(networkId), 'NOT_FOUND'],
      [() => a.client.revokeTrust(b.nodeId), 'NOT_FOUND'],
      [() => a.client.setHostname('UPPER CASE'), 'BAD_REQUEST'],
    ];
    for (const [call, code] of cases) {
      const err = await refusal(call);
      expect(err.code, err.message).toBe('REMOTE');
      expect(err.remoteCode, err.message).toBe(code);
      // Registries without `code` (Go, older mesh) are classified from the text: same answer.
      expect(classifyRegistryError(err.remoteMessage), err.message).toBe(code);
    }
  });

  it('binary error frames carry no code; the client classifies their text', async () => {
    const server = await h.server();
    const client = h.client(server, { mode: 'binary' });
    await expect(client.lookup(424242)).rejects.toMatchObject({
      code: 'REMOTE',
      remoteCode: 'NOT_FOUND',
      retryable: false,
    });
  });

  it('registry error classes carry the mesh brand, a code and retryable', () => {
    const brand = Symbol.for('@mesh/error');
    const limited = new RegistryRequestError('RATE_LIMITED', 'slow down');
    const missing = new RegistryRequestError('NOT_FOUND', 'no node');
    const bind = new RegistryServerError('LISTEN_FAILED', 'port taken');
    for (const e of [limited, missing, bind])
      expect((e as unknown as Record<symbol, unknown>)[brand]).toBe(true);
    expect([limited.retryable, missing.retryable, bind.retryable]).toEqual([true, false, false]);
  });
});
