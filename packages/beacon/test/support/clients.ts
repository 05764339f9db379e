// Test clients speaking raw beacon bytes over UDP and WebSocket, with event-driven receive.
import type { Socket } from 'node:dgram';
import { createSocket } from 'node:dgram';
import type { BeaconMessage } from '@mesh/protocol';
import { PADDED_DISCOVER_SIZE, decodeBeaconMessage, encodeBeaconMessage } from '@mesh/protocol';
import { WebSocket } from 'ws';

class Inbox {
  readonly #queue: Uint8Array[] = [];
  readonly #waiters: ((m: Uint8Array) => void)[] = [];

  push(m: Uint8Array): void {
    const w = this.#waiters.shift();
    if (w) w(m);
    else this.#queue.push(m);
  }

  next(): Promise<Uint8Array> {
    const m = this.#queue.shift();
    if (m) return Promise.resolve(m);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

/** A node talking to the beacon over UDP. */
export class UdpNode {
  readonly #inbox = new Inbox();
  private constructor(
    readonly socket: Socket,
    readonly beaconPort: number,
  ) {
    socket.on('message', (m) => this.#inbox.push(new Uint8Array(m)));
  }

  static async open(beaconPort: number): Promise<UdpNode> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new UdpNode(socket, beaconPort);
  }

  get port(): number {
    return this.socket.address().port;
  }

  sendRaw(bytes: Uint8Array, port = this.beaconPort): void {
    this.socket.send(bytes, port, '127.0.0.1');
  }

  send(message: BeaconMessage): void {
    this.sendRaw(encodeBeaconMessage(message));
  }

  nextRaw(): Promise<Uint8Array> {
    return this.#inbox.next();
  }

  async next(): Promise<BeaconMessage> {
    return decodeBeaconMessage(await this.#inbox.next());
  }

  /** Discover as `node` (padded as mesh nodes send it, so it is answered) and wait for the reply. */
  async discover(node: number): Promise<BeaconMessage> {
    this.send({ kind: 'discover', node, padTo: PADDED_DISCOVER_SIZE });
    return this.next();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

/** A node talking to the beacon over WebSocket. */
export class WsNode {
  readonly #inbox = new Inbox();
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.#inbox.push(new Uint8Array(data as Buffer)));
  }

  static async open(url: string): Promise<WsNode> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new WsNode(ws);
  }

  get localPort(): number {
    return (this.ws as unknown as { _socket: { localPort: number } })._socket.localPort;
  }

  send(message: BeaconMessage): void {
    this.ws.send(encodeBeaconMessage(message), { binary: true });
  }

  sendRaw(bytes: Uint8Array | string, binary = true): void {
    this.ws.send(bytes, { binary });
  }

  async next(): Promise<BeaconMessage> {
    return decodeBeaconMessage(await this.#inbox.next());
  }

  async discover(node: number): Promise<BeaconMessage> {
    this.send({ kind: 'discover', node });
    return this.next();
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

/** Bytes of a fake tunnel frame. */
export function frame(text: string): Uint8Array {
  return new TextEncoder().encode(`PILT${text}`);
}

/** Closes everything registered, last first. */
export class Cleanup {
  readonly #fns: (() => unknown)[] = [];
  add<T extends { close(): unknown }>(thing: T): T {
    this.#fns.push(() => thing.close());
    return thing;
  }
  async run(): Promise<void> {
    while (this.#fns.length > 0) await this.#fns.pop()!();
  }
}
