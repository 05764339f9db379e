import {
  type ControlSender,
  type Daemon as DaemonContract,
  type IdentitySecrets,
  type IpcMethodHandler,
  type Logger,
  type PeerDirectory,
} from '@mesh/daemonapi';
import {
  PLUGIN_PAYLOAD_PORT,
  decodePluginPayload,
  encodePluginPayload,
  isProtocolError,
} from '@mesh/protocol';
import { DaemonError } from '../errors/errors.js';
import type { EventBus } from '../events/event-bus.js';
import { PluginHost } from './plugin-host.js';

/** A loaded plugin as `meshctl plugins` shows it. */
export interface LoadedPlugin {
  /** Plugin name. */
  readonly name: string;
  /** Its `Plugin.version`, `''` when it declares none. */
  readonly version: string;
}

/** Options of {@link PluginRuntime}. */
export interface PluginRuntimeOptions {
  /** Config-named plugin modules to import. */
  readonly modules?: readonly string[];
  /** Per-plugin data directory root. */
  readonly dataRoot?: string;
  /** Shutdown deadline, ms. */
  readonly shutdownTimeoutMs: number;
  /** `init` deadline, ms. */
  readonly initTimeoutMs: number;
  /** Hook deadline, ms. */
  readonly hookTimeoutMs: number;
  /** Logger. */
  readonly logger: Logger;
  /** Event bus (`plugin.*` topics). */
  readonly bus: EventBus;
  /** The local identity's secret material. */
  readonly secrets: IdentitySecrets;
  /** The peer directory handed to plugins. */
  readonly peers: PeerDirectory;
  /** Sends a datagram through the engine's gates (port 1 for payloads). */
  readonly sendDatagram: (nodeId: number, port: number, data: Uint8Array) => Promise<void>;
  /** Whether the engine can reach `nodeId` (a tunnel or a registry record). */
  readonly hasRoute: (nodeId: number) => Promise<boolean>;
}

/**
 * The plugin runtime: loading and shutdown (through {@link PluginHost}), the IPC methods plugins
 * register, plugin payloads (the `@mesh/protocol` frame on port 1, dispatched to the plugin
 * claiming the kind), the control sender plugins send with, and forgotten-peer notifications.
 */
export class PluginRuntime {
  readonly #opts: PluginRuntimeOptions;
  readonly #host: PluginHost;
  readonly #methods = new Map<string, IpcMethodHandler>();
  readonly control: ControlSender;

  /**
   * @param options deadlines, services and the engine hooks the runtime needs
   */
  constructor(options: PluginRuntimeOptions) {
    this.#opts = options;
    this.control = {
      sendDirect: (nodeId, payload) => this.send(nodeId, payload.kind, payload.body),
      // No routing table: a routed send is a direct send, when the peer can be reached at all.
      sendRouted: async (nodeId, payload) => {
        if (!(await options.hasRoute(nodeId))) return false;
        await this.send(nodeId, payload.kind, payload.body);
        return true;
      },
    };
    this.#host = new PluginHost({
      ...(options.modules === undefined ? {} : { modules: options.modules }),
      logger: options.logger,
      ...(options.dataRoot === undefined ? {} : { dataRoot: options.dataRoot }),
      shutdownTimeoutMs: options.shutdownTimeoutMs,
      initTimeoutMs: options.initTimeoutMs,
      hookTimeoutMs: options.hookTimeoutMs,
      services: { secrets: options.secrets, control: this.control, peers: options.peers },
      bus: options.bus,
    });
  }

  /** Imports the config-named plugin modules. */
  importModules(): Promise<void> {
    return this.#host.importModules();
  }

  /**
   * Initialises every registered plugin.
   * @param daemon the engine, as the contract sees it
   */
  load(daemon: DaemonContract): Promise<void> {
    return this.#host.load(daemon);
  }

  /** Shuts the plugins down within the deadline (failures are published, not thrown). */
  async stop(): Promise<void> {
    await this.#host.stop();
  }

  /** The loaded plugins, in load order. */
  loaded(): LoadedPlugin[] {
    return this.#host.plugins.map((p) => ({ name: p.name, version: p.version ?? '' }));
  }

  /**
   * Adds an IPC method.
   * @param name `<plugin>.<method>`
   * @param handler the handler
   * @returns the function that removes it
   */
  registerMethod(name: string, handler: IpcMethodHandler): () => void {
    if (this.#methods.has(name))
      throw new DaemonError('PLUGIN', `IPC method "${name}" is already registered`);
    this.#methods.set(name, handler);
    return () => {
      if (this.#methods.get(name) === handler) this.#methods.delete(name);
    };
  }

  /**
   * A plugin-registered IPC method.
   * @param name method name
   * @returns the handler
   */
  method(name: string): IpcMethodHandler | undefined {
    return this.#methods.get(name);
  }

  /** Names of the plugin-registered IPC methods, sorted. */
  methodNames(): string[] {
    return [...this.#methods.keys()].sort();
  }

  /**
   * Sends a plugin payload to a peer (a datagram to port 1).
   * @param nodeId destination node
   * @param kind payload kind (1..255 UTF-8 bytes)
   * @param body bytes
   */
  async send(nodeId: number, kind: string, body: Uint8Array): Promise<void> {
    let frame: Uint8Array;
    try {
      frame = encodePluginPayload({ kind, body });
    } catch (error) {
      throw new DaemonError('PLUGIN', isProtocolError(error) ? error.message : String(error), {
        cause: error,
      });
    }
    await this.#opts.sendDatagram(nodeId, PLUGIN_PAYLOAD_PORT, frame);
  }

  /**
   * An inbound datagram on port 1: decoded and handed to the plugin claiming its kind; a
   * malformed frame is dropped, an unclaimed kind publishes `plugin.payload_unclaimed`.
   * @param source sending node
   * @param data the datagram payload
   */
  receive(source: number, data: Uint8Array): void {
    let kind: string;
    let body: Uint8Array;
    try {
      const frame = decodePluginPayload(data);
      kind = frame.kind;
      body = frame.body.slice();
    } catch (error) {
      this.#opts.logger.debug('malformed plugin payload dropped', {
        src_node_id: source,
        error: String(error),
      });
      return;
    }
    void this.dispatch(source, kind, body).then((handled) => {
      if (!handled)
        this.#opts.bus.publish('plugin.payload_unclaimed', { kind, src_node_id: source });
    });
  }

  /**
   * Hands a payload to the plugin claiming its kind.
   * @param source sending node
   * @param kind payload kind
   * @param body bytes
   * @returns whether a plugin handled it
   */
  dispatch(source: number, kind: string, body: Uint8Array): Promise<boolean> {
    return this.#host.dispatch(source, kind, body);
  }

  /**
   * Tells every plugin a peer was forgotten.
   * @param nodeId the peer
   */
  peerForgotten(nodeId: number): Promise<void> {
    return this.#host.peerForgotten(nodeId);
  }
}
