// HMAC-SHA256 signatures a receiver can verify, with the timestamp inside the signed string.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header with the signature: `sha256=<lower-case hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'x-mesh-signature';
/** Header with the signing time, Unix seconds (decimal). */
export const TIMESTAMP_HEADER = 'x-mesh-timestamp';
/** Header with the event topic (informational, not signed separately: it is in the body). */
export const EVENT_HEADER = 'x-mesh-event';
/** Header with the event id (informational, also in the body). */
export const EVENT_ID_HEADER = 'x-mesh-event-id';
/** How old a signed request a receiver should still accept, seconds (the documented default). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * The string that is signed: `<timestamp>.<raw body>`, timestamp as in {@link TIMESTAMP_HEADER}.
 * @param timestamp - Unix seconds.
 * @param body - the exact request body bytes as text.
 * @returns the signing string.
 */
export function signingString(timestamp: number, body: string): string {
  return `${timestamp}.${body}`;
}

/**
 * Signs a body.
 * @param secret - the shared secret.
 * @param timestamp - Unix seconds, sent in {@link TIMESTAMP_HEADER}.
 * @param body - the request body.
 * @returns the {@link SIGNATURE_HEADER} value, `sha256=<hex>`.
 */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(signingString(timestamp, body)).digest('hex')}`;
}

/** Options of {@link verifyWebhookSignature}. */
export interface VerifyOptions {
  /** Maximum age (and clock skew) accepted, seconds. @defaultValue 300 */
  readonly toleranceSeconds?: number;
  /** Current time, Unix seconds. @defaultValue now */
  readonly now?: number;
}

/**
 * Verifies a delivery on the receiving side: the signature must match and the timestamp must be
 * within the tolerance, so a captured request cannot be replayed later. (Within the window a
 * receiver also drops repeated signatures it has already seen.)
 * @param secret - the shared secret.
 * @param headers - the request's `x-mesh-timestamp` and `x-mesh-signature` values.
 * @param body - the raw body.
 * @param options - tolerance and clock.
 * @returns true when authentic and fresh.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { readonly timestamp: string | undefined; readonly signature: string | undefined },
  body: string,
  options: VerifyOptions = {},
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || headers.signature === undefined) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
