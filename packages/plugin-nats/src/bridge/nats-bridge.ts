// The NATS connection: publishes bus events as `<prefix>.<node_id>.<topic>`, buffers (bounded)
// while disconnected, records every state change in the ring, and serves the command subject.
import { connect, jwtAuthenticator, tokenAuthenticator } from 'nats';
import type { Authenticator, Msg, NatsConnection } from 'nats';
import type { Event, Logger } from '@mesh/daemonapi';
import { noopLogger } from '@mesh/daemonapi';
import type { NatsCredential } from '../credentials/credentials.js';
import type { ConnectionStateRing } from '../connection/state-ring.js';
import type { CommandRouter } from '../commands/command-router.js';

/** Options of {@link NatsBridge}. */
export interface NatsBridgeOptions {
  /** Server URLs, e.g. `nats://127.0.0.1:4222`. */
  readonly servers: readonly string[];
  /** Subject prefix. @defaultValue `mesh` */
  readonly prefix?: string;
  /** The node id, read per event (0 before registration). */
  readonly nodeId: () => number;
  /** The newest credential, read at every (re)connect; `undefined` connects without auth. */
  readonly credential: () => NatsCredential | undefined;
  /** Events kept while disconnected before new ones are dropped. @defaultValue 1024 */
  readonly bufferSize?: number;
  /** Where state changes go. */
  readonly ring: ConnectionStateRing;
  /** Called for each state change (the plugin republishes them on the bus). */
  readonly onState?: (type: string, reason?: string) => void;
  /** Serves `<prefix>.<node_id>.cmd` when given. */
  readonly commands?: { readonly subject: string; readonly router: CommandRouter };
  /** Delay between reconnect attempts, ms. @defaultValue 1000 */
  readonly reconnectWaitMs?: number;
  /** Logger. */
  readonly logger?: Logger;
}

/** Counters and state of the bridge. */
export interface NatsBridgeStats {
  /** `connected`, `connecting` or `closed`. */
  readonly state: string;
  /** The server of the current connection, `''` when none. */
  readonly server: string;
  /** Events handed to the connection. */
  readonly published: number;
  /** Events waiting for a connection. */
  readonly buffered: number;
  /** Events dropped because the buffer was full while disconnected. */
  readonly dropped: number;
}

const encoder = new TextEncoder();

/** A subject token from a topic: characters NATS reserves become `_`. */
function subjectTopic(topic: string): string {
  return topic
    .replace(/[^A-Za-z0-9_.-]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^\.|\.$/g, '_');
}

/** Builds the credential for each (re)connect from the newest one, so reconnects never reuse an old JWT. */
function authenticator(read: () => NatsCredential | undefined): Authenticator {
  return (nonce?: string) => {
    const c = read();
    if (c === undefined) return undefined;
    if (c.kind === 'token') return tokenAuthenticator(c.token)(nonce);
    return jwtAuthenticator(c.jwt, encoder.encode(c.seed))(nonce);
  };
}

/**
 * One bridge to a NATS server. {@link publish} never blocks: connected, the event goes to the
 * client at once; otherwise it waits in a bounded buffer that is flushed on reconnect.
 */
export class NatsBridge {
  readonly #opts: NatsBridgeOptions;
  readonly #prefix: string;
  readonly #capacity: number;
  readonly #log: Logger;
  #nc: NatsConnection | undefined;
  #connected = false;
  #closed = false;
  #buffer: Uint8Array[] = [];
  #bufferSubjects: string[] = [];
  #published = 0;
  #dropped = 0;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  /** @param options - servers, subjects, credential source, buffer, ring. */
  constructor(options: NatsBridgeOptions) {
    this.#opts = options;
    this.#prefix = options.prefix ?? 'mesh';
    this.#capacity = Math.max(1, options.bufferSize ?? 1024);
    this.#log = options.logger ?? noopLogger;
  }

  /** The subject an event goes to. */
  subjectOf(topic: string): string {
    return `${this.#prefix}.${this.#opts.nodeId()}.${subjectTopic(topic)}`;
  }

  /** Starts connecting in the background (retrying until connected or closed). */
  start(): void {
    this.#loop ??= this.#connectLoop();
  }

