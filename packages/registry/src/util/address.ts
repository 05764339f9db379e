/** Formats `network:NNNN.HHHH.LLLL`, the text form of a mesh address. */
export function formatAddress(network: number, node: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `${network}:${hex(network)}.${hex(node >>> 16)}.${hex(node & 0xffff)}`;
}

/** The port of a `host:port` listen address, or 0 when there is none. */
export function portOf(listenAddr: string): number {
  const i = listenAddr.lastIndexOf(':');
  if (i < 0) return 0;
  const text = listenAddr.slice(i + 1);
  if (!/^\d{1,5}$/.test(text)) return 0;
  const port = Number(text);
  return port <= 0xffff ? port : 0;
}

/** Strips the IPv4-mapped IPv6 prefix Node reports for IPv4 peers on dual-stack sockets. */
export function normaliseIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
}

/** `ip:port`, bracketing IPv6 literals. */
export function joinHostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
