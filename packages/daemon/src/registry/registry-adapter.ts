import type { RegistryClient } from '@mesh/registry-client';

/** Per-call options of the plugin-facing registry surface. */
export interface RegistryCallOptions {
  /** Cancels the call. */
  readonly signal?: AbortSignal;
}

/** A node as `lookup` reports it (the daemonapi contract's shape). */
export interface RegistryNodeView {
  /** Node id. */
  readonly nodeId: number;
  /** Backbone address text. */
  readonly address: string;
  /** Networks the node belongs to. */
  readonly networks: readonly number[];
  /** Ed25519 public key, base64. */
  readonly publicKey: string;
  /** Whether the node is public. */
  readonly public: boolean;
  /** Hostname, if any. */
  readonly hostname?: string;
  /** Tags, if any. */
  readonly tags?: readonly string[];
  /** Task execution flag. */
  readonly taskExec?: boolean;
  /** Real endpoint (public nodes only). */
  readonly realAddr?: string;
}

/** A network member as `list_nodes` reports it. */
export interface RegistryListedView {
  /** Node id. */
  readonly nodeId: number;
  /** Network-scoped address. */
  readonly address: string;
  /** Hostname. */
  readonly hostname?: string;
  /** Member tags. */
  readonly tags?: readonly string[];
  /** Task execution flag. */
  readonly taskExec?: boolean;
  /** Real endpoint. */
  readonly realAddr?: string;
}

/**
 * The registry surface plugins use (structurally the daemonapi `RegistryClient`), backed by the
 * engine's signed {@link RegistryClient}.
 */
export class PluginRegistryClient {
  readonly #client: RegistryClient;

  /**
   * @param client the engine's registry client (already carrying the signer and node id)
   */
  constructor(client: RegistryClient) {
    this.#client = client;
  }

  /**
   * `lookup`.
   * @param nodeId node
   * @param options signal
   * @returns the node facts
   */
  async lookup(nodeId: number, options: RegistryCallOptions = {}): Promise<RegistryNodeView> {
    const r = await this.#client.lookup(nodeId, options);
    return {
      nodeId: r.nodeId,
      address: r.address,
      networks: r.networks,
      publicKey: r.publicKey,
      public: r.public,
      ...(r.hostname === '' ? {} : { hostname: r.hostname }),
      ...(r.tags.length === 0 ? {} : { tags: r.tags }),
      ...(r.taskExec ? { taskExec: true } : {}),
      ...(r.realAddr === '' ? {} : { realAddr: r.realAddr }),
    };
  }

  /**
   * `resolve_hostname`.
   * @param hostname name
   * @param options signal
   * @returns the node id
   */
  async resolveHostname(hostname: string, options: RegistryCallOptions = {}): Promise<number> {
    return (await this.#client.resolveHostname(hostname, options)).nodeId;
  }

  /**
   * `list_nodes`.
   * @param networkId network
   * @param options admin token, signal
   * @returns members
   */
  async listNodes(
    networkId: number,
    options: RegistryCallOptions & { readonly adminToken?: string } = {},
  ): Promise<RegistryListedView[]> {
    return (await this.#client.listNodes(networkId, options)).map((n) => ({ ...n }));
  }

  /**
   * `report_trust`.
   * @param peerNodeId peer
   * @param options signal
   */
  async reportTrust(peerNodeId: number, options: RegistryCallOptions = {}): Promise<void> {
    await this.#client.reportTrust(peerNodeId, options);
  }

  /**
   * `revoke_trust`.
   * @param peerNodeId peer
   * @param options signal
   */
  async revokeTrust(peerNodeId: number, options: RegistryCallOptions = {}): Promise<void> {
    await this.#client.revokeTrust(peerNodeId, options);
  }

  /**
   * `check_trust`.
   * @param peerNodeId peer
   * @param options signal
   * @returns whether a trust pair exists
   */
  async checkTrust(peerNodeId: number, options: RegistryCallOptions = {}): Promise<boolean> {
    return this.#client.checkTrust(peerNodeId, options);
  }

  /**
   * `request_handshake`.
   * @param toNodeId target
   * @param justification reason
   * @param options signal
   */
  async requestHandshake(
    toNodeId: number,
    justification: string,
    options: RegistryCallOptions = {},
  ): Promise<void> {
    await this.#client.requestHandshake(toNodeId, justification, options);
  }

  /**
   * `poll_handshakes`.
   * @param options signal
   * @returns the inbox
   */
  async pollHandshakes(options: RegistryCallOptions = {}): Promise<{
    requests: { fromNodeId: number; justification: string; timestamp: number }[];
    responses: { fromNodeId: number; accept: boolean; timestamp: number }[];
  }> {
    const r = await this.#client.pollHandshakes(options);
    // The wire carries Unix seconds; the contract speaks milliseconds.
    return {
      requests: r.requests.map((x) => ({ ...x, timestamp: x.timestamp * 1000 })),
      responses: r.responses.map((x) => ({ ...x, timestamp: x.timestamp * 1000 })),
    };
  }

  /**
   * `respond_handshake`.
   * @param peerNodeId requester
   * @param accept verdict
   * @param options signal
   */
  /**
   * `set_member_tags` for this node.
   * @param networkId network
   * @param tags the tags
   * @param options signal
   */
  async setMemberTags(
    networkId: number,
    tags: readonly string[],
    options: RegistryCallOptions = {},
  ): Promise<void> {
    // Signed `set_member_tags:<node>:<net>:<node>` (the registry refuses unsigned writes).
    await this.#client.setMemberTags(networkId, tags, options);
  }

  /**
   * `get_member_tags`.
   * @param networkId network
   * @param nodeId node
   * @param options signal
   * @returns the tags
   */
  async getMemberTags(
    networkId: number,
    nodeId: number,
    options: RegistryCallOptions = {},
  ): Promise<string[]> {
    const reply = await this.#client.request(
      { type: 'get_member_tags', network_id: networkId, node_id: nodeId },
      options,
    );
    const tags = reply['tags'];
    return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [];
  }

  async respondHandshake(
    peerNodeId: number,
    accept: boolean,
    options: RegistryCallOptions = {},
  ): Promise<void> {
    await this.#client.respondHandshake(peerNodeId, accept, options);
  }
}
