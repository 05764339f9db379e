// Promise wrappers for grpc-js unary calls and status errors carrying mesh error codes.
import { Metadata, status } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { GoPluginError } from '@mesh/goplugin';

/** An error the plugin process returned, with its code kept. */
export class PluginCallError extends GoPluginError {
  /**
   * @param code - remote code, or `PLUGIN_CALL_FAILED`.
   * @param message - remote message.
   * @param retryable - whether retrying may help.
   */
  constructor(code: string, message: string, retryable: boolean) {
    super(code, message, { retryable });
  }
}

/**
 * Calls unary method `method` of `client`.
 * @param client - a grpc-js client.
 * @param method - method name.
 * @param request - the request object.
 * @param deadlineMs - optional deadline.
 * @returns the response.
 */
export function unary<T>(
  client: Client,
  method: string,
  request: unknown,
  deadlineMs?: number,
): Promise<T> {
  const fn = (client as unknown as Record<string, (...a: unknown[]) => void>)[method];
  if (fn === undefined) return Promise.reject(new Error(`no method ${method}`));
  return new Promise<T>((resolve, reject) => {
    const cb = (err: ServiceError | null, res: T): void =>
      err ? reject(toError(err)) : resolve(res);
    if (deadlineMs === undefined) fn.call(client, request, cb);
    else fn.call(client, request, { deadline: Date.now() + deadlineMs }, cb);
  });
}

/** The typed error for a failed call: the remote code from metadata, or a transport code. */
function toError(err: ServiceError): Error {
  const code = err.metadata?.get('mesh-code')[0];
  const unavailable = err.code === status.UNAVAILABLE || err.code === status.CANCELLED;
  return new PluginCallError(
    typeof code === 'string' ? code : unavailable ? 'PLUGIN_UNAVAILABLE' : 'PLUGIN_CALL_FAILED',
    err.details || err.message,
    err.metadata?.get('mesh-retryable')[0] === 'true' || unavailable,
  );
}

/**
 * A status error carrying `error`'s code for a grpc-js callback.
 * @param error - what was thrown.
 * @returns the error object.
 */
export function statusError(error: unknown): Partial<ServiceError> {
  const metadata = new Metadata();
  const e = error as { code?: unknown; retryable?: unknown; message?: unknown } | undefined;
  if (typeof e?.code === 'string') metadata.set('mesh-code', e.code);
  if (e?.retryable === true) metadata.set('mesh-retryable', 'true');
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return { code: status.UNKNOWN, details: message, metadata };
}
