import { MESH_ERROR } from '@mesh/daemonapi';

/** Stable machine-readable codes of every error the engine throws. */
export type DaemonErrorCode =
  | 'IDENTITY_INVALID'
  | 'IDENTITY_IO'
  | 'TUNNEL_AUTH'
  | 'TUNNEL_REPLAY'
  | 'TUNNEL_NO_SESSION'
  | 'TUNNEL_QUEUE_FULL'
  | 'TUNNEL_CLOSED'
  | 'REGISTRY'
  | 'PLUGIN'
  | 'NOT_STARTED'
  | 'ALREADY_STARTED'
  | 'STOPPED'
  | 'CONFIG'
  | 'POLICY_DENIED'
  | 'PORT_IN_USE'
  | 'NO_SUCH_NODE'
  | 'ROTATION_REFUSED'
  | 'ROTATION_UNKNOWN'
  | 'ROTATION_CONFLICT';

/** Base class of every engine error: a stable `code` plus a message a person can act on. */
export class DaemonError extends Error {
  /** A stable string callers can branch on. */
  readonly code: DaemonErrorCode;

  /** Whether retrying the same operation later can succeed. */
  readonly retryable: boolean;

  /** The mesh error brand (`isMeshError` in `@mesh/daemonapi` checks it across copies). */
  readonly [MESH_ERROR] = true as const;

  /**
   * @param code the stable error code
   * @param message what went wrong and what to do about it
   * @param options `cause` and retryability
   */
  constructor(
    code: DaemonErrorCode,
    message: string,
    options: ErrorOptions & { retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DaemonError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** The identity file is missing fields, malformed, or its public key does not match its private key. */
export class IdentityError extends DaemonError {
  /**
   * @param message what is wrong with the identity
   * @param options `cause`
   */
  constructor(message: string, options: ErrorOptions = {}) {
    super('IDENTITY_INVALID', message, options);
    this.name = 'IdentityError';
  }
}

/** A tunnel frame failed authentication, was replayed, or arrived before a session existed. */
export class TunnelError extends DaemonError {
  /**
   * @param code which tunnel failure
   * @param message details
   * @param options `cause`
   */
  constructor(
    code:
      'TUNNEL_AUTH' | 'TUNNEL_REPLAY' | 'TUNNEL_NO_SESSION' | 'TUNNEL_QUEUE_FULL' | 'TUNNEL_CLOSED',
    message: string,
    options: ErrorOptions = {},
  ) {
    super(code, message, options);
    this.name = 'TunnelError';
  }
}

/** A plugin failed to load, initialise or shut down in time. */
export class PluginLoadError extends DaemonError {
  /**
   * @param message which plugin and what failed
   * @param options `cause`
   */
  constructor(message: string, options: ErrorOptions = {}) {
    super('PLUGIN', message, options);
    this.name = 'PluginLoadError';
  }
}

/**
 * A key rotation did not complete:
 * - `ROTATION_REFUSED`: the registry refused it (or could not be reached before anything was
 *   sent); the old key stays in use.
 * - `ROTATION_UNKNOWN`: the connection dropped after the request was sent, so whether the registry
 *   switched keys is unknown. The new key is kept in `identity.json.pending`; the daemon asks the
 *   registry which key it holds (next heartbeat, next rotation or next start) and finishes or rolls
 *   back. Retryable.
 * - `ROTATION_CONFLICT`: another rotation is in progress, the registry holds the new key for another
 *   node, or it holds neither the old nor the new key of this node.
 */
export class KeyRotationError extends DaemonError {
  /**
   * @param code which outcome
   * @param message what happened and what to do
   * @param options `cause`
   */
  constructor(
    code: 'ROTATION_REFUSED' | 'ROTATION_UNKNOWN' | 'ROTATION_CONFLICT',
    message: string,
    options: ErrorOptions = {},
  ) {
    super(code, message, { ...options, retryable: code === 'ROTATION_UNKNOWN' });
    this.name = 'KeyRotationError';
  }
}
