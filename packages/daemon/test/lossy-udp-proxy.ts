// A UDP proxy between two tunnel sockets that drops, duplicates, reorders and delays datagrams.
// Deterministic per seed so a failure can be replayed.
import { createSocket, type Socket } from 'node:dgram';
import { mulberry32 } from './helpers.js';

/** Impairments, each a probability per datagram. */
export interface Impairments {
  drop: number;
  duplicate: number;
  reorder: number;
  /** Extra delay of a reordered datagram, ms. */
  reorderDelayMs: number;
  seed: number;
  /** Drops every datagram for which this returns true (counted as dropped). */
  dropIf?: (datagram: Buffer) => boolean;
}

/** The running proxy: `port` is what the far side registers as its endpoint. */
export interface LossyProxy {
  port: number;
  /** Sets the real port of the daemon behind the proxy (known once it started). */
  setServerPort(port: number): void;
  /** Datagrams dropped so far. */
  dropped(): number;
  /** From now on drop datagrams larger than `bytes` (a path with a smaller MTU). */
  setMaxDatagram(bytes: number): void;
  close(): Promise<void>;
}

/**
 * Forwards datagrams from the server port's owner to the last other sender and vice versa.
 */
export async function startLossyProxy(imp: Impairments, serverPortInit = 0): Promise<LossyProxy> {
  let serverPort = serverPortInit;
  const socket: Socket = createSocket('udp4');
  const rand = mulberry32(imp.seed);
  let clientPort = 0;
  let dropped = 0;
  let maxDatagram = Infinity;
  const timers = new Set<NodeJS.Timeout>();
  socket.on('message', (msg, rinfo) => {
    if (serverPort === 0) return;
    const toServer = rinfo.port !== serverPort;
    if (toServer) clientPort = rinfo.port;
    const dest = toServer ? serverPort : clientPort;
    if (dest === 0) return;
    if (msg.length > maxDatagram || imp.dropIf?.(msg) === true) {
      dropped++;
      return;
    }
    if (rand() < imp.drop) {
      dropped++;
      return;
    }
    const copies = rand() < imp.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      if (rand() < imp.reorder) {
        const t = setTimeout(() => {
          timers.delete(t);
          socket.send(msg, dest, '127.0.0.1');
        }, imp.reorderDelayMs);
        timers.add(t);
      } else {
        socket.send(msg, dest, '127.0.0.1');
      }
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return {
    port: socket.address().port,
    setServerPort: (port) => {
      serverPort = port;
    },
    dropped: () => dropped,
    setMaxDatagram: (bytes) => {
      maxDatagram = bytes;
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((r) => socket.close(() => r()));
    },
  };
}
