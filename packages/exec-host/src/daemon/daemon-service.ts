// The host's mesh.plugin.v1.Daemon service for one plugin process: the real Daemon's methods by
// name. Everything registered on the plugin's behalf is tracked and released when the process
// goes away (crash, restart or shutdown), so a dead plugin leaves nothing behind.
import type {
  Client,
  Server,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
} from '@grpc/grpc-js';
import type {
  Addr,
  Connection,
  ConnReadWriter,
  Daemon,
  EventSubscription,
  Listener,
  PluginContext,
} from '@mesh/daemonapi';
import { defineService } from '@mesh/daemonapi';
import { protos } from '@mesh/goplugin';
import { statusError, unary } from './rpc.js';

interface CallRequest {
  readonly method: string;
  readonly args_json: string;
  readonly data: Uint8Array;
}

interface Reply {
  json?: unknown;
  data?: Uint8Array;
}

/** Serves the daemon to one plugin process and tracks what it registered. */
export class DaemonService {
  readonly #daemon: Daemon;
  readonly #context: PluginContext;
  readonly #plugin: Client;
  readonly #conns = new Map<number, { conn: Connection; rw: ConnReadWriter }>();
  readonly #removers = new Map<string, () => void>();
  readonly #listeners = new Map<number, Listener>();
  readonly #subscriptions = new Set<EventSubscription | { close(): void }>();
  #nextConn = 1;
  #closed = false;

  /**
   * @param daemon - the real daemon.
   * @param context - the plugin's context in the daemon (peers, control).
   * @param plugin - the plugin process's mesh.plugin.v1.Plugin client (for callbacks).
   */
  constructor(daemon: Daemon, context: PluginContext, plugin: Client) {
    this.#daemon = daemon;
    this.#context = context;
    this.#plugin = plugin;
  }

