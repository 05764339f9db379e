import type { Addr } from './addr.js';
import type { ConnReadWriter, Connection, PortAllocator, TunnelRegistry } from './connection.js';
import type { DatagramHandler } from './datagram.js';
import type { EventBus, EventPayload } from './events.js';
import type { HandshakeService, HandshakeTrustRecord } from './handshake.js';
import type { Identity } from './identity.js';
import type { IpcMethodHandler } from './ipc.js';
import type { PolicyManager } from './policy.js';
import type { RegistryClient, RegistryListedNode } from './registry-client.js';
import type { ServiceRegistry } from './services.js';
import type { TrustChecker } from './trust.js';
import type { VersionInfo } from './version-info.js';
import type { WebhookManager } from './webhook.js';

/** Options of {@link Daemon.dialConnection}. */
export interface DialOptions {
  /** Cancels the dial (the Go original's `DialConnectionContext`). */
  readonly signal?: AbortSignal;
}

/**
 * The contract a daemon engine exposes to plugins. The engine satisfies it structurally;
 * neither side imports the other. Every member exists because a plugin (handshake, policy,
 * webhook, trusted agents, runtime loaders) uses it.
 */
export interface Daemon {
  /** Brings the daemon online; resolves once it accepts traffic. */
  start(): Promise<void>;
  /** Drains in-flight work and tears the daemon down. Idempotent. */
  stop(): Promise<void>;

  /** This daemon's node id; 0 until registered. */
  nodeId(): number;
  /** The Ed25519 identity; `undefined` when running without one (in-memory tests). */
  identity(): Identity | undefined;
  /** Path of the identity file; `undefined` when in memory. */
  identityPath(): string | undefined;
  /** Signs `message` with the identity; `undefined` when no identity is loaded. */
  sign(message: Uint8Array): Uint8Array | undefined;
  /** The admin token for privileged registry calls; `undefined` when not configured. */
  adminToken(): string | undefined;
  /** Whether the daemon was started with trust auto-approve. */
  trustAutoApprove(): boolean;
  /** This daemon's address. */
  addr(): Addr;
  /** The running daemon's version and build metadata. */
  versionInfo(): VersionInfo;

  /** Opens a stream to `(dst, port)`. Rejects on refusal, timeout or abort. */
  dialConnection(dst: Addr, port: number, options?: DialOptions): Promise<Connection>;
  /** Writes `data` on a stream; resolves once queued. */
  sendData(conn: Connection, data: Uint8Array): Promise<void>;
  /** Sends a best-effort datagram to `(dst, port)`. */
  sendDatagram(dst: Addr, port: number, data: Uint8Array): Promise<void>;
  /**
   * Receives the datagrams that arrive on local virtual `port` (after the admission gate).
   * Returns the function that stops delivery; plugins call it in `shutdown`.
   * @throws Error with code `PORT_IN_USE` when the port already has a datagram handler.
   */
  onDatagram(port: number, handler: DatagramHandler): () => void;
  /** Tears a connection down. Idempotent. */
  closeConnection(conn: Connection): void;
  /** Wraps a connection for byte-stream reads and writes; the daemon keeps owning it. */
  newConnReadWriter(conn: Connection): ConnReadWriter;
  /** The virtual port table. */
  ports(): PortAllocator;
  /** The tunnel table. */
  tunnels(): TunnelRegistry;

  /** The registry client; `undefined` when running without a registry. */
  registryClient(): RegistryClient | undefined;
  /** The privileged `list_nodes` call with an explicit token (policy plugin). */
  regConnListNodes(networkId: number, token: string): Promise<RegistryListedNode[]>;
  /** Sets this node's tags in `networkId` through the registry (`set_member_tags`). */
  setMemberTags(networkId: number, tags: readonly string[]): Promise<void>;

  /**
   * The typed service registry. The well-known services (handshake, trust checker, policy
   * manager, webhook manager) live here under the keys this package exports, and third-party
   * plugins define their own with `defineService`. The `register*` / `get*` methods below are
   * shorthands for it, kept because they are the seed contract.
   */
  services(): ServiceRegistry;

  /** Publishes on the event bus (shorthand for `bus().publish`). */
  publishEvent(topic: string, payload?: EventPayload): void;
  /** The in-process event bus. */
  bus(): EventBus;

  /** The registered trust checker, if any (`services().get(TrustCheckerKey)`). */
  getTrustChecker(): TrustChecker | undefined;
  /** Installs the trust checker (`services().provide(TrustCheckerKey, …)`). */
  registerTrustChecker(checker: TrustChecker): void;
  /** The registered handshake service, if any (`services().get(HandshakeServiceKey)`). */
  handshakeService(): HandshakeService | undefined;
  /** Installs the handshake service (`services().provide(HandshakeServiceKey, …)`). */
  registerHandshakeService(service: HandshakeService): void;
  /** Proxy for `handshakeService().trustedPeers()`; empty when none is registered. */
  trustedPeers(): HandshakeTrustRecord[];
  /** Proxy for `handshakeService().revokeTrust()`; rejects when none is registered. */
  handshakeRevokeTrust(nodeId: number): Promise<void>;
  /** Proxy for `handshakeService().sendRequest()`; rejects when none is registered. */
  handshakeSendRequest(nodeId: number, reason: string): Promise<void>;
  /** Installs the policy manager (`services().provide(PolicyManagerKey, …)`). */
  registerPolicyManager(manager: PolicyManager): void;
  /**
   * Hot-swaps the webhook URL on the registered webhook manager.
   * @throws ServiceUnavailableError (code `SERVICE_UNAVAILABLE`) when no webhook plugin is loaded:
   *   accepting a URL nobody will deliver to would report success and do nothing.
   */
  setWebhookUrl(url: string): void;
  /** Installs the webhook manager (`services().provide(WebhookManagerKey, …)`). */
  registerWebhookManager(manager: WebhookManager): void;

  /**
   * Adds an IPC method (by convention `<plugin>.<method>`). Throws when the name is taken.
   * Returns the function that removes it; plugins call it in `shutdown`, after which the
   * method answers "method not found".
   */
  registerMethod(name: string, handler: IpcMethodHandler): () => void;
}
