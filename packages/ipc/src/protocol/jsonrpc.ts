// JSON-RPC 2.0 message shapes and the checks that classify an incoming line.

/**
 * The protocol version `rpc.hello` negotiates. Bump on incompatible method or framing changes.
 * 2: stream bytes travel on raw attach connections (`attach_token`); `conn.send` / `conn.data` are gone.
 */
export const RPC_VERSION = 2;

/** A request id: a number or a string (JSON-RPC 2.0 allows both). */
export type RequestId = number | string;

/** A call that expects a reply. */
export interface JsonRpcRequest {
  /** Always `'2.0'`. */
  readonly jsonrpc: '2.0';
  /** Echoed in the reply, so many calls can share one connection. */
  readonly id: RequestId;
  /** Method name, for example `info` or `conn.dial`. */
  readonly method: string;
  /** Named parameters. */
  readonly params?: unknown;
}

/** A one-way message: server pushes (received data, accepted connection) and nothing else. */
export interface JsonRpcNotification {
  /** Always `'2.0'`. */
  readonly jsonrpc: '2.0';
  /** Notification name, for example `conn.accepted`. */
  readonly method: string;
  /** Named parameters. */
  readonly params?: unknown;
}

/** The `error` member of a failed reply. */
export interface JsonRpcErrorObject {
  /** JSON-RPC number (`-32601` method not found, …). */
  readonly code: number;
  /** Human-readable text. */
  readonly message: string;
  /** Mesh replies carry `{ code: '<stable string>', hint?: string, … }` here. */
  readonly data?: unknown;
}

/** A successful reply. */
export interface JsonRpcSuccess {
  /** Always `'2.0'`. */
  readonly jsonrpc: '2.0';
  /** The request's id. */
  readonly id: RequestId;
  /** The method's result. */
  readonly result: unknown;
}

/** A failed reply; `id` is null when the request could not be read. */
export interface JsonRpcFailure {
  /** Always `'2.0'`. */
  readonly jsonrpc: '2.0';
  /** The request's id, or null. */
  readonly id: RequestId | null;
  /** What went wrong. */
  readonly error: JsonRpcErrorObject;
}

/** Any reply. */
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;

/** Any message on the wire. */
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** A plain JSON object. */
function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A valid JSON-RPC id. */
function isId(v: unknown): v is RequestId {
  return (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
}

/**
 * Classifies a parsed JSON value.
 * @param value - the result of `JSON.parse` on one line.
 * @returns the message kind, or `invalid` with the id when one could be read.
 */
export function classifyMessage(
  value: unknown,
):
  | { kind: 'request'; message: JsonRpcRequest }
  | { kind: 'notification'; message: JsonRpcNotification }
  | { kind: 'response'; message: JsonRpcResponse }
  | { kind: 'invalid'; id: RequestId | null; reason: string } {
  if (!isRecord(value))
    return { kind: 'invalid', id: null, reason: 'a message must be a JSON object' };
  const id = isId(value['id']) ? value['id'] : null;
  if (value['jsonrpc'] !== '2.0') return { kind: 'invalid', id, reason: 'jsonrpc must be "2.0"' };
  if (typeof value['method'] === 'string') {
    if ('params' in value && value['params'] !== undefined && typeof value['params'] !== 'object') {
      return { kind: 'invalid', id, reason: 'params must be an object or an array' };
    }
    if (!('id' in value))
      return { kind: 'notification', message: value as unknown as JsonRpcNotification };
    if (!isId(value['id']))
      return { kind: 'invalid', id: null, reason: 'id must be a number or a string' };
    return { kind: 'request', message: value as unknown as JsonRpcRequest };
  }
  if ('result' in value && isId(value['id']))
    return { kind: 'response', message: value as unknown as JsonRpcSuccess };
  if (
    isRecord(value['error']) &&
    typeof value['error']['code'] === 'number' &&
    typeof value['error']['message'] === 'string'
  ) {
    if (value['id'] === null || isId(value['id'])) {
      return { kind: 'response', message: value as unknown as JsonRpcFailure };
    }
  }
  return { kind: 'invalid', id, reason: 'neither a request nor a response' };
}