  /** Adds the Daemon service to a (brokered) server. */
  register(server: Server): void {
    server.addService(protos().MeshDaemon.service, {
      Call: (call: ServerUnaryCall<CallRequest, unknown>, cb: sendUnaryData<unknown>) => {
        const req = call.request;
        Promise.resolve()
          .then(() =>
            this.#call(
              req.method,
              JSON.parse(req.args_json || 'null') as unknown,
              new Uint8Array(req.data),
            ),
          )
          .then(
            (r) =>
              cb(null, {
                json: r.json === undefined ? '' : JSON.stringify(r.json),
                data: r.data ?? new Uint8Array(0),
              }),
            (e: unknown) => cb(statusError(e)),
          );
      },
      Subscribe: (call: ServerWritableStream<{ pattern: string; buffer_size: number }, unknown>) =>
        this.#subscribe(call),
      Read: (call: ServerWritableStream<{ conn_id: number }, unknown>) => void this.#read(call),
      Accept: (call: ServerWritableStream<{ port: number }, unknown>) => void this.#accept(call),
    });
  }

  /** Releases everything registered for the plugin. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const remove of this.#removers.values()) remove();
    this.#removers.clear();
    for (const s of this.#subscriptions) s.close();
    this.#subscriptions.clear();
    for (const l of this.#listeners.values()) void l.close();
    this.#listeners.clear();
    for (const { conn } of this.#conns.values()) this.#daemon.closeConnection(conn);
    this.#conns.clear();
  }

  #addConn(conn: Connection): number {
    const id = this.#nextConn++;
    this.#conns.set(id, { conn, rw: this.#daemon.newConnReadWriter(conn) });
    return id;
  }

  #conn(id: number): { conn: Connection; rw: ConnReadWriter } {
    const c = this.#conns.get(id);
    if (c === undefined)
      throw Object.assign(new Error(`unknown connection ${id}`), { code: 'CONNECTION_CLOSED' });
    return c;
  }

  async #call(method: string, args: unknown, data: Uint8Array): Promise<Reply> {
    if (this.#closed)
      throw Object.assign(new Error('the plugin session is closed'), {
        code: 'PLUGIN_SESSION_CLOSED',
      });
    const d = this.#daemon;
    const a = args as Record<string, unknown>;
    const list = args as unknown[];
    if (method.startsWith('registry.')) {
      const client = d.registryClient() as unknown as
        Record<string, (...x: unknown[]) => Promise<unknown>> | undefined;
      const fn = client?.[method.slice('registry.'.length)];
      if (client === undefined || fn === undefined)
        throw Object.assign(new Error(`no registry method ${method}`), {
          code: 'REGISTRY_UNAVAILABLE',
        });
      return { json: await fn.apply(client, list) };
    }
    switch (method) {
      case 'sign': {
        const sig = d.sign(data);
        return sig === undefined ? { json: false } : { json: true, data: sig };
      }
      case 'conn.dial': {
        const conn = await d.dialConnection(a['dst'] as Addr, a['port'] as number);
        return { json: { id: this.#addConn(conn), info: conn.info() } };
      }
      case 'conn.write':
        await this.#conn(a['id'] as number).rw.write(data);
        return {};
      case 'conn.end': {
        const c = this.#conn(a['id'] as number);
        this.#conns.delete(a['id'] as number);
        await c.rw.close();
        return {};
      }
      case 'conn.close': {
        const c = this.#conns.get(a['id'] as number);
        this.#conns.delete(a['id'] as number);
        if (c !== undefined) d.closeConnection(c.conn);
        return {};
      }
      case 'datagram.send':
        await d.sendDatagram(a['dst'] as Addr, a['port'] as number, data);
        return {};
      case 'datagram.listen': {
        const port = a['port'] as number;
        const remove = d.onDatagram(port, (dg) => {
          void unary(this.#plugin, 'DeliverDatagram', {
            dst_port: dg.dstPort,
            src_network: dg.src.network,
            src_node: dg.src.node,
            src_port: dg.srcPort,
            data: dg.data,
          }).catch(() => {});
        });
        this.#removers.set(`datagram:${port}`, remove);
        return {};
      }
      case 'datagram.unlisten':
        this.#remove(`datagram:${a['port'] as number}`);
        return {};
      case 'port.unbind': {
        const port = a['port'] as number;
        const l = this.#listeners.get(port);
        this.#listeners.delete(port);
        if (l !== undefined) await l.close();
        else d.ports().unbind(port);
        return {};
      }
      case 'tunnels.removePeer':
        d.tunnels().removePeer(a['nodeId'] as number);
        return {};
      case 'regConnListNodes':
        return { json: await d.regConnListNodes(list[0] as number, list[1] as string) };
      case 'setMemberTags':
        await d.setMemberTags(list[0] as number, list[1] as string[]);
        return {};
      case 'bus.publish':
        d.publishEvent(a['topic'] as string, a['payload'] as Record<string, unknown>);
        return {};
      case 'method.register': {
        const name = a['name'] as string;
        const remove = d.registerMethod(name, async (params) => {
          const r = await unary<{ json: string }>(this.#plugin, 'InvokeMethod', {
            name,
            params_json: params === undefined ? '' : JSON.stringify(params),
          });
          return r.json === '' ? null : (JSON.parse(r.json) as unknown);
        });
        this.#removers.set(`method:${name}`, remove);
        return {};
      }
      case 'method.unregister':
        this.#remove(`method:${a['name'] as string}`);
        return {};
      case 'service.provide': {
        const name = a['name'] as string;
        const proxy = new Proxy(
          {},
          {
            get: (_t, m) =>
              typeof m !== 'string' || m === 'then'
                ? undefined
                : async (...params: unknown[]) => {
                    const r = await unary<{ json: string }>(this.#plugin, 'InvokeService', {
                      service: name,
                      method: m,
                      args_json: JSON.stringify(params),
                    });
                    return r.json === '' ? undefined : (JSON.parse(r.json) as unknown);
                  },
          },
        );
        this.#removers.set(`service:${name}`, d.services().provide(defineService(name), proxy));
        return {};
      }
      case 'service.remove':
        this.#remove(`service:${a['name'] as string}`);
        return {};
      case 'service.invoke': {
        const impl = d.services().get(defineService<Record<string, unknown>>(a['name'] as string));
        const fn = impl?.[a['method'] as string];
        if (typeof fn !== 'function')
          throw Object.assign(
            new Error(`service ${String(a['name'])} has no method ${String(a['method'])}`),
            {
              code: 'SERVICE_UNAVAILABLE',
            },
          );
        return {
          json:
            (await (fn as (...x: unknown[]) => unknown).apply(impl, a['args'] as unknown[])) ??
            null,
        };
      }
      case 'handshakeRevokeTrust':
        await d.handshakeRevokeTrust(list[0] as number);
        return {};
      case 'handshakeSendRequest':
        await d.handshakeSendRequest(list[0] as number, list[1] as string);
        return {};
      case 'setWebhookUrl':
        d.setWebhookUrl(list[0] as string);
        return {};
      case 'peers.lookupX25519': {
        const key = await this.#context.peers?.lookupX25519(list[0] as number);
        return key === undefined ? { json: false } : { json: true, data: key };
      }
      case 'peers.lookupName':
        return { json: (await this.#context.peers?.lookupName(list[0] as number)) ?? null };
      case 'control.sendDirect':
        await this.#control().sendDirect(a['nodeId'] as number, {
          kind: a['kind'] as string,
          body: data,
        });
        return {};
      case 'control.sendRouted':
        return {
          json: await this.#control().sendRouted(a['nodeId'] as number, {
            kind: a['kind'] as string,
            body: data,
          }),
        };
      default:
        throw Object.assign(new Error(`unknown daemon method "${method}"`), {
          code: 'METHOD_NOT_FOUND',
        });
    }
  }

  #control(): NonNullable<PluginContext['control']> {
    const c = this.#context.control;
    if (c === undefined)
      throw Object.assign(new Error('this daemon has no payload sender'), {
        code: 'SERVICE_UNAVAILABLE',
      });
    return c;
  }

  #remove(key: string): void {
    const remove = this.#removers.get(key);
    this.#removers.delete(key);
    remove?.();
  }

  #subscribe(call: ServerWritableStream<{ pattern: string; buffer_size: number }, unknown>): void {
    const { pattern, buffer_size } = call.request;
    if (pattern === '\u0000peers') {
      const peers = this.#context.peers;
      if (peers === undefined) {
        call.end();
        return;
      }
      const unsubscribe = peers.subscribe((e) => {
        const payload =
          e.type === 'seen'
            ? { ...e, x25519PublicKey: Buffer.from(e.x25519PublicKey).toString('base64') }
            : e;
        call.write({
          topic: 'peers',
          node_id: e.nodeId,
          time: Date.now(),
          payload_json: JSON.stringify(payload),
        });
      });
      const handle = { close: unsubscribe };
      this.#subscriptions.add(handle);
      call.on('cancelled', () => {
        unsubscribe();
        this.#subscriptions.delete(handle);
      });
      return;
    }
    const sub = this.#daemon
      .bus()
      .subscribe(pattern, buffer_size > 0 ? { bufferSize: buffer_size } : {});
    this.#subscriptions.add(sub);
    call.on('cancelled', () => {
      sub.close();
      this.#subscriptions.delete(sub);
    });
    void (async () => {
      for await (const e of sub)
        call.write({
          topic: e.topic,
          node_id: e.nodeId,
          time: e.time,
          payload_json: JSON.stringify(e.payload),
        });
      this.#subscriptions.delete(sub);
      call.end();
    })().catch(() => call.end());
  }

  async #read(call: ServerWritableStream<{ conn_id: number }, unknown>): Promise<void> {
    try {
      const { rw } = this.#conn(call.request.conn_id);
      for await (const chunk of rw) {
        if (call.cancelled) break;
        call.write({ data: chunk });
      }
      call.end();
    } catch (e) {
      call.destroy(statusError(e) as Error);
    }
  }

  async #accept(call: ServerWritableStream<{ port: number }, unknown>): Promise<void> {
    let listener: Listener;
    try {
      listener = this.#daemon.ports().bind(call.request.port);
    } catch (e) {
      call.destroy(statusError(e) as Error);
      return;
    }
    this.#listeners.set(listener.port, listener);
    call.write({ conn_id: 0, info_json: JSON.stringify({ port: listener.port }) });
    call.on('cancelled', () => {
      this.#listeners.delete(listener.port);
      void listener.close();
    });
    for await (const conn of listener) {
      if (call.cancelled || this.#closed) {
        this.#daemon.closeConnection(conn);
        break;
      }
      call.write({ conn_id: this.#addConn(conn), info_json: JSON.stringify(conn.info()) });
    }
    call.end();
  }
}
