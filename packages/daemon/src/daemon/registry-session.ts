import type { Logger } from '@mesh/daemonapi';
import {
  RegistryClient,
  type NodeInfo,
  type RegistryTlsClientOptions,
  type RotateKeyResult,
} from '@mesh/registry-client';
import type { EventBus } from '../events/event-bus.js';
import type { IdentitySigner } from '../identity/identity-holder.js';
import { RegistryLink } from './registry-link.js';

/** The node settings a {@link RegistrySession} owns (what the registry should say about us). */
export interface NodeSettingsState {
  /** Registered hostname, `''` for none. */
  readonly hostname: string;
  /** Whether the endpoint is resolvable by anyone (a public node skips the trust gate). */
  readonly public: boolean;
  /** Registered node tags. */
  readonly tags: readonly string[];
  /** Whether the node accepts tasks. */
  readonly taskExec: boolean;
}

/** Options of {@link RegistrySession}. */
export interface RegistrySessionOptions {
  /** Registry `host:port` (carried in the link events). */
  readonly registry: string;
  /** Parsed registry host. */
  readonly host: string;
  /** Parsed registry port. */
  readonly port: number;
  /** Every registry instance to try in turn (fleet); `host`/`port` is the first. */
  readonly addresses?: readonly { readonly host: string; readonly port: number }[];
  /** TLS to the registry (pinned fingerprint, for self-signed registries). */
  readonly tls?: RegistryTlsClientOptions;
  /** Wire mode. */
  readonly mode: 'binary' | 'json';
  /** Request timeout, ms. */
  readonly timeoutMs: number;
  /** Signs registry challenges; read on every call, so a key rotation takes effect at once. */
  readonly identity: IdentitySigner;
  /** Where link and registration events go. */
  readonly bus: EventBus;
  /** Logger. */
  readonly logger: Logger;
  /** Settings at start-up. */
  readonly initial: NodeSettingsState;
  /** Owner string sent at registration. */
  readonly owner?: string;
  /** Version string sent at registration. */
  readonly version: string;
  /** The registry dropped the connection (after `registry.disconnected` is published). */
  readonly onConnectionLost?: () => void;
}

/** What {@link RegistrySession.register} learned. */
export interface RegistrationResult {
  /** Node id. */
  readonly nodeId: number;
  /** Address text. */
  readonly address: string;
  /** Whether this was a registration again (the node id was known). */
  readonly reregistered: boolean;
}

/**
 * The registry session: the only owner of what the registry says about this node (hostname,
 * visibility, tags, task execution) and of what it says about the networks this node and its
 * peers are in. Every change goes through it, one at a time: the registry is told first and the
 * owned state follows, so `info()`, the trust gate and a re-registration read the same settings.
 * A re-registration (after the registry forgot the node) restores the current settings, never
 * the start-up ones.
 */
export class RegistrySession {
  readonly #opts: RegistrySessionOptions;
  readonly client: RegistryClient;
  readonly link: RegistryLink;
  #settings: NodeSettingsState;
  #nodeId = 0;
  #address = '';
  #ownNetworks: readonly number[] = [];
  readonly #peers = new Map<number, { networks: readonly number[]; tags: readonly string[] }>();
  readonly #memberTags = new Map<number, readonly string[]>();
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * @param options registry address, identity, bus and start-up settings
   */
  constructor(options: RegistrySessionOptions) {
    this.#opts = options;
    this.#settings = Object.freeze({ ...options.initial, tags: [...options.initial.tags] });
    this.link = new RegistryLink(options.bus, options.registry);
    const identity = options.identity;
    this.client = new RegistryClient({
      logger: options.logger,
      host: options.host,
      port: options.port,
      ...(options.addresses === undefined ? {} : { addresses: options.addresses }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      mode: options.mode,
      signer: (challenge) => identity.sign(new TextEncoder().encode(challenge)),
      timeoutMs: options.timeoutMs,
      reconnect: { attempts: 2, initialDelayMs: 200, maxDelayMs: 1000 },
      // Learnt at once, not at the next call: the owner heartbeats early (see EarlyHeartbeat).
      onConnectionLost: (e) => {
        this.link.lost(`connection dropped: ${e.error.message}`);
        options.onConnectionLost?.();
      },
    });
  }

  /** The current settings (what the registry was last told). */
  get settings(): NodeSettingsState {
    return this.#settings;
  }

  /** Node id, 0 before registration. */
  get nodeId(): number {
    return this.#nodeId;
  }

  /** Address text, `''` before registration. */
  get address(): string {
    return this.#address;
  }

  /** Non-backbone and backbone networks this node is in, from the last own lookup. */
  get ownNetworks(): readonly number[] {
    return this.#ownNetworks;
  }

  /**
   * Registers (or registers again) with the current settings and restores the ones `register`
   * does not carry (visibility, tags, task execution).
   * @param listenAddr the endpoint to advertise
   * @returns node id, address and whether the node was registered before
   */
  register(listenAddr: string): Promise<RegistrationResult> {
    return this.#exclusive(async () => {
      const s = this.#settings;
      const reregistered = this.#nodeId !== 0;
      const result = await this.link.track(
        this.client.register({
          listenAddr,
          publicKey: this.#opts.identity.publicKeyBase64,
          ...(this.#opts.owner === undefined ? {} : { owner: this.#opts.owner }),
          ...(s.hostname === '' ? {} : { hostname: s.hostname }),
          version: this.#opts.version,
        }),
        'register',
      );
      this.#nodeId = result.nodeId;
      this.#address = result.address;
      const registered = result.hostname ?? '';
      if (result.hostnameError !== undefined) {
        this.#opts.logger.warn('hostname refused', { error: result.hostnameError });
        this.#settings = Object.freeze({ ...this.#settings, hostname: registered });
      } else if (s.hostname === '' && registered !== '') {
        await this.client.setHostname('');
      }
      // The registry keeps a known node's visibility: say it whenever it may differ.
      if (s.public || reregistered) await this.client.setVisibility(s.public);
      if (s.tags.length > 0 || reregistered) {
        const tags = await this.client.setTags(s.tags);
        this.#settings = Object.freeze({ ...this.#settings, tags });
      }
      if (s.taskExec || reregistered) await this.client.setTaskExec(s.taskExec);
      await this.#refreshOwnNetworks();
      return { nodeId: result.nodeId, address: result.address, reregistered };
    });
  }

