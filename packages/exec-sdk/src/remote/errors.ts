// Errors of the plugin side of the boundary, and their mapping to and from gRPC status.
import { Metadata, status } from '@grpc/grpc-js';
import type { ServiceError } from '@grpc/grpc-js';
import { GoPluginError } from '@mesh/goplugin';

/** A synchronous contract method that cannot cross a process boundary was called. */
export class SyncCallUnsupportedError extends GoPluginError {
  /**
   * @param method - the method.
   * @param instead - what to use.
   */
  constructor(method: string, instead: string) {
    super(
      'REMOTE_SYNC_UNSUPPORTED',
      `${method} is synchronous and cannot reach the daemon from an out-of-process plugin; use ${instead}`,
    );
  }
}

/** An error raised on the other side of the process boundary, with its code kept. */
export class RemoteCallError extends GoPluginError {
  /**
   * @param code - the remote error's code (`REMOTE_CALL_FAILED` when it had none).
   * @param message - the remote message.
   * @param retryable - the remote flag.
   */
  constructor(code: string, message: string, retryable: boolean) {
    super(code, message, { retryable });
  }
}

/**
 * A gRPC error carrying a thrown value's message, code and retryable flag (as metadata).
 * @param error - what was thrown.
 * @returns the status error for a grpc-js callback.
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  const e = error as { code?: unknown; retryable?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string') metadata.set('mesh-code', e.code);
  if (e?.retryable === true) metadata.set('mesh-retryable', 'true');
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return { code: status.UNKNOWN, details: message, message, metadata };
}

/**
 * The typed error for a failed gRPC call.
 * @param error - the grpc-js error.
 * @returns a RemoteCallError with the remote code.
 */
export function fromServiceError(error: unknown): Error {
  const e = error as Partial<ServiceError> | undefined;
  if (e?.metadata === undefined) return error instanceof Error ? error : new Error(String(error));
  const code = e.metadata.get('mesh-code')[0];
  const retryable = e.metadata.get('mesh-retryable')[0] === 'true';
  const unavailable = e.code === status.UNAVAILABLE || e.code === status.CANCELLED;
  return new RemoteCallError(
    typeof code === 'string' ? code : unavailable ? 'PLUGIN_UNAVAILABLE' : 'REMOTE_CALL_FAILED',
    e.details ?? e.message ?? 'remote call failed',
    retryable || unavailable,
  );
}
