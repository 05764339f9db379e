/** Per-call context handed to an {@link IpcMethodHandler}. */
export interface IpcCallContext {
  /** Aborted when the calling client disconnects or the daemon stops. */
  readonly signal: AbortSignal;
}

/**
 * Handles one IPC (JSON-RPC) method call. `params` is the request's decoded `params`; the
 * returned value (JSON-shaped) becomes the result. A thrown error becomes the error reply; an
 * error with a string `code` keeps that code.
 */
export type IpcMethodHandler = (params: unknown, context: IpcCallContext) => unknown;
