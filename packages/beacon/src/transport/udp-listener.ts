// The beacon's UDP socket: bind, receive, best-effort send.
import type { RemoteInfo, Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';
import { BeaconError } from '../errors/beacon-error.js';
import type { BeaconLogger } from '../logging/logger.js';

/** Bound UDP socket with a send that never throws. */
export interface UdpListener {
  readonly socket: Socket;
  send(bytes: Uint8Array, address: string, port: number): void;
  close(): Promise<void>;
}

/** Binds a UDP socket and feeds every datagram to `onMessage`. */
export async function bindUdp(
  host: string,
  port: number,
  logger: BeaconLogger,
  onMessage: (bytes: Buffer, from: RemoteInfo) => void,
): Promise<UdpListener> {
  const v6 = isIPv6(host);
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(
        new BeaconError('bind-failed', `cannot bind UDP ${host}:${port}: ${err.message}`, {
          cause: err,
        }),
      );
    };
    socket.once('error', onError);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  }).catch((err: unknown) => {
    socket.close();
    throw err;
  });
  // After bind, socket errors (ICMP unreachable on some platforms) must not crash the process.
  socket.on('error', (err) => logger.warn('beacon udp socket error', { err: err.message }));
  socket.on('message', onMessage);
  let closed = false;
  return {
    socket,
    send(bytes, address, toPort) {
      if (closed) return;
      // Routes hold plain IPv4 text; a dual-stack socket must address it in mapped form.
      const to = v6 && isIPv4(address) ? `::ffff:${address}` : address;
      socket.send(bytes, toPort, to, (err) => {
        if (err)
          logger.debug('beacon udp send failed', { to: `${address}:${toPort}`, err: err.message });
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      return new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
