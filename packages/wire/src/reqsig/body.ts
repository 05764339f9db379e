import { sha256, toHex } from '../bytes/sha256.js';
import { utf8Encode } from '../bytes/utf8.js';
import type { JsonObject } from '../frame/message.js';

/**
 * Fields of a registry request that carry signatures rather than request data: the envelope
 * signs the body without them (it cannot sign itself, and the legacy `signature` may be added
 * in any order).
 */
export const ENVELOPE_FIELDS = {
  /** The canonical envelope text. */
  envelope: 'envelope',
  /** Base64 Ed25519 signature over the envelope text by the signing node's key. */
  signature: 'envelope_signature',
} as const;

const UNSIGNED_FIELDS: ReadonlySet<string> = new Set([
  ENVELOPE_FIELDS.envelope,
  ENVELOPE_FIELDS.signature,
  'signature',
]);

/** Canonical JSON: keys sorted by UTF-16 code units at every depth, no whitespace, like JSON.stringify otherwise. */
function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    // undefined (and functions) are dropped from objects by the caller; at top level they are null.
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * The bytes a request envelope's body hash covers: the request as canonical JSON (keys sorted,
 * no whitespace) without `envelope`, `envelope_signature` and the legacy `signature`. Computed
 * from the parsed message on both sides, so key order and spacing on the wire do not matter.
 *
 * @example
 * ```ts
 * requestBody({ type: 'heartbeat', node_id: 7, signature: '…' }); // bytes of {"node_id":7,"type":"heartbeat"}
 * ```
 */
export function requestBody(msg: JsonObject): Uint8Array {
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(msg)) if (!UNSIGNED_FIELDS.has(k)) rest[k] = v;
  return utf8Encode(canonicalJson(rest));
}

/** SHA-256 of `bytes` as 64 lowercase hex chars (Go `reqsig.HashBody`). */
export function hashBody(bytes: Uint8Array): string {
  return toHex(sha256(bytes));
}

/** The envelope body hash of a registry request: {@link hashBody} of {@link requestBody}. */
export function hashRequestBody(msg: JsonObject): string {
  return hashBody(requestBody(msg));
}
