// `host:port` text handling shared by the beacon and its registry adapter.
import { BeaconError } from '../errors/beacon-error.js';

/** A host and a port. */
export interface HostPort {
  /** IP or name; wildcard when the text had none. */
  readonly host: string;
  /** 0–65535. */
  readonly port: number;
}

/**
 * Splits `host:port`, `[v6]:port` or `:port` (empty host → `defaultHost`).
 * @throws BeaconError `invalid-options` on anything else.
 */
export function splitHostPort(text: string, defaultHost: string): HostPort {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 0xffff) {
    throw new BeaconError('invalid-options', `expected host:port, got ${JSON.stringify(text)}`);
  }
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? defaultHost : host, port };
}

/** Formats `host:port`, bracketing IPv6. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
