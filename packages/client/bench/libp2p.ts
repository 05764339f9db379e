/**
 * js-libp2p baseline for sdk-streams.ts: one stream over TCP + noise + yamux on loopback, `total`
 * bytes from a dialer to a listener, both in this process (`libp2pOneWay`) or each in its own
 * process like the engine row (`libp2p-peer.ts`).
 */
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';

/** The protocol id both bench nodes speak. */
export const PROTOCOL = '/mesh-bench/1.0.0';

// js-libp2p 3 calls Promise.withResolvers (Node ≥ 22); supply it on Node 20 (spec behaviour).
const PromiseCtor = Promise as PromiseConstructor & { withResolvers?: unknown };
PromiseCtor.withResolvers ??= function withResolvers<T>() {
  let resolve!: (value: T | PromiseLike<T>) => void;
  let reject!: (reason?: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

/** A libp2p node listening on loopback TCP with noise and yamux, as every libp2p row uses. */
export function createBenchNode(): ReturnType<typeof createLibp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

/**
 * Sends `total` bytes in 64 KiB writes over one libp2p stream.
 * @param total - bytes to send.
 * @returns elapsed ms from the first write to the last byte received.
 */
export async function libp2pOneWay(total: number): Promise<number> {
  const server = await createBenchNode();
  const client = await createBenchNode();
  try {
    let received = 0;
    let done: () => void = () => {};
    const finished = new Promise<void>((resolve) => (done = resolve));
    await server.handle(PROTOCOL, (stream) => {
      stream.addEventListener('message', (e) => {
        received += e.data.byteLength;
        if (received >= total) done();
      });
    });
    const stream = await client.dialProtocol(server.getMultiaddrs()[0], PROTOCOL);
    const chunk = new Uint8Array(64 * 1024).fill(0x5a);
    const t0 = performance.now();
    for (let sent = 0; sent < total; sent += chunk.length)
      if (!stream.send(chunk)) await stream.onDrain();
    await finished;
    const ms = performance.now() - t0;
    await stream.close();
    return ms;
  } finally {
    await client.stop();
    await server.stop();
  }
}
