import { parseHostPort } from '@mesh/protocol';

/** Formats `network:NNNN.HHHH.LLLL`, the text form of a mesh address. */
export function formatAddress(network: number, node: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `${network}:${hex(network)}.${hex(node >>> 16)}.${hex(node & 0xffff)}`;
}

/**
 * The port of a `host:port` listen address (any host, also none: `:4000`), or 0 when it does not
 * parse: registration keeps only the port, and a bad one must not fail it.
 */
export function portOf(listenAddr: string): number {
  try {
    return parseHostPort(listenAddr, { defaultHost: '' }).port;
  } catch {
    return 0;
  }
}

/** Strips the IPv4-mapped IPv6 prefix Node reports for IPv4 peers on dual-stack sockets. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}
