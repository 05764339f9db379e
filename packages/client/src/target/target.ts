// Targets: an address text, a node id, a hostname, or an address value.

/** A structural address value (the shape of `@mesh/protocol`'s `Addr`). */
export interface AddrLike {
  /** Network id, 0..65535. */
  readonly network: number;
  /** Node id, 0..0xFFFFFFFF. */
  readonly node: number;
}

/** Anything the daemon can dial: address text `N:NNNN.HHHH.LLLL`, a decimal node id, a hostname, or an address value. */
export type Target = string | AddrLike;

/** Four upper-case hex digits. */
function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Turns a target into the text the daemon resolves.
 * @param target - address text, node id, hostname or address value.
 * @returns the text form.
 */
export function targetText(target: Target): string {
  if (typeof target === 'string') return target;
  const { network, node } = target;
  return `${network}:${hex4(network)}.${hex4(Math.floor(node / 0x10000))}.${hex4(node % 0x10000)}`;
}
