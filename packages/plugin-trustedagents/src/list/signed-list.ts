// The signed trusted-agents list (reference §E.2), in the format the existing network's
// trustedagents package reads (data.go: Agent, VerifyAndStripSig, Load — read for facts only):
//
//   {"agents": [{"hostname": "weather", "node_id": 42, "address": "0:0000.0000.002A",
//                "public_key": "<optional base64 pin>"}, …],
//    "signature": "<base64 Ed25519 signature>"}
//
// The signature covers the bytes of `{"agents":<the agents value, compacted>}`. Entries with
// node id 0 or no name are skipped; a node id listed twice is dropped entirely (ambiguous).
// `name` is accepted as well as Go's `hostname`.
import { createPublicKey, verify } from 'node:crypto';
import { TrustedAgentsError } from '../errors.js';
import { goCompact } from './go-compact.js';
import { rawMember } from './raw-member.js';

/** One trusted agent. */
export interface TrustedAgent {
  /** Display name (`hostname` or `name` in the list). */
  readonly name: string;
  /** The agent's node id. */
  readonly nodeId: number;
  /** Its address text, if the list gives one. */
  readonly address: string;
  /** An optional Ed25519 key pin, standard base64. */
  readonly publicKey: string;
}

/** A verified list. */
export interface VerifiedList {
  /** The usable agents, in list order. */
  readonly agents: readonly TrustedAgent[];
  /** Entries skipped and why (`node_id 0`, `no name`, `duplicate node_id 7`, …). */
  readonly skipped: readonly string[];
}

/** The default size cap of a list (1 MiB, as the reference). */
export const MAX_LIST_BYTES = 1 << 20;

/**
 * The bytes the list signer signs.
 * @param agentsJson - the raw `agents` value.
 * @returns `{"agents":<compacted agentsJson>}` as UTF-8.
 */
export function signedPayload(agentsJson: string): Uint8Array {
  return new TextEncoder().encode(`{"agents":${goCompact(agentsJson)}}`);
}

/**
 * Decodes a signer key: 32 bytes as standard base64 or 64 hex digits.
 * @param text - the key text.
 * @returns the key bytes.
 * @throws TrustedAgentsError `CONFIG_INVALID` when it is neither.
 */
export function decodeSignerKey(text: string): Uint8Array {
  const t = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (bytes.length !== 32)
    throw new TrustedAgentsError(
      'CONFIG_INVALID',
      'the trusted-agents signer key must be a 32-byte Ed25519 public key (base64 or 64 hex digits)',
    );
  return new Uint8Array(bytes);
}

/** Ed25519 verification with a raw 32-byte key. */
function verifyEd25519(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    const k = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(key).toString('base64url') },
      format: 'jwk',
    });
    return verify(null, message, k, signature);
  } catch {
    return false;
  }
}

/**
 * Checks size, shape and signature of a fetched list and returns its agents.
 * @param bytes - the list file's bytes.
 * @param signerKey - the configured signer's 32-byte Ed25519 public key.
 * @param maxBytes - the size cap.
 * @returns the verified list.
 * @throws TrustedAgentsError `LIST_TOO_LARGE`, `LIST_MALFORMED`, `LIST_UNSIGNED` or `LIST_BAD_SIGNATURE`.
 */
export function verifySignedList(
  bytes: Uint8Array,
  signerKey: Uint8Array,
  maxBytes = MAX_LIST_BYTES,
): VerifiedList {
  if (bytes.length > maxBytes)
    throw new TrustedAgentsError(
      'LIST_TOO_LARGE',
      `the trusted-agents list is ${bytes.length} bytes, over the ${maxBytes}-byte cap`,
    );
  let text: string;
  let doc: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    doc = JSON.parse(text);
  } catch (error) {
    throw new TrustedAgentsError(
      'LIST_MALFORMED',
      `the trusted-agents list is not JSON: ${String(error)}`,
      { cause: error },
    );
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc))
    throw new TrustedAgentsError('LIST_MALFORMED', 'the trusted-agents list is not a JSON object');
  const o = doc as Record<string, unknown>;
  const agentsRaw = rawMember(text, 'agents');
  if (agentsRaw === undefined || !Array.isArray(o['agents']))
    throw new TrustedAgentsError('LIST_MALFORMED', 'the trusted-agents list has no "agents" array');
  const signature = o['signature'];
  if (typeof signature !== 'string' || signature === '')
    throw new TrustedAgentsError(
      'LIST_UNSIGNED',
      'the trusted-agents list carries no signature; only signed lists are loaded',
    );
  const sig = Buffer.from(signature, 'base64');
  if (!verifyEd25519(signerKey, signedPayload(agentsRaw), new Uint8Array(sig)))
    throw new TrustedAgentsError(
      'LIST_BAD_SIGNATURE',
      'the trusted-agents list signature does not verify with the configured signer key',
    );
  return parseAgents(o['agents'] as unknown[]);
}

/** The usable agents of a verified list. */
function parseAgents(entries: readonly unknown[]): VerifiedList {
  const skipped: string[] = [];
  const byNode = new Map<number, TrustedAgent>();
  const voided = new Set<number>();
  for (const [i, e] of entries.entries()) {
    if (e === null || typeof e !== 'object' || Array.isArray(e))
      throw new TrustedAgentsError('LIST_MALFORMED', `agents[${i}] is not an object`);
    const a = e as Record<string, unknown>;
    const nodeId = a['node_id'];
    if (
      typeof nodeId !== 'number' ||
      !Number.isInteger(nodeId) ||
      nodeId < 0 ||
      nodeId > 0xffffffff
    )
      throw new TrustedAgentsError('LIST_MALFORMED', `agents[${i}].node_id is not a node id`);
    const name =
      typeof a['hostname'] === 'string' && a['hostname'] !== '' ? a['hostname'] : a['name'];
    const address = a['address'] ?? '';
    const publicKey = a['public_key'] ?? '';
    if (typeof address !== 'string' || typeof publicKey !== 'string')
      throw new TrustedAgentsError(
        'LIST_MALFORMED',
        `agents[${i}] has a non-string address or public_key`,
      );
    if (publicKey !== '' && Buffer.from(publicKey, 'base64').length !== 32)
      throw new TrustedAgentsError(
        'LIST_MALFORMED',
        `agents[${i}].public_key is not a 32-byte base64 key`,
      );
    if (nodeId === 0) {
      skipped.push(`agents[${i}]: node_id 0`);
      continue;
    }
    if (typeof name !== 'string' || name === '') {
      skipped.push(`agents[${i}]: no name`);
      continue;
    }
    if (voided.has(nodeId)) continue;
    if (byNode.has(nodeId)) {
      byNode.delete(nodeId);
      voided.add(nodeId);
      skipped.push(`duplicate node_id ${nodeId}`);
      continue;
    }
    byNode.set(nodeId, { name, nodeId, address, publicKey });
  }
  return { agents: [...byNode.values()], skipped };
}
