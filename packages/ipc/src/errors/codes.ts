// Error codes: JSON-RPC numbers for the wire, stable strings for programs and exit codes.

/**
 * Stable string codes carried in `error.data.code`. Programs branch on these, never on the
 * message text; `meshctl` maps each one to a fixed exit code.
 */
export const ErrorCode = {
  /** A line was not valid JSON. */
  parseError: 'parse_error',
  /** Valid JSON, but not a JSON-RPC 2.0 request. */
  invalidRequest: 'invalid_request',
  /** No handler is registered under that method name (or its plugin is not loaded). */
  methodNotFound: 'method_not_found',
  /** Parameters are missing or have the wrong shape. */
  invalidArgument: 'invalid_argument',
  /** The handler failed unexpectedly. */
  internal: 'internal',
  /** A method other than `rpc.hello` was called before the handshake. */
  handshakeRequired: 'handshake_required',
  /** Client and server speak different protocol versions. */
  versionMismatch: 'version_mismatch',
  /** A request line exceeded the server's maximum line length. */
  lineTooLong: 'line_too_long',
  /** Too many requests in flight on one connection. */
  busy: 'busy',
  /** The thing asked for does not exist (connection id, hostname, pending request). */
  notFound: 'not_found',
  /** The thing to create exists already (bound port, running daemon). */
  alreadyExists: 'already_exists',
  /** No daemon answers on the socket. */
  notRunning: 'not_running',
  /** The daemon could not reach a peer, the registry or the beacon. */
  connectionFailed: 'connection_failed',
  /** A deadline passed. */
  timeout: 'timeout',
  /** A feature is not available in this daemon (for example no handshake plugin loaded). */
  unavailable: 'unavailable',
  /** The IPC connection closed before the reply arrived. */
  connectionClosed: 'connection_closed',
  /** A raw stream attach named an unknown, used or expired token. */
  attachRefused: 'attach_refused',
} as const;

/** One of the {@link ErrorCode} strings. */
export type ErrorCodeString = (typeof ErrorCode)[keyof typeof ErrorCode];

/** JSON-RPC 2.0 numeric codes: the standard five plus mesh codes in the server range. */
export const RpcErrorNumber: Readonly<Record<ErrorCodeString, number>> = Object.freeze({
  parse_error: -32700,
  invalid_request: -32600,
  method_not_found: -32601,
  invalid_argument: -32602,
  internal: -32603,
  handshake_required: -32000,
  version_mismatch: -32001,
  line_too_long: -32002,
  busy: -32003,
  not_found: -32004,
  already_exists: -32005,
  not_running: -32006,
  connection_failed: -32007,
  timeout: -32008,
  unavailable: -32009,
  connection_closed: -32010,
  attach_refused: -32011,
});

const KNOWN = new Set<string>(Object.values(ErrorCode));

/**
 * @param code - any string.
 * @returns true when `code` is one of the {@link ErrorCode} strings.
 */
export function isErrorCode(code: string): code is ErrorCodeString {
  return KNOWN.has(code);
}
