/**
 * The stable machine-readable reasons a codec in this package can fail with.
 *
 * - `truncated`: the input ends before the structure it announces does.
 * - `checksum-mismatch`: a packet's CRC-32 does not match its bytes.
 * - `unsupported-version`: a packet header carries a version other than 1.
 * - `too-large`: a length exceeds the format's limit (payload, topic, frame).
 * - `invalid-address`: address or socket-address text does not parse.
 * - `invalid-port`: a port is not an integer in 0–65535.
 * - `invalid-ip`: an IP address text or byte length is not IPv4/IPv6.
 * - `invalid-field`: a value given to an encoder is out of range or the wrong size.
 * - `unknown-magic`: a datagram does not start with a known tunnel magic.
 * - `unknown-type`: a beacon message type byte is not 0x01–0x07.
 * - `invalid-length`: a count or length field holds a value the format forbids.
 * - `invalid-utf8`: a text field is not valid UTF-8.
 * - `incomplete`: an incremental decoder ended in the middle of a frame.
 */
export type ProtocolErrorCode =
  | 'truncated'
  | 'checksum-mismatch'
  | 'unsupported-version'
  | 'too-large'
  | 'invalid-address'
  | 'invalid-port'
  | 'invalid-ip'
  | 'invalid-field'
  | 'unknown-magic'
  | 'unknown-type'
  | 'invalid-length'
  | 'invalid-utf8'
  | 'incomplete';

/**
 * The one error every codec in `@mesh/protocol` throws. Match on {@link ProtocolError.code},
 * never on the message text.
 *
 * @example
 * ```ts
 * try { decodePacket(bytes); } catch (err) {
 *   if (err instanceof ProtocolError && err.code === 'checksum-mismatch') dropDatagram();
 * }
 * ```
 */
export class ProtocolError extends Error {
  /** Class name, kept on the instance so it survives bundling. */
  static override readonly name: string = 'ProtocolError';
  /** Stable reason, see {@link ProtocolErrorCode}. */
  readonly code: ProtocolErrorCode;

  /**
   * @param code - stable reason.
   * @param message - what went wrong, for a person.
   * @param options - standard `ErrorOptions` (`cause`).
   */
  constructor(code: ProtocolErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ProtocolError';
    this.code = code;
  }
}

/**
 * Type guard that also works across duplicate copies of the package (no `instanceof`).
 * @param value - anything caught.
 * @returns true when `value` looks like a {@link ProtocolError}.
 */
export function isProtocolError(value: unknown): value is ProtocolError {
  return (
    value instanceof Error &&
    value.name === 'ProtocolError' &&
    typeof (value as { code?: unknown }).code === 'string'
  );
}
