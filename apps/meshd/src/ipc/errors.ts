// Engine and registry error codes → the control plane's stable codes: the one place that decides,
// from `code` fields only (never from message text).
import { ErrorCode, IpcError } from '@mesh/ipc';

type IpcCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Engine (`@mesh/daemon`, `@mesh/daemonapi`) and registry-client codes. */
const ENGINE_CODES: Readonly<Record<string, IpcCode>> = {
  // transport
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
  // engine
  NOT_STARTED: ErrorCode.unavailable,
  ALREADY_STARTED: ErrorCode.alreadyExists,
  STOPPED: ErrorCode.unavailable,
  CONFIG: ErrorCode.invalidArgument,
  POLICY_DENIED: ErrorCode.connectionFailed,
  REGISTRY: ErrorCode.connectionFailed,
  TUNNEL_NO_SESSION: ErrorCode.connectionFailed,
  TUNNEL_CLOSED: ErrorCode.connectionFailed,
  TUNNEL_QUEUE_FULL: ErrorCode.busy,
  ROTATION_REFUSED: ErrorCode.unavailable,
  ROTATION_UNKNOWN: ErrorCode.connectionFailed,
  ROTATION_CONFLICT: ErrorCode.alreadyExists,
  // contract (@mesh/daemonapi)
  SERVICE_UNAVAILABLE: ErrorCode.unavailable,
  // the handshake plugin's service (HandshakeError codes)
  NOT_TRUSTED: ErrorCode.notFound,
  NO_PENDING_REQUEST: ErrorCode.notFound,
  INVALID_PEER: ErrorCode.invalidArgument,
  NO_REGISTRY: ErrorCode.unavailable,
  RELAY_FAILED: ErrorCode.connectionFailed,
  // @mesh/registry-client (REMOTE is refined by the registry's own code below)
  TRANSPORT: ErrorCode.connectionFailed,
  TIMEOUT: ErrorCode.timeout,
  ABORTED: ErrorCode.timeout,
  CLOSED: ErrorCode.unavailable,
  NO_IDENTITY: ErrorCode.unavailable,
  REMOTE: ErrorCode.internal,
};

/** The registry's error codes (`code` of its JSON error replies), carried as `remoteCode`. */
const REGISTRY_CODES: Readonly<Record<string, IpcCode>> = {
  NOT_FOUND: ErrorCode.notFound,
  CONFLICT: ErrorCode.alreadyExists,
  BAD_REQUEST: ErrorCode.invalidArgument,
  UNKNOWN_TYPE: ErrorCode.invalidArgument,
  LIMIT: ErrorCode.busy,
  DENIED: ErrorCode.unavailable,
  UNAUTHORIZED: ErrorCode.unavailable,
  INVALID_SIGNATURE: ErrorCode.unavailable,
  RATE_LIMITED: ErrorCode.busy,
  BUSY: ErrorCode.busy,
  STORE: ErrorCode.unavailable,
  INTERNAL: ErrorCode.internal,
};

/** What to do about errors a person can fix, by engine code. */
const HINTS: Readonly<Record<string, string>> = {
  SERVICE_UNAVAILABLE: 'load the plugin that provides it (meshd --plugins <module>)',
  ROTATION_REFUSED:
    'the old key is still in use; check the registry log, then run rotate-key again',
  ROTATION_UNKNOWN:
    'the daemon asks the registry at its next heartbeat and finishes or rolls back; meshctl lookup <this node> shows the key the registry holds',
  ROTATION_CONFLICT: 'wait for the running rotation to finish, then run rotate-key again',
};

function stringField(err: unknown, key: string): string {
  const value = (err as Record<string, unknown> | null)?.[key];
  return typeof value === 'string' ? value : '';
}

/**
 * The control-plane code for an engine or registry error: by its `code` (and, for a registry
 * refusal, the registry's `remoteCode`); `internal` for anything uncoded.
 * @param err - what the engine threw.
 * @returns the IPC error code.
 */
export function ipcCodeOf(err: unknown): IpcCode {
  const code = stringField(err, 'code');
  if (code === 'REMOTE') {
    const remote = REGISTRY_CODES[stringField(err, 'remoteCode')];
    if (remote !== undefined) return remote;
  }
  return ENGINE_CODES[code] ?? ErrorCode.internal;
}

/**
 * Wraps an engine failure as an {@link IpcError}, keeping the engine's code in `details`.
 * @param err - what the engine threw.
 * @param what - the operation, for the message prefix.
 * @returns the error to answer with.
 */
export function engineError(err: unknown, what: string): IpcError {
  if (err instanceof IpcError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const engineCode = stringField(err, 'code');
  const hint = HINTS[engineCode];
  return new IpcError(ipcCodeOf(err), `${what}: ${e.message}`, {
    cause: err,
    ...(hint === undefined ? {} : { hint }),
    ...(engineCode !== '' ? { details: { engine_code: engineCode } } : {}),
  });
}
