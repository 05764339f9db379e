import { WireError } from '../errors/wire-error.js';

/** Domain-separation prefix of a request-signature envelope (Go `reqsig.Domain`). */
export const REQSIG_DOMAIN = 'pilot-req-v1';
/** Freshness window of an envelope timestamp, in seconds either way (Go `reqsig.DefaultMaxSkew`). */
export const REQSIG_MAX_SKEW_SECONDS = 300;
/** Hex length of an envelope nonce: 8 random bytes (Go `reqsig.NonceLen`). */
export const REQSIG_NONCE_LENGTH = 16;
/** Longest canonical envelope accepted (Go `driver.maxEnvelopeLen`); real ones are < 200 bytes. */
export const REQSIG_MAX_LENGTH = 512;
/** The audience a node names when it signs a request for the mesh registry. */
export const REGISTRY_AUDIENCE = 'registry';

/**
 * A parsed request-signature envelope (Go `common/reqsig.Envelope`): who signs (`network:node`),
 * when, a one-time nonce, the SHA-256 of the request body and the service it is meant for.
 */
export interface RequestEnvelope {
  /** 16-bit network of the signer's address (0 for the backbone). */
  readonly network: number;
  /** 32-bit node id of the signer (0 while a registering node has no id yet). */
  readonly node: number;
  /** Unix seconds. */
  readonly timestamp: number;
  /** 16 lowercase hex chars, fresh per request. */
  readonly nonce: string;
  /** 64 lowercase hex chars: SHA-256 of the request body. */
  readonly bodyHash: string;
  /** `[a-z0-9.-]{1,64}`: the consuming service, e.g. {@link REGISTRY_AUDIENCE}. */
  readonly audience: string;
}

const HEX = /^[0-9a-f]*$/;
const AUDIENCE = /^[a-z0-9.-]{1,64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Whether `s` is exactly `n` lowercase hex characters. */
function lowerHex(s: string, n: number): boolean {
  return s.length === n && HEX.test(s);
}

/** An `INVALID` error with the `reqsig:` prefix Go uses. */
function invalid(message: string): WireError {
  return new WireError('INVALID', `reqsig: ${message}`);
}

/**
 * Validates `e` and returns its canonical text, the exact bytes a node signs:
 * `pilot-req-v1|<net hex4><node hex8>|<unix seconds>|<nonce hex16>|<body sha256 hex>|<audience>`
 * (Go `reqsig.Envelope.Canonical`).
 * @throws WireError `INVALID` when a field breaks its charset or range
 *
 * @example
 * ```ts
 * canonicalEnvelope({ network: 0, node: 42, timestamp: 1700000000, nonce: '0011223344556677',
 *   bodyHash: hashRequestBody(msg), audience: REGISTRY_AUDIENCE });
 * // 'pilot-req-v1|00000000002a|1700000000|0011223344556677|…|registry'
 * ```
 */
export function canonicalEnvelope(e: RequestEnvelope): string {
  if (!Number.isInteger(e.network) || e.network < 0 || e.network > 0xffff)
    throw invalid('network must be a 16-bit integer');
  if (!Number.isInteger(e.node) || e.node < 0 || e.node > 0xffff_ffff)
    throw invalid('node must be a 32-bit integer');
  if (!Number.isSafeInteger(e.timestamp) || e.timestamp < 0)
    throw invalid('timestamp must be non-negative unix seconds');
  if (!lowerHex(e.nonce, REQSIG_NONCE_LENGTH))
    throw invalid(`nonce must be ${REQSIG_NONCE_LENGTH} lowercase hex chars`);
  if (!lowerHex(e.bodyHash, 64)) throw invalid('body hash must be 64 lowercase hex chars');
  if (!AUDIENCE.test(e.audience)) throw invalid('audience must match [a-z0-9.-]{1,64}');
  const addr = e.network.toString(16).padStart(4, '0') + e.node.toString(16).padStart(8, '0');
  return [REQSIG_DOMAIN, addr, String(e.timestamp), e.nonce, e.bodyHash, e.audience].join('|');
}

/**
 * Parses a canonical envelope; only the exact text {@link canonicalEnvelope} produces is accepted
 * (Go `reqsig.Parse`: no leading zeros, no uppercase hex, six fields).
 * @throws WireError `INVALID` for anything else
 */
export function parseEnvelope(text: string): RequestEnvelope {
  if (text.length > REQSIG_MAX_LENGTH) throw invalid('envelope too long');
  const parts = text.split('|');
  if (parts.length !== 6) throw invalid(`want 6 fields, got ${parts.length}`);
  const [domain, addr, ts, nonce, bodyHash, audience] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  if (domain !== REQSIG_DOMAIN) throw invalid('bad domain');
  if (!lowerHex(addr, 12)) throw invalid('address must be 12 lowercase hex chars');
  if (!DECIMAL.test(ts) || ts.length > 15) throw invalid('timestamp must be canonical decimal');
  const e: RequestEnvelope = {
    network: parseInt(addr.slice(0, 4), 16),
    node: parseInt(addr.slice(4), 16),
    timestamp: Number(ts),
    nonce,
    bodyHash,
    audience,
  };
  if (canonicalEnvelope(e) !== text) throw invalid('non-canonical encoding');
  return e;
}

/**
 * Whether `e`'s timestamp lies within `maxSkewSeconds` of `nowSeconds`, either way
 * (Go `reqsig.CheckFresh`).
 */
export function envelopeFresh(
  e: RequestEnvelope,
  nowSeconds: number,
  maxSkewSeconds: number = REQSIG_MAX_SKEW_SECONDS,
): boolean {
  return Math.abs(Math.floor(nowSeconds) - e.timestamp) <= maxSkewSeconds;
}
