// Virtual ports: 16-bit, with reserved / registered / ephemeral ranges like TCP's.
import { ProtocolError } from '../errors/protocol-error.js';

/** Well-known virtual ports. */
export const Port = Object.freeze({
  /** Ping (control protocol). */
  PING: 0,
  /** Control. */
  CONTROL: 1,
  /** Echo service (used by `ping` and `bench`). */
  ECHO: 7,
  /** Nameserver (work in progress upstream). */
  NAMESERVER: 53,
  /** HTTP over the overlay. */
  HTTP: 80,
  /** Secure channel (extra X25519 + AES-GCM layer). */
  SECURE: 443,
  /** Trust handshake. */
  HANDSHAKE: 444,
  /** StdIO text streams (default port of `connect`). */
  STDIO: 1000,
  /** Data exchange service. */
  DATA_EXCHANGE: 1001,
  /** Event stream pub/sub. */
  EVENT_STREAM: 1002,
  /** Task submit (older releases). */
  TASK_SUBMIT: 1003,
} as const);

/** Highest port of the reserved / well-known range (0–1023). */
export const RESERVED_PORT_MAX = 1023;
/** First registered port (1024–49151). */
export const REGISTERED_PORT_MIN = 1024;
/** Last registered port. */
export const REGISTERED_PORT_MAX = 49151;
/** First ephemeral port; ephemeral ports are 49152–65535, allocated round-robin from here. */
export const EPHEMERAL_PORT_MIN = 49152;
/** Last ephemeral port (the largest port). */
export const EPHEMERAL_PORT_MAX = 65535;

/** The range a port falls in. */
export type PortRange = 'reserved' | 'registered' | 'ephemeral';

/**
 * @param port - any value.
 * @returns true for an integer in 0–65535.
 */
export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 0xffff;
}

/**
 * Classifies a port into its range.
 * @param port - 0–65535.
 * @returns `reserved` (0–1023), `registered` (1024–49151) or `ephemeral` (49152–65535).
 * @throws ProtocolError `invalid-port` for anything else.
 */
export function portRange(port: number): PortRange {
  if (!isValidPort(port)) {
    throw new ProtocolError('invalid-port', `port must be an integer in 0..65535, got ${port}`);
  }
  if (port <= RESERVED_PORT_MAX) return 'reserved';
  if (port <= REGISTERED_PORT_MAX) return 'registered';
  return 'ephemeral';
}
