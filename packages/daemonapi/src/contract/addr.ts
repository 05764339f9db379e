/**
 * A mesh address: a 16-bit network id and a 32-bit node id (6 bytes big-endian on the wire,
 * written `N:XXXX.YYYY.YYYY`). A plain value type; parsing and formatting live in
 * `@mesh/protocol`, which the contract does not import.
 */
export interface Addr {
  /** Network id, 0..0xFFFF. Network 0 is the backbone every node belongs to. */
  readonly network: number;
  /** Node id, 0..0xFFFFFFFF, assigned by the registry. */
  readonly node: number;
}
