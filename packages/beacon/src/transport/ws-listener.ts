// The WebSocket relay listener: one binary WebSocket message = one beacon message.
import type { IncomingMessage, Server } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { WebSocketServer } from 'ws';
import { BeaconError } from '../errors/beacon-error.js';
import type { BeaconLogger } from '../logging/logger.js';
import type { WsLink } from '../nodes/route.js';
import { unmapIPv4 } from '../nodes/route.js';

/** Settings of {@link bindWs}. */
export interface WsListenerSettings {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly maxConnections: number;
  readonly maxBufferedBytes: number;
  readonly pingIntervalMs: number;
  /** A connection not bound to a node (by Discover) this long after opening is closed. */
  readonly helloTimeoutMs: number;
  /** Largest accepted message (beacon header + UDP-sized tunnel frame). */
  readonly maxPayload: number;
}

/** Callbacks of {@link bindWs}. */
export interface WsListenerHandlers {
  onMessage(bytes: Uint8Array, link: WsLink): void;
  onClose(link: WsLink): void;
  /** Whether a node id is bound to the connection yet. */
  isBound(link: WsLink): boolean;
}

/** A bound WebSocket relay listener. */
export interface WsListener {
  address(): AddressInfo;
  readonly connections: number;
  close(): Promise<void>;
}

/** One Uint8Array from whatever shape `ws` handed over. */
function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

/** Binds an HTTP server that upgrades `path` to WebSocket and answers `/healthz`. */
export async function bindWs(
  settings: WsListenerSettings,
  logger: BeaconLogger,
  handlers: WsListenerHandlers,
): Promise<WsListener> {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: settings.maxPayload,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const alive = new WeakSet<WebSocket>();
  let nextLinkId = 1;

  const server: Server = createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    res.writeHead(req.url === settings.path ? 426 : 404).end();
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node's HTTP server drops its own error listener from an upgraded socket; without one, a
    // client resetting mid-upgrade (ECONNRESET) would crash the whole process.
    socket.on('error', (err) =>
      logger.debug('beacon ws upgrade socket error', { err: err.message }),
    );
    const path = (req.url ?? '').split('?')[0];
    if (path !== settings.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    if (wss.clients.size >= settings.maxConnections) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const link: WsLink = {
        id: nextLinkId++,
        address: unmapIPv4(req.socket.remoteAddress ?? ''),
        port: req.socket.remotePort ?? 0,
        send(message) {
          if (ws.readyState !== ws.OPEN || ws.bufferedAmount > settings.maxBufferedBytes)
            return false;
          ws.send(message, { binary: true }, (err) => {
            if (err) logger.debug('beacon ws send failed', { link: link.id, err: err.message });
          });
          return true;
        },
      };
      alive.add(ws);
      // Connections that never identify themselves would hold a slot forever.
      const hello = setTimeout(() => {
        if (!handlers.isBound(link)) ws.close(1008, 'send Discover first');
      }, settings.helloTimeoutMs);
      hello.unref();
      ws.on('pong', () => alive.add(ws));
      ws.on('message', (data, isBinary) => {
        // Text frames are not part of the protocol; ignore rather than guess.
        if (!isBinary) return;
        handlers.onMessage(toBytes(data), link);
      });
      ws.on('error', (err) =>
        logger.debug('beacon ws connection error', { link: link.id, err: err.message }),
      );
      ws.on('close', () => {
        clearTimeout(hello);
        handlers.onClose(link);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(
        new BeaconError(
          'bind-failed',
          `cannot bind WebSocket ${settings.host}:${settings.port}: ${err.message}`,
          {
            cause: err,
          },
        ),
      );
    };
    server.once('error', onError);
    server.listen({ host: settings.host, port: settings.port, exclusive: true }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => logger.warn('beacon ws server error', { err: err.message }));

  // Pings find half-open connections; one missed pong closes the connection.
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, settings.pingIntervalMs);
  pinger.unref();

  let closing: Promise<void> | undefined;
  return {
    address: () => server.address() as AddressInfo,
    get connections() {
      return wss.clients.size;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        clearInterval(pinger);
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
