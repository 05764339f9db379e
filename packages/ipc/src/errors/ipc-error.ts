import { ErrorCode, RpcErrorNumber, isErrorCode } from './codes.js';
import type { ErrorCodeString } from './codes.js';
import type { JsonRpcErrorObject } from '../protocol/jsonrpc.js';

/** Options of {@link IpcError}. */
export interface IpcErrorOptions {
  /** A next step for the person reading the error. */
  readonly hint?: string;
  /** The underlying error. */
  readonly cause?: unknown;
  /** Extra JSON data to carry in `error.data`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * The one error class of the control plane: thrown by handlers to answer a request with an
 * error, and raised by clients when a reply carries one. `code` is a stable string
 * ({@link ErrorCode}); plugins may use their own codes, which travel unchanged.
 */
export class IpcError extends Error {
  /** Stable string code. */
  readonly code: string;
  /** A next step, when there is one. */
  readonly hint: string | undefined;
  /** Extra JSON data from `error.data`. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  /**
   * @param code - a stable code, usually one of {@link ErrorCode}.
   * @param message - what went wrong, in words a person can act on.
   * @param options - hint, cause and extra details.
   */
  constructor(
    code: ErrorCodeString | (string & {}),
    message: string,
    options: IpcErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'IpcError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  /** The JSON-RPC numeric code for {@link IpcError.code}; plugin-defined codes use `-32099`. */
  get rpcCode(): number {
    return isErrorCode(this.code) ? RpcErrorNumber[this.code] : -32099;
  }

  /**
   * @returns the JSON-RPC `error` object for this error.
   */
  toJsonRpc(): JsonRpcErrorObject {
    const data: Record<string, unknown> = { ...this.details, code: this.code };
    if (this.hint !== undefined) data['hint'] = this.hint;
    return { code: this.rpcCode, message: this.message, data };
  }

  /**
   * Rebuilds an error from a reply's `error` object.
   * @param error - the JSON-RPC error object.
   * @returns an {@link IpcError} with the stable code from `data.code` (or one derived from the number).
   */
  static fromJsonRpc(error: JsonRpcErrorObject): IpcError {
    const data =
      error.data !== null && typeof error.data === 'object'
        ? (error.data as Record<string, unknown>)
        : {};
    let code = typeof data['code'] === 'string' ? data['code'] : undefined;
    if (code === undefined) {
      const byNumber = Object.entries(RpcErrorNumber).find(([, n]) => n === error.code);
      code = byNumber ? byNumber[0] : ErrorCode.internal;
    }
    const { code: _c, hint, ...details } = data;
    return new IpcError(code, error.message, {
      ...(typeof hint === 'string' ? { hint } : {}),
      ...(Object.keys(details).length > 0 ? { details } : {}),
    });
  }
}

/**
 * Turns anything a handler threw into an {@link IpcError}. Non-`IpcError` values become
 * `internal` errors whose message names the method, so a stack never leaks to the client.
 * @param err - the thrown value.
 * @param method - the method that was running.
 * @returns the error to send.
 */
export function toIpcError(err: unknown, method: string): IpcError {
  if (err instanceof IpcError) return err;
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string') {
    const code = (err as unknown as { code: string }).code;
    // Engine errors carry stable codes too; pass the ones the control plane knows.
    if (isErrorCode(code)) return new IpcError(code, err.message, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new IpcError(ErrorCode.internal, `${method} failed: ${message}`, { cause: err });
}
