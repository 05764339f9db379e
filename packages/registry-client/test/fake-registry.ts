import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';

/** One request as the fake registry saw it. */
export interface SeenRequest {
  readonly mode: 'binary' | 'json';
  /** Binary frame type (binary mode only). */
  readonly type: number;
  /** Frame payload or JSON body. */
  readonly payload: Buffer;
  /** Parsed JSON, for JSON bodies and passthrough frames. */
  readonly json?: Record<string, unknown>;
  readonly socket: Socket;
}

/** A reply: bytes to write, or `null` to stay silent, or `'close'` to drop the connection. */
export type Reply = Buffer | null | 'close';

/** A scripted registry speaking the documented framing, for client tests. */
export class FakeRegistry {
  readonly seen: SeenRequest[] = [];
  readonly sockets = new Set<Socket>();
  connections = 0;
  maxOutstanding = 0;
  #outstanding = 0;
  #server: Server;

  constructor(readonly handler: (req: SeenRequest) => Reply | Promise<Reply>) {
    this.#server = createServer((socket) => this.#accept(socket));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return (this.#server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let buf = Buffer.alloc(0);
    let mode: 'binary' | 'json' | undefined;
    let chain = Promise.resolve();
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        if (!mode) {
          if (buf.length < 5) return;
          if (buf.subarray(0, 4).toString('latin1') === 'PILT') {
            mode = 'binary';
            buf = buf.subarray(5);
          } else mode = 'json';
        }
        if (buf.length < 4) return;
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) return;
        const body = buf.subarray(4, 4 + len);
        buf = buf.subarray(4 + len);
        const type = mode === 'binary' ? body[0] : 0;
        const payload = mode === 'binary' ? body.subarray(1) : body;
        const req: SeenRequest = {
          mode,
          type,
          payload,
          socket,
          ...(type === 0
            ? { json: JSON.parse(payload.toString('utf8')) as Record<string, unknown> }
            : {}),
        };
        this.seen.push(req);
        this.#outstanding++;
        this.maxOutstanding = Math.max(this.maxOutstanding, this.#outstanding);
        chain = chain.then(async () => {
          const reply = await this.handler(req);
          this.#outstanding--;
          if (reply === 'close') socket.destroy();
          else if (reply) socket.write(reply);
        });
      }
    });
  }
}

/** `[4B length][1B type][payload]`. */
export function frame(type: number, payload: Uint8Array): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(payload.length + 1);
  head[4] = type;
  return Buffer.concat([head, payload]);
}

/** `[4B length][JSON]`. */
export function message(obj: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(obj));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}
