// `host:port` text of real (IP) endpoints: registry and beacon addresses, tunnel endpoints, listen
// addresses. One parser for every package, so `[v6]:port`, `:port` and the port range mean the same
// everywhere. Overlay socket addresses (`0:0000.0000.0001:80`) are `parseSocketAddr`'s job.
import { ProtocolError } from '../errors/protocol-error.js';

/** A host (IP literal or name, IPv6 without brackets) and a port. */
export interface HostPort {
  /** IPv4, IPv6 (no brackets; a `%zone` is kept) or a DNS name. */
  readonly host: string;
  /** 0–65535 (0 asks the OS for a port when binding). */
  readonly port: number;
}

/** Options of {@link parseHostPort}. */
export interface ParseHostPortOptions {
  /**
   * Host used when the text has none (`:9000`, `[]:9000`), e.g. `'0.0.0.0'` for a bind address.
   * Without it an empty host is an error.
   */
  readonly defaultHost?: string;
}

const PORT = /^[0-9]{1,5}$/;
// Characters no host may contain: whitespace, brackets (only around IPv6), `/`, `@`, `?`, `#`.
const BAD_HOST_CHAR = /[\s[\]/@?#]/;

/** Throws `invalid-address` for `text`, saying why. */
function bad(text: string, why: string): never {
  throw new ProtocolError('invalid-address', `invalid host:port ${JSON.stringify(text)}: ${why}`);
}

/**
 * Parses `host:port`, `[ipv6]:port` or `:port`. An IPv6 host must be in brackets (`::1:80` is
 * ambiguous and refused); the port is decimal, 0–65535.
 *
 * @param text - e.g. `127.0.0.1:9000`, `[::1]:9000`, `registry.example:9000`, `:9000`.
 * @param options - `defaultHost` for text without a host.
 * @returns the host (brackets removed) and the port.
 * @throws ProtocolError `invalid-address` for a missing port, an unbracketed IPv6 host, a missing
 *   host without `defaultHost`, or a host with spaces or brackets; `invalid-port` for a port that
 *   is not a decimal number in 0–65535.
 *
 * @example
 * ```ts
 * parseHostPort('[::1]:9000');                            // { host: '::1', port: 9000 }
 * parseHostPort(':9001', { defaultHost: '0.0.0.0' });     // { host: '0.0.0.0', port: 9001 }
 * parseHostPort('localhost');                             // ProtocolError invalid-address
 * ```
 */
export function parseHostPort(text: string, options: ParseHostPortOptions = {}): HostPort {
  let host: string;
  let portText: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) bad(text, 'missing "]" after the IPv6 address');
    if (text[close + 1] !== ':') bad(text, 'expected ":port" after "]"');
    host = text.slice(1, close);
    portText = text.slice(close + 2);
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) bad(text, 'missing ":port"');
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':'))
      bad(text, `put an IPv6 address in brackets, e.g. "[${host}]:${portText}"`);
  }
  if (!PORT.test(portText) || Number(portText) > 0xffff) {
    throw new ProtocolError(
      'invalid-port',
      `invalid host:port ${JSON.stringify(text)}: the port must be a number in 0..65535`,
    );
  }
  if (BAD_HOST_CHAR.test(host)) bad(text, 'the host contains a space, bracket or URL character');
  if (host === '') {
    if (options.defaultHost === undefined) bad(text, 'missing host');
    host = options.defaultHost;
  }
  return { host, port: Number(portText) };
}

/**
 * Formats `host:port`, bracketing an IPv6 host (`[::1]:9000`); the inverse of
 * {@link parseHostPort}. A host already in brackets is not bracketed twice.
 *
 * @param host - IPv4, IPv6 or a name.
 * @param port - 0–65535.
 * @throws ProtocolError `invalid-port` for a port outside 0–65535.
 *
 * @example
 * ```ts
 * formatHostPort('::1', 9000);       // '[::1]:9000'
 * formatHostPort('10.0.0.1', 4000);  // '10.0.0.1:4000'
 * ```
 */
export function formatHostPort(host: string, port: number): string {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) {
    throw new ProtocolError('invalid-port', `port must be an integer in 0..65535, got ${port}`);
  }
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}