  /**
   * Tells the registry this node's new key (`rotate_key`, signed with the current key). Never
   * retried: the client surfaces a transport error instead, and the outcome is then unknown.
   * @param newPublicKey the new Ed25519 public key, base64
   * @returns the registry's answer
   */
  rotateKey(newPublicKey: string): Promise<RotateKeyResult> {
    return this.#exclusive(() =>
      this.link.track(this.client.rotateKey(newPublicKey), 'rotate_key'),
    );
  }

  /**
   * The key the registry holds for a node (a plain lookup; nothing is cached).
   * @param nodeId the node, usually this one
   * @returns the base64 public key, `''` when none
   */
  async registeredKey(nodeId: number): Promise<string> {
    return (await this.link.track(this.client.lookup(nodeId), 'lookup')).publicKey;
  }

  /**
   * Sets or clears the hostname.
   * @param hostname the name, `''` clears it
   * @returns the name now registered
   */
  setHostname(hostname: string): Promise<string> {
    return this.#exclusive(async () => {
      const registered = await this.link.track(this.client.setHostname(hostname), 'set_hostname');
      this.#settings = Object.freeze({ ...this.#settings, hostname: registered });
      return registered;
    });
  }

  /**
   * Makes the node public (anyone may resolve it and open streams) or private.
   * @param isPublic the visibility
   */
  setVisibility(isPublic: boolean): Promise<void> {
    return this.#exclusive(async () => {
      await this.link.track(this.client.setVisibility(isPublic), 'set_visibility');
      this.#settings = Object.freeze({ ...this.#settings, public: isPublic });
    });
  }

  /**
   * Replaces the node tags.
   * @param tags the tags
   * @returns the tags now registered (normalised by the registry)
   */
  setTags(tags: readonly string[]): Promise<string[]> {
    return this.#exclusive(async () => {
      const registered = await this.link.track(this.client.setTags(tags), 'set_tags');
      this.#settings = Object.freeze({ ...this.#settings, tags: [...registered] });
      return registered;
    });
  }

  /**
   * Turns task execution on or off.
   * @param enabled the flag
   */
  setTaskExec(enabled: boolean): Promise<void> {
    return this.#exclusive(async () => {
      await this.link.track(this.client.setTaskExec(enabled), 'set_task_exec');
      this.#settings = Object.freeze({ ...this.#settings, taskExec: enabled });
    });
  }

  /**
   * Records this node's member tags in a network once the registry accepted them.
   * @param networkId the network
   * @param tags the tags
   */
  rememberMemberTags(networkId: number, tags: readonly string[]): void {
    this.#memberTags.set(networkId, [...tags]);
  }

  /**
   * This node's tags as a policy of `networkId` sees them: node tags ∪ member tags there.
   * @param networkId the policy's network
   * @returns the tags, without duplicates
   */
  localTags(networkId: number): string[] {
    return [...new Set([...this.#settings.tags, ...(this.#memberTags.get(networkId) ?? [])])];
  }

  /**
   * One heartbeat.
   * @returns whether the registry warned that the key expires soon
   */
  async heartbeat(): Promise<{ readonly keyExpiryWarning: boolean }> {
    const beat = await this.link.track(this.client.heartbeat(), 'heartbeat');
    await this.#refreshOwnNetworks();
    return beat;
  }

  /**
   * Looks a peer up and remembers its networks and tags (the admission gate reads them).
   * @param nodeId the peer
   * @returns the registry's answer
   */
  async lookupPeer(nodeId: number): Promise<NodeInfo> {
    const info = await this.link.track(this.client.lookup(nodeId), 'lookup');
    this.#peers.set(nodeId, { networks: info.networks, tags: info.tags });
    return info;
  }

  /**
   * Networks of a peer from its last lookup.
   * @param nodeId the peer
   * @returns the networks, empty when never looked up
   */
  peerNetworks(nodeId: number): readonly number[] {
    return this.#peers.get(nodeId)?.networks ?? [];
  }

  /**
   * Registry tags of a peer from its last lookup.
   * @param nodeId the peer
   * @returns the tags, empty when never looked up
   */
  peerTags(nodeId: number): readonly string[] {
    return this.#peers.get(nodeId)?.tags ?? [];
  }

  /**
   * Drops what was learned about a peer.
   * @param nodeId the peer
   */
  forgetPeer(nodeId: number): void {
    this.#peers.delete(nodeId);
  }

  /** Closes the registry connection. */
  async close(): Promise<void> {
    await this.client.close();
  }

  async #refreshOwnNetworks(): Promise<void> {
    try {
      this.#ownNetworks = (
        await this.link.track(this.client.lookup(this.#nodeId), 'lookup')
      ).networks;
    } catch (error) {
      this.#opts.logger.debug('own lookup failed', { error: String(error) });
    }
  }

  // One change at a time: a re-registration never interleaves with a set.* call.
  #exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
