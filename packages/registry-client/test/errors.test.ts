import { describe, expect, it } from 'vitest';
import {
  RESEND_AFTER_CONNECTION_LOSS,
  RegistryClientError,
  RegistryRemoteError,
  classifyRegistryError,
} from '../src/index.js';

const MESH_ERROR = Symbol.for('@mesh/error');

describe('classifyRegistryError', () => {
  it('trusts a known code over the text, and ignores an unknown one', () => {
    expect(classifyRegistryError('node 1 not found', 'CONFLICT')).toBe('CONFLICT');
    expect(classifyRegistryError('node 1 not found', 'NOPE')).toBe('NOT_FOUND');
    expect(classifyRegistryError('node 1 not found', 42)).toBe('NOT_FOUND');
  });

  // Texts of registries that send no code: ours before `code` existed, and the Go registry's.
  it.each([
    ['signature verification failed for rotate', 'INVALID_SIGNATURE'],
    ['signature required for heartbeat', 'UNAUTHORIZED'],
    ['create_network requires a valid admin_token', 'UNAUTHORIZED'],
    ['rate limit exceeded, try again later', 'RATE_LIMITED'],
    ['too many registrations from 10.0.0.1', 'RATE_LIMITED'],
    ['server busy: too much buffered request data, try again', 'BUSY'],
    ['unknown message type "frobnicate"', 'UNKNOWN_TYPE'],
    ['unknown binary message type 0x42', 'UNKNOWN_TYPE'],
    ['registry store write failed', 'STORE'],
    ['internal error', 'INTERNAL'],
    ['hostname "a" already in use', 'CONFLICT'],
    ['network "lab" already exists', 'CONFLICT'],
    ['node 3 is already a member of network 1', 'CONFLICT'],
    ['node not registered', 'NOT_FOUND'],
    ['lookup: node 9 not found', 'NOT_FOUND'],
    ['report_trust: node 99 was never registered', 'NOT_FOUND'],
    ['node 3 is not a member of network 1', 'NOT_FOUND'],
    ['resolve denied: node 2 is private', 'DENIED'],
    ['network 1 is invite-only', 'DENIED'],
    ['the backbone cannot be left', 'DENIED'],
    ['handshake inbox of node 4 is full', 'LIMIT'],
    ['node id space exhausted', 'LIMIT'],
    ['message too large: 2147483648 bytes (max 67108864)', 'LIMIT'],
    ['missing or invalid node_id', 'BAD_REQUEST'],
    ['invalid JSON', 'BAD_REQUEST'],
    ['every node is already a member of the backbone', 'BAD_REQUEST'],
    ['report_trust: a node cannot pair with itself', 'BAD_REQUEST'],
    ['network 4 requires a valid join token', 'DENIED'],
    ['node 3 is not a member of network 1 and cannot invite', 'DENIED'],
    ['punch: requester must be node_a or node_b', 'DENIED'],
    ['listing the backbone (network 0) requires the admin token', 'DENIED'],
    ['network creation is disabled (no admin token configured)', 'UNAUTHORIZED'],
    ['hostname "registry" is reserved', 'BAD_REQUEST'],
    ['request failed', 'UNKNOWN'],
  ] as const)('%s → %s', (text, code) => {
    expect(classifyRegistryError(text)).toBe(code);
  });
});

describe('error classes', () => {
  it('carry the mesh brand, a code and retryable', () => {
    const remote = new RegistryRemoteError('lookup', 'x', 'STORE');
    const lost = new RegistryClientError('CONNECTION_LOST', 'dropped');
    const protocol = new RegistryClientError('PROTOCOL', 'garbage');
    for (const e of [remote, lost, protocol]) {
      expect((e as unknown as Record<symbol, unknown>)[MESH_ERROR]).toBe(true);
      expect(typeof e.code).toBe('string');
    }
    expect([remote.retryable, lost.retryable, protocol.retryable]).toEqual([true, true, false]);
    expect(remote).toBeInstanceOf(RegistryClientError);
    expect(remote.isRetryable).toBe(true);
  });
});

describe('resend table', () => {
  it('never resends key rotation or membership changes; resends reads and heartbeats', () => {
    for (const t of ['rotate_key', 'report_trust', 'revoke_trust', 'join_network', 'leave_network'])
      expect(RESEND_AFTER_CONNECTION_LOSS[t], t).toBe(false);
    for (const t of ['lookup', 'resolve', 'heartbeat', 'list_nodes', 'poll_handshakes'])
      expect(RESEND_AFTER_CONNECTION_LOSS[t], t).toBe(true);
  });
});
