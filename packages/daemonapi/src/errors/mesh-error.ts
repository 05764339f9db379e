/**
 * The brand every mesh error class carries, in every package. It is a `Symbol.for` key, so a
 * package can brand its errors without importing this one (the pure codecs import nothing),
 * and two installed copies agree.
 */
export const MESH_ERROR: unique symbol = Symbol.for('@mesh/error');

/**
 * The shape every mesh error shares: a stable `code` in UPPER_SNAKE_CASE (the same code across
 * releases, safe to switch on) and whether retrying the same operation may succeed.
 */
export interface MeshErrorLike extends Error {
  /** Stable machine-readable code, UPPER_SNAKE_CASE. */
  readonly code: string;
  /** Whether the same call may succeed when retried (transient transport or load failures). */
  readonly retryable: boolean;
  /** The brand. */
  readonly [MESH_ERROR]: true;
}

/**
 * Whether `value` is a mesh error from any package or installed copy. Checks the brand, not
 * `instanceof`, so errors survive duplicate installs and package boundaries.
 */
export function isMeshError(value: unknown): value is MeshErrorLike {
  return (
    value instanceof Error &&
    (value as Partial<Record<typeof MESH_ERROR, unknown>>)[MESH_ERROR] === true &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}

/** Whether `value` is a mesh error that says a retry may succeed. Unknown errors are not retryable. */
export function isRetryable(value: unknown): boolean {
  return isMeshError(value) && value.retryable === true;
}

/** The `code` of a mesh error, or `undefined` for anything else. */
export function errorCode(value: unknown): string | undefined {
  return isMeshError(value) ? value.code : undefined;
}
