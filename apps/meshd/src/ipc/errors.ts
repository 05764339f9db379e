// Engine error codes → the control plane's stable codes.
import { ErrorCode, IpcError } from '@mesh/ipc';

const MAP: Readonly<Record<string, string>> = {
  CONNECTION_REFUSED: ErrorCode.connectionFailed,
  CONNECTION_RESET: ErrorCode.connectionFailed,
  RETRANSMIT_LIMIT: ErrorCode.connectionFailed,
  IDLE_TIMEOUT: ErrorCode.timeout,
  DIAL_TIMEOUT: ErrorCode.timeout,
  DIAL_ABORTED: ErrorCode.timeout,
  CONNECTION_LIMIT: ErrorCode.busy,
  PORT_IN_USE: ErrorCode.alreadyExists,
  NO_SUCH_NODE: ErrorCode.notFound,
  PORTS_EXHAUSTED: ErrorCode.busy,
  INVALID_PORT: ErrorCode.invalidArgument,
  TRANSPORT_CLOSED: ErrorCode.unavailable,
  NOT_CONNECTED: ErrorCode.connectionFailed,
  NOT_STARTED: ErrorCode.unavailable,
  STOPPED: ErrorCode.unavailable,
  POLICY_DENIED: ErrorCode.connectionFailed,
  REGISTRY: ErrorCode.connectionFailed,
  TUNNEL_NO_SESSION: ErrorCode.connectionFailed,
  TUNNEL_CLOSED: ErrorCode.connectionFailed,
  // @mesh/registry-client codes (REMOTE is classified by its message below).
  TRANSPORT: ErrorCode.connectionFailed,
  TIMEOUT: ErrorCode.timeout,
  ABORTED: ErrorCode.timeout,
  CLOSED: ErrorCode.unavailable,
  NO_IDENTITY: ErrorCode.unavailable,
};

/**
 * Wraps an engine failure as an {@link IpcError}, keeping the engine's code in `details`.
 * @param err - what the engine threw.
 * @param what - the operation, for the message prefix.
 * @returns the error to answer with.
 */
export function engineError(err: unknown, what: string): IpcError {
  if (err instanceof IpcError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const engineCode =
    typeof (e as { code?: unknown }).code === 'string'
      ? (e as unknown as { code: string }).code
      : '';
  let code = MAP[engineCode];
  if (code === undefined) {
    // Registry-client errors: not found / timeouts by message shape.
    if (/not found|unknown hostname|no such/i.test(e.message)) code = ErrorCode.notFound;
    else if (/timed? ?out/i.test(e.message)) code = ErrorCode.timeout;
    else if (/ECONNREFUSED|ECONNRESET|EPIPE|unreachable|closed/i.test(e.message))
      code = ErrorCode.connectionFailed;
    else code = ErrorCode.internal;
  }
  return new IpcError(code, `${what}: ${e.message}`, {
    cause: err,
    ...(engineCode !== '' ? { details: { engine_code: engineCode } } : {}),
  });
}
