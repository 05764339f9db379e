// Socket addresses `<addr>:<port>`, split on the last ':'.
import { ProtocolError } from '../errors/protocol-error.js';
import type { Addr } from './addr.js';
import { formatAddr, parseAddr } from './addr.js';
import { isValidPort } from './ports.js';

/** An overlay address plus a virtual port. */
export interface SocketAddr {
  /** The node address. */
  readonly addr: Addr;
  /** Virtual port, 0–65535. */
  readonly port: number;
}

/**
 * Formats `<addr>:<port>`.
 * @param sa - socket address.
 * @returns e.g. `1:0001.F291.0004:80`.
 * @throws ProtocolError `invalid-port` for a port outside 0–65535.
 */
export function formatSocketAddr(sa: SocketAddr): string {
  if (!isValidPort(sa.port)) {
    throw new ProtocolError('invalid-port', `port must be an integer in 0..65535, got ${sa.port}`);
  }
  return `${formatAddr(sa.addr)}:${sa.port}`;
}

/**
 * Parses `<addr>:<port>` (split on the last `:`; the port is decimal).
 * @param text - e.g. `0:0000.0000.0001:1000`.
 * @returns the socket address.
 * @throws ProtocolError `invalid-address` or `invalid-port`.
 */
export function parseSocketAddr(text: string): SocketAddr {
  const at = text.lastIndexOf(':');
  if (at < 0) {
    throw new ProtocolError('invalid-address', `invalid socket address ${JSON.stringify(text)}`);
  }
  const portText = text.slice(at + 1);
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 0xffff) {
    throw new ProtocolError('invalid-port', `invalid port in ${JSON.stringify(text)}`);
  }
  return Object.freeze({ addr: parseAddr(text.slice(0, at)), port: Number(portText) });
}
