/**
 * The stable machine-readable reasons a {@link BeaconError} carries.
 *
 * - `invalid-options`: an option is missing, out of range or malformed.
 * - `not-listening`: the operation needs {@link Beacon.listen} to have completed.
 * - `already-listening`: {@link Beacon.listen} was called twice.
 * - `closed`: the beacon was closed.
 * - `bind-failed`: a UDP or WebSocket listener could not bind its address.
 */
export type BeaconErrorCode =
  'invalid-options' | 'not-listening' | 'already-listening' | 'closed' | 'bind-failed';

/**
 * The one error class `@mesh/beacon` throws. Match on {@link BeaconError.code}, never on text.
 */
export class BeaconError extends Error {
  /** Class name, kept on the instance so it survives bundling. */
  static override readonly name: string = 'BeaconError';
  /** Stable reason, see {@link BeaconErrorCode}. */
  readonly code: BeaconErrorCode;

  /**
   * @param code - stable reason.
   * @param message - what went wrong and what to do about it.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(code: BeaconErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BeaconError';
    this.code = code;
  }
}

/**
 * Type guard that also works across duplicate copies of the package (no `instanceof`).
 * @param value - anything caught.
 * @returns true when `value` looks like a {@link BeaconError}.
 */
export function isBeaconError(value: unknown): value is BeaconError {
  return (
    value instanceof Error &&
    value.name === 'BeaconError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
