import {
  ENVELOPE_FIELDS,
  REGISTRY_AUDIENCE,
  REQSIG_MAX_SKEW_SECONDS,
  envelopeFresh,
  hashRequestBody,
  parseEnvelope,
} from '@mesh/wire';
import type { RequestEnvelope } from '@mesh/wire';
import { RegistryRequestError } from '../errors.js';
import type { JsonObject } from '../util/fields.js';
import type { NonceCache } from './nonce-cache.js';
import type { SignatureVerifier } from './signature.js';
import { decodeSignature } from './signature.js';

/** Whether the request carries a request envelope (which must then verify). */
export function hasEnvelope(msg: JsonObject | undefined): msg is JsonObject {
  return msg !== undefined && msg[ENVELOPE_FIELDS.envelope] !== undefined;
}

/** What {@link checkEnvelope} needs besides the request. */
export interface EnvelopeCheck {
  /** Verifies Ed25519 signatures. */
  readonly verifier: SignatureVerifier;
  /** Nonces seen within the freshness window. */
  readonly nonces: NonceCache;
  /** Base64 Ed25519 key the envelope must be signed with. */
  readonly publicKey: string;
  /** Node ids the envelope may name (the acting node; 0 too while registering). */
  readonly nodes: readonly number[];
  /** Request time, unix ms. */
  readonly now: number;
  /** `key|nonce` pairs this request already claimed (a re-run or a second check of one request). */
  readonly claimed?: Set<string>;
}

/**
 * Verifies the request envelope of `msg` (Go `reqsig`: canonical text, Ed25519 over it by the
 * node's key, timestamp within ±300 s, body hash of this very request, audience `registry`) and
 * claims its nonce, so the same request cannot be accepted twice.
 * @throws RegistryRequestError `BAD_REQUEST` for a malformed envelope, `UNAUTHORIZED` when it does
 * not match the request, is stale or replayed, `INVALID_SIGNATURE` when the signature fails,
 * `BUSY` when the nonce cache is full (retry later)
 */
export function checkEnvelope(msg: JsonObject, check: EnvelopeCheck): RequestEnvelope {
  const text = msg[ENVELOPE_FIELDS.envelope];
  if (typeof text !== 'string')
    throw new RegistryRequestError('BAD_REQUEST', `${ENVELOPE_FIELDS.envelope} must be a string`);
  let env: RequestEnvelope;
  try {
    env = parseEnvelope(text);
  } catch (err) {
    throw new RegistryRequestError('BAD_REQUEST', `malformed envelope: ${(err as Error).message}`);
  }
  const sig = decodeSignature(msg[ENVELOPE_FIELDS.signature]);
  if (!sig) {
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      `${ENVELOPE_FIELDS.signature} must be a base64 Ed25519 signature over the envelope`,
    );
  }
  if (env.audience !== REGISTRY_AUDIENCE) {
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      `envelope audience "${env.audience}" is not "${REGISTRY_AUDIENCE}"`,
    );
  }
  if (!check.nodes.includes(env.node)) {
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      `envelope names node ${env.node}, but the request acts for node ${check.nodes[check.nodes.length - 1]}`,
    );
  }
  const nowSeconds = Math.floor(check.now / 1000);
  if (!envelopeFresh(env, nowSeconds)) {
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      `envelope timestamp ${env.timestamp} is more than ${REQSIG_MAX_SKEW_SECONDS} s from the registry clock (${nowSeconds}); check the node's clock`,
    );
  }
  if (env.bodyHash !== hashRequestBody(msg)) {
    throw new RegistryRequestError('UNAUTHORIZED', 'envelope body hash does not match the request');
  }
  if (!check.verifier.verify(check.publicKey, text, sig)) {
    throw new RegistryRequestError('INVALID_SIGNATURE', 'envelope signature verification failed');
  }
  const token = `${check.publicKey}|${env.nonce}`;
  if (check.claimed?.has(token)) return env;
  const claim = check.nonces.claim(
    check.publicKey,
    env.nonce,
    env.timestamp + REQSIG_MAX_SKEW_SECONDS,
    nowSeconds,
  );
  if (claim === 'replay') {
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      'replayed request: this envelope nonce was already used',
    );
  }
  if (claim === 'full') {
    throw new RegistryRequestError(
      'BUSY',
      'too many signed requests within the freshness window; retry later',
    );
  }
  check.claimed?.add(token);
  return env;
}