  /**
   * Publishes one event (JSON `{event, node_id, timestamp, data}`). Never blocks or throws.
   * @param event - the bus event.
   */
  publish(event: Event): void {
    if (this.#closed) return;
    const subject = this.subjectOf(event.topic);
    const data = encoder.encode(
      JSON.stringify({
        event: event.topic,
        node_id: event.nodeId,
        timestamp: new Date(event.time).toISOString(),
        data: event.payload,
      }),
    );
    if (this.#connected && this.#nc !== undefined) {
      try {
        this.#nc.publish(subject, data);
        this.#published += 1;
        return;
      } catch {
        // The connection went away between the check and the call: buffer instead.
      }
    }
    if (this.#buffer.length >= this.#capacity) {
      this.#dropped += 1;
      return;
    }
    this.#buffer.push(data);
    this.#bufferSubjects.push(subject);
  }

  /** Counters and state. */
  stats(): NatsBridgeStats {
    return {
      state: this.#closed ? 'closed' : this.#connected ? 'connected' : 'connecting',
      server: this.#connected ? (this.#nc?.getServer() ?? '') : '',
      published: this.#published,
      buffered: this.#buffer.length,
      dropped: this.#dropped,
    };
  }

  /**
   * Reconnects so the server sees the newest credential now rather than at the old JWT's expiry.
   * Buffered events wait and are flushed after the reconnect.
   */
  async reconnectNow(): Promise<void> {
    const nc = this.#nc;
    if (nc === undefined || this.#closed) return;
    this.#connected = false;
    try {
      await nc.reconnect();
    } catch (err) {
      this.#log.warn('nats reconnect failed', { error: String(err) });
    }
  }

  /** Flushes, closes the connection and stops reconnecting. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    const nc = this.#nc;
    if (nc !== undefined) {
      try {
        if (this.#connected) await nc.drain();
        else await nc.close();
      } catch {
        await nc.close().catch(() => {});
      }
    }
    await this.#loop;
  }

  #state(type: string, reason?: string): void {
    this.#opts.ring.append(type, reason);
    this.#opts.onState?.(type, reason);
  }

  #flush(): void {
    const nc = this.#nc;
    if (nc === undefined) return;
    while (this.#connected && this.#buffer.length > 0) {
      const data = this.#buffer.shift()!;
      const subject = this.#bufferSubjects.shift()!;
      nc.publish(subject, data);
      this.#published += 1;
    }
  }

  async #connectLoop(): Promise<void> {
    let first = true;
    while (!this.#closed) {
      let nc: NatsConnection;
      try {
        nc = await connect({
          servers: [...this.#opts.servers],
          authenticator: authenticator(this.#opts.credential),
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.#opts.reconnectWaitMs ?? 1000,
          reconnectJitter: 100,
          ignoreAuthErrorAbort: true,
          name: `mesh-node-${this.#opts.nodeId()}`,
        });
      } catch (err) {
        if (first) this.#state('disconnect', `connect failed: ${String(err)}`);
        first = false;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          setTimeout(resolve, this.#opts.reconnectWaitMs ?? 1000).unref();
        });
        continue;
      }
      if (this.#closed) {
        await nc.close().catch(() => {});
        return;
      }
      this.#nc = nc;
      this.#connected = true;
      this.#state('connect', nc.getServer());
      this.#serveCommands(nc);
      this.#flush();
      // Not awaited: the status iterator is only a feed; the connection's end is `closed()`.
      void (async () => {
        for await (const s of nc.status()) {
          const type: string = s.type;
          const detail = typeof s.data === 'string' ? s.data : JSON.stringify(s.data);
          if (type === 'disconnect') {
            this.#connected = false;
            this.#state('disconnect', detail);
          } else if (type === 'reconnect') {
            this.#connected = true;
            this.#state('reconnect', detail);
            this.#flush();
          } else if (type === 'error') {
            this.#state('error', detail);
          }
        }
      })().catch(() => {});
      const err = await nc.closed();
      this.#connected = false;
      this.#state('closed', err ? err.message : this.#closed ? 'closed by the daemon' : 'closed');
      if (this.#closed) return;
    }
  }

  #serveCommands(nc: NatsConnection): void {
    const commands = this.#opts.commands;
    if (commands === undefined) return;
    nc.subscribe(commands.subject, {
      callback: (err, msg: Msg) => {
        if (err) return;
        void commands.router.handle(msg.data).then((reply) => {
          if (msg.reply) msg.respond(encoder.encode(JSON.stringify(reply)));
        });
      },
    });
  }
}
