import type { Daemon } from './daemon.js';
import type { IdentitySecrets } from './identity.js';
import type { Logger } from './logger.js';
import type { ControlSender, PeerDirectory, PluginPayload } from './peers.js';
import type { AnyServiceKey } from './services.js';

/**
 * What a plugin receives beside the {@link Daemon} at `init`. `logger` and `signal` are always
 * present; the other services are optional because not every engine (or test daemon) offers
 * them.
 */
export interface PluginContext {
  /** A logger scoped to this plugin. */
  readonly logger: Logger;
  /** Daemon-wide cancellation: aborted when the daemon starts stopping. Tie long-running work to it. */
  readonly signal: AbortSignal;
  /** A directory for this plugin's own files (databases, snapshots), when the engine has state on disk. */
  readonly dataDir?: string;
  /** Read access to the peer keystore. */
  readonly peers?: PeerDirectory;
  /** Sender of plugin payloads to peers. */
  readonly control?: ControlSender;
  /** Local secret key material. */
  readonly secrets?: IdentitySecrets;
}

/**
 * The lifecycle contract every daemon plugin implements. The engine builds a fresh instance
 * from the plugin's {@link Factory}, calls `init` once after the engine is running and
 * `shutdown` once when it stops; the daemon stays usable during `shutdown`.
 *
 * A minimal plugin implements `name`, `init` and `shutdown`. The optional members are
 * capabilities: claim payload kinds with `payloadKinds` + `handlePayload`, react to forgotten
 * peers with `onPeerForgotten`.
 */
export interface Plugin {
  /** Registration key; stable across releases, used for ordering, logs and status output. */
  readonly name: string;
  /** The plugin's own version (its package version), shown by `meshctl plugins`. */
  readonly version?: string;
  /**
   * Services this plugin installs in `init` through `daemon.services().provide`. `loadAll`
   * starts every plugin that `needs` one of them after this one, and fails the load when `init`
   * finishes without installing them.
   */
  readonly provides?: readonly AnyServiceKey[];
  /**
   * Services this plugin requires. `loadAll` starts it after their providers and refuses to
   * load (before any `init`) when no plugin provides one and the engine has not installed it.
   * A service the plugin merely uses when present is read with `services().get` instead.
   */
  readonly needs?: readonly AnyServiceKey[];
  /**
   * Wires the plugin to a running daemon. Throwing (or rejecting) aborts daemon start-up; the
   * engine then shuts the plugin down, so `shutdown` must cope with a half-finished `init`.
   */
  init(daemon: Daemon, context: PluginContext): Promise<void> | void;
  /**
   * Stops background work and drains in-flight requests. Must honour `signal` (aborted at the
   * deadline) and be harmless when called twice.
   */
  shutdown(signal: AbortSignal): Promise<void> | void;
  /**
   * Payload kinds this plugin handles. A kind may be claimed by only one plugin; overlapping
   * claims are refused at load time with `PayloadKindConflictError`.
   */
  readonly payloadKinds?: readonly string[];
  /** Handles an inbound payload of a claimed kind from node `source`. Errors are contained by the engine. */
  handlePayload?(source: number, payload: PluginPayload): Promise<void> | void;
  /**
   * Notification: the daemon dropped `nodeId` from its keystore; wipe per-peer state. Every
   * plugin is notified even if another one throws.
   */
  onPeerForgotten?(nodeId: number): Promise<void> | void;
}

/** Builds a fresh {@link Plugin} instance; every call returns a new instance with its own state. */
export type Factory = () => Plugin;
