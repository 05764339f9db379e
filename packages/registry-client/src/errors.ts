import { REGISTRY_ERROR_CODES, isRetryableRegistryCode } from '@mesh/wire';
import type { RegistryErrorCode } from '@mesh/wire';

/** The brand every mesh error carries (`isMeshError` in `@mesh/daemonapi`), set without importing it. */
const MESH_ERROR: unique symbol = Symbol.for('@mesh/error') as never;

/**
 * Stable codes carried by every {@link RegistryClientError}.
 *
 * - `REMOTE`: the registry answered with an error (`{"type":"error"}` or a binary error frame);
 *   the error is a {@link RegistryRemoteError} and `remoteCode` says why.
 * - `TRANSPORT`: the registry could not be reached (connect failed, or the connection was already
 *   gone before the request was written), and reconnecting did not help. Nothing was sent.
 * - `CONNECTION_LOST`: the connection dropped after the request was written and before the
 *   answer came. The registry may or may not have applied it; the client does not resend
 *   operations that are unsafe to repeat (see the README's retry table). Retryable.
 * - `TIMEOUT`: no answer within the call's deadline (the connection is dropped).
 * - `ABORTED`: the caller's `AbortSignal` fired.
 * - `PROTOCOL`: the registry sent something this client cannot understand.
 * - `NO_IDENTITY`: a signed call was made before the client knew its node id.
 * - `CLOSED`: the client was closed.
 * - `TLS`: the registry's certificate did not match the pinned fingerprint or was not trusted.
 */
export type RegistryClientErrorCode =
  | 'REMOTE'
  | 'TRANSPORT'
  | 'CONNECTION_LOST'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'PROTOCOL'
  | 'NO_IDENTITY'
  | 'CLOSED'
  | 'TLS';

const RETRYABLE: ReadonlySet<RegistryClientErrorCode> = new Set([
  'TRANSPORT',
  'CONNECTION_LOST',
  'TIMEOUT',
]);

/** Base class of every error thrown by `@mesh/registry-client`; match on `code`. */
export class RegistryClientError extends Error {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryClientError';
  /** Stable machine-readable reason. */
  readonly code: RegistryClientErrorCode;
  /** Whether repeating the same call later may succeed. */
  readonly retryable: boolean;
  /** The mesh-wide error brand. */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code - stable reason code
   * @param message - what went wrong
   * @param options - `cause`, if any; `retryable` to override the code's default
   */
  constructor(
    code: RegistryClientErrorCode,
    message: string,
    options?: ErrorOptions & { readonly retryable?: boolean },
  ) {
    super(message, options);
    this.name = 'RegistryClientError';
    this.code = code;
    this.retryable = options?.retryable ?? RETRYABLE.has(code);
  }

  /** @deprecated Use {@link RegistryClientError.retryable}, the mesh-wide name. */
  get isRetryable(): boolean {
    return this.retryable;
  }
}

/**
 * The registry refused the request. `remoteCode` says why: the `code` field of the JSON reply when
 * the registry sent one, otherwise classified from the message text by
 * {@link classifyRegistryError} (the Go registry and binary error frames send text only).
 */
export class RegistryRemoteError extends RegistryClientError {
  /** Class name, kept stable under minification. */
  static override readonly name: string = 'RegistryRemoteError';
  /** The registry's own error text. */
  readonly remoteMessage: string;
  /** Why the registry refused (`NOT_FOUND`, `INVALID_SIGNATURE`, …); `UNKNOWN` if unclassifiable. */
  readonly remoteCode: RegistryErrorCode | 'UNKNOWN';
  /** The request type that failed. */
  readonly requestType: string;

  /**
   * @param requestType - the request type that failed, e.g. `resolve`
   * @param remoteMessage - the registry's error text
   * @param remoteCode - the reply's `code` field, if any (an unknown value is ignored)
   */
  constructor(requestType: string, remoteMessage: string, remoteCode?: unknown) {
    const classified = classifyRegistryError(remoteMessage, remoteCode);
    super('REMOTE', `registry: ${remoteMessage}`, {
      retryable: classified !== 'UNKNOWN' && isRetryableRegistryCode(classified),
    });
    this.name = 'RegistryRemoteError';
    this.remoteMessage = remoteMessage;
    this.remoteCode = classified;
    this.requestType = requestType;
  }
}

// Message shapes of registries that send no `code` (the Go registry, binary error frames, older
// mesh registries), first match wins: specific phrases before generic ones.
const MESSAGE_RULES: readonly (readonly [RegExp, RegistryErrorCode])[] = [
  [/signature verification failed|invalid signature|bad signature/i, 'INVALID_SIGNATURE'],
  [/signature required|unauthori[sz]ed|forbidden/i, 'UNAUTHORIZED'],
  // Request envelopes (mesh registry): missing where required, stale, replayed or misdirected.
  [
    /request envelope|replayed request|envelope_signature|envelope (timestamp|audience|body hash|names)/i,
    'UNAUTHORIZED',
  ],
  [/too many signed requests/i, 'BUSY'],
  [/rate limit|too many (registrations|requests)/i, 'RATE_LIMITED'],
  [/server busy/i, 'BUSY'],
  [/unknown (binary )?message type|unknown request type/i, 'UNKNOWN_TYPE'],
  [/store write failed|store failed/i, 'STORE'],
  [/internal error/i, 'INTERNAL'],
  // Refusals whose wording would otherwise match a later, more generic rule.
  [
    /already a member of the backbone|cannot pair with itself|cannot respond to yourself/i,
    'BAD_REQUEST',
  ],
  [
    /denied|private|invite-only|cannot invite|cannot be left|join token|requester must be|requires the admin token/i,
    'DENIED',
  ],
  [/admin[ _]token/i, 'UNAUTHORIZED'],
  [/already (exists|in use|taken|registered|a member)|is taken/i, 'CONFLICT'],
  [
    /not found|not registered|never registered|no such|unknown (node|hostname|network)|no pending|not a member|no trust pair/i,
    'NOT_FOUND',
  ],
  [/inbox .*full|is full|exhausted|too large|too many/i, 'LIMIT'],
  [
    /invalid|missing|required|must |malformed|too short|too long|reserved|unsupported/i,
    'BAD_REQUEST',
  ],
];

/**
 * Classifies a registry refusal once, for every caller: the reply's `code` when it is a known
 * {@link RegistryErrorCode}, otherwise the message text matched against the known message shapes
 * (for the Go registry and binary error frames, which carry text only), otherwise `UNKNOWN`.
 *
 * @param message - the registry's error text
 * @param code - the `code` field of the JSON reply, if any
 *
 * @example
 * ```ts
 * classifyRegistryError('lookup: node 9 not found');                 // 'NOT_FOUND'
 * classifyRegistryError('whatever', 'RATE_LIMITED');                 // 'RATE_LIMITED'
 * classifyRegistryError('signature verification failed for rotate'); // 'INVALID_SIGNATURE'
 * ```
 */
export function classifyRegistryError(
  message: string,
  code?: unknown,
): RegistryErrorCode | 'UNKNOWN' {
  if (typeof code === 'string' && (REGISTRY_ERROR_CODES as readonly string[]).includes(code))
    return code as RegistryErrorCode;
  for (const [pattern, classified] of MESSAGE_RULES) if (pattern.test(message)) return classified;
  return 'UNKNOWN';
}

/** Whether `value` is a {@link RegistryClientError} (optionally with the given code). */
export function isRegistryClientError(
  value: unknown,
  code?: RegistryClientErrorCode,
): value is RegistryClientError {
  return value instanceof RegistryClientError && (code === undefined || value.code === code);
}
