/**
 * The `code` a registry puts beside `error` in a JSON error reply
 * (`{"type":"error","error":"…","code":"NOT_FOUND"}`); shared by `@mesh/registry`, which sends it,
 * and `@mesh/registry-client`, which reads it. Older registries and the Go registry send no code;
 * clients then classify the message text. Binary error frames (`0xFF`, `[2B len][message]`) have no
 * room for a code and stay byte-compatible.
 *
 * - `BAD_REQUEST`: a field is missing or malformed, or the request is not valid JSON.
 * - `NOT_FOUND`: the node, network, hostname, invitation or trust pair does not exist.
 * - `DENIED`: valid, but not allowed (privacy, membership, join rules).
 * - `UNAUTHORIZED`: a signature or admin token is required and missing or wrong.
 * - `INVALID_SIGNATURE`: the signature does not verify against the node's registered key
 *   (e.g. signed with a key that was rotated away).
 * - `CONFLICT`: a name, hostname or key is already taken.
 * - `RATE_LIMITED`: too many registrations from this address; retry later.
 * - `LIMIT`: an inbox, id space or size limit is reached.
 * - `UNKNOWN_TYPE`: the registry does not serve this message type.
 * - `STORE`: the registry could not persist the change; retry later.
 * - `BUSY`: the registry holds too much buffered input and dropped the connection, or its
 *   request-envelope replay cache is full; retry later.
 * - `INTERNAL`: an unexpected server failure.
 */
export type RegistryErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'DENIED'
  | 'UNAUTHORIZED'
  | 'INVALID_SIGNATURE'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'LIMIT'
  | 'UNKNOWN_TYPE'
  | 'STORE'
  | 'BUSY'
  | 'INTERNAL';

/** Every {@link RegistryErrorCode}, for validating a code read off the wire. */
export const REGISTRY_ERROR_CODES: readonly RegistryErrorCode[] = Object.freeze([
  'BAD_REQUEST',
  'NOT_FOUND',
  'DENIED',
  'UNAUTHORIZED',
  'INVALID_SIGNATURE',
  'CONFLICT',
  'RATE_LIMITED',
  'LIMIT',
  'UNKNOWN_TYPE',
  'STORE',
  'BUSY',
  'INTERNAL',
]);

const RETRYABLE: ReadonlySet<RegistryErrorCode> = new Set(['RATE_LIMITED', 'STORE', 'BUSY']);

/**
 * Whether the same request may succeed when sent again later: `RATE_LIMITED`, `STORE` and `BUSY`
 * are load or persistence failures; every other code describes the request itself.
 *
 * @example
 * ```ts
 * isRetryableRegistryCode('RATE_LIMITED'); // true
 * isRetryableRegistryCode('NOT_FOUND');    // false
 * ```
 */
export function isRetryableRegistryCode(code: RegistryErrorCode): boolean {
  return RETRYABLE.has(code);
}
