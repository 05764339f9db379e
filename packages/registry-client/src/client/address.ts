/** Formats `network:NNNN.HHHH.LLLL`, the text form of a mesh address. */
export function formatAddress(network: number, node: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `${network}:${hex(network)}.${hex(node >>> 16)}.${hex(node & 0xffff)}`;
}
