// Where the beacon reaches a node: an observed UDP endpoint or an open WebSocket.

/** A node reached over UDP at the endpoint the beacon observed. */
export interface UdpRoute {
  /** Discriminator. */
  readonly kind: 'udp';
  /** Observed source IP (IPv4-mapped IPv6 already unwrapped to dotted IPv4). */
  readonly address: string;
  /** Observed source port. */
  readonly port: number;
}

/** The part of a WebSocket peer the relay needs: a way to send one binary message. */
export interface WsLink {
  /** Stable per-connection id, for logs and identity checks. */
  readonly id: number;
  /** Remote IP of the TCP connection. */
  readonly address: string;
  /** Remote port of the TCP connection. */
  readonly port: number;
  /** Sends one binary message; returns false when it was dropped (backpressure, closed). */
  send(message: Uint8Array): boolean;
}

/** A node reached over a WebSocket connection. */
export interface WsRoute {
  /** Discriminator. */
  readonly kind: 'ws';
  /** The connection. */
  readonly link: WsLink;
}

/** How the beacon reaches a node. */
export type NodeRoute = UdpRoute | WsRoute;

/** True when two routes name the same UDP endpoint or the same WebSocket connection. */
export function sameRoute(a: NodeRoute, b: NodeRoute): boolean {
  if (a.kind === 'udp' && b.kind === 'udp') return a.port === b.port && a.address === b.address;
  if (a.kind === 'ws' && b.kind === 'ws') return a.link.id === b.link.id;
  return false;
}

/** `ip:port` / `[ip]:port` text for logs. */
export function formatRoute(route: NodeRoute): string {
  const { address, port } = route.kind === 'udp' ? route : route.link;
  const host = address.includes(':') ? `[${address}]` : address;
  return `${route.kind}://${host}:${port}`;
}

/** Unwraps `::ffff:1.2.3.4` (dual-stack sockets) to `1.2.3.4`. */
export function unmapIPv4(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.')
    ? address.slice(7)
    : address;
}
