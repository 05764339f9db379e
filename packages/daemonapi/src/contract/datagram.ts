import type { Addr } from './addr.js';

/** One inbound datagram, as {@link Daemon.onDatagram} delivers it. */
export interface Datagram {
  /** The sender's address. */
  readonly src: Addr;
  /** The sender's virtual port. */
  readonly srcPort: number;
  /** The local virtual port it was sent to. */
  readonly dstPort: number;
  /** The payload. */
  readonly data: Uint8Array;
}

/** Receives datagrams for one port; errors it throws are contained and logged by the engine. */
export type DatagramHandler = (datagram: Datagram) => void;
