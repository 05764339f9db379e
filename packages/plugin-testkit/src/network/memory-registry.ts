import { MemoryDaemonError } from '../daemon/errors.js';
import type {
  HandshakeInbox,
  ListNodesOptions,
  RegistryCallOptions,
  RegistryClient,
  RegistryListedNode,
  RegistryNodeInfo,
  RelayedHandshakeRequest,
  RelayedHandshakeResponse,
} from '@mesh/daemonapi';

/** What the in-memory registry needs to know about a node of its network. */
export interface MemoryRegistryNode {
  /** Node id. */
  nodeId(): number;
  /** Advertised name, reported as the hostname. */
  readonly name: string;
  /** The Ed25519 public key, when the node has an identity. */
  identity(): { readonly publicKey: Uint8Array } | undefined;
}

/** Formats an address as reference §B.1 text (`N:NNNN.HHHH.LLLL`). */
function addressText(network: number, node: number): string {
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `${network}:${hex(network)}.${hex(node >>> 16)}.${hex(node & 0xffff)}`;
}

/**
 * The registry of a `MemoryNetwork`, enough for the calls plugins make through
 * `RegistryClient`: lookups of the network's daemons, `list_nodes` (the backbone only with the
 * admin token, as the real registry), trust pairs, the relayed-handshake inboxes and per-network
 * member tags. Every daemon is a member of the backbone (network 0).
 */
export class MemoryRegistry {
  readonly #nodes: () => readonly MemoryRegistryNode[];
  readonly #adminToken: string | undefined;
  readonly #trust = new Set<string>();
  readonly #requests = new Map<number, RelayedHandshakeRequest[]>();
  readonly #responses = new Map<number, RelayedHandshakeResponse[]>();
  readonly #tags = new Map<string, readonly string[]>();
  readonly #now: () => number;

  /**
   * @param nodes the running nodes of the network
   * @param options the admin token `list_nodes` of network 0 requires, and the clock
   */
  constructor(
    nodes: () => readonly MemoryRegistryNode[],
    options: { readonly adminToken?: string; readonly now?: () => number } = {},
  ) {
    this.#nodes = nodes;
    this.#adminToken = options.adminToken;
    this.#now = options.now ?? Date.now;
  }

  /** A client that signs (in spirit) as `self`: the calls a daemon's plugins make. */
  clientFor(self: MemoryRegistryNode): RegistryClient {
    const pair = (a: number, b: number): string => (a < b ? `${a}:${b}` : `${b}:${a}`);
    return {
      lookup: async (nodeId: number, options?: RegistryCallOptions): Promise<RegistryNodeInfo> => {
        options?.signal?.throwIfAborted();
        return this.#info(this.#node(nodeId));
      },
      resolveHostname: async (hostname: string, options?: RegistryCallOptions): Promise<number> => {
        options?.signal?.throwIfAborted();
        const node = this.#nodes().find((n) => n.name === hostname);
        if (node === undefined)
          throw new MemoryDaemonError('REGISTRY_NOT_FOUND', `hostname "${hostname}" not found`);
        return node.nodeId();
      },
      listNodes: async (
        networkId: number,
        options?: ListNodesOptions,
      ): Promise<RegistryListedNode[]> => {
        options?.signal?.throwIfAborted();
        return this.#list(networkId, options?.adminToken);
      },
      reportTrust: async (peer: number): Promise<void> => {
        this.#node(peer);
        this.#trust.add(pair(self.nodeId(), peer));
      },
      revokeTrust: async (peer: number): Promise<void> => {
        if (!this.#trust.delete(pair(self.nodeId(), peer)))
          throw new MemoryDaemonError('REGISTRY_NOT_FOUND', `no trust pair with node ${peer}`);
      },
      checkTrust: async (peer: number): Promise<boolean> => {
        return this.#trust.has(pair(self.nodeId(), peer));
      },
      requestHandshake: async (to: number, justification: string): Promise<void> => {
        this.#node(to);
        const inbox = this.#requests.get(to) ?? [];
        inbox.push({ fromNodeId: self.nodeId(), justification, timestamp: this.#now() });
        this.#requests.set(to, inbox);
      },
      pollHandshakes: async (): Promise<HandshakeInbox> => {
        const id = self.nodeId();
        const inbox = {
          requests: this.#requests.get(id) ?? [],
          responses: this.#responses.get(id) ?? [],
        };
        this.#requests.delete(id);
        this.#responses.delete(id);
        return inbox;
      },
      respondHandshake: async (peer: number, accept: boolean): Promise<void> => {
        this.#node(peer);
        if (accept) this.#trust.add(pair(self.nodeId(), peer));
        const inbox = this.#responses.get(peer) ?? [];
        inbox.push({ fromNodeId: self.nodeId(), accept, timestamp: this.#now() });
        this.#responses.set(peer, inbox);
      },
      setMemberTags: async (networkId: number, tags: readonly string[]): Promise<void> => {
        this.#tags.set(`${networkId}:${self.nodeId()}`, [...tags]);
      },
      getMemberTags: async (networkId: number, nodeId: number): Promise<string[]> => {
        return [...(this.#tags.get(`${networkId}:${nodeId}`) ?? [])];
      },
    };
  }

  #node(nodeId: number): MemoryRegistryNode {
    const node = this.#nodes().find((n) => n.nodeId() === nodeId);
    if (node === undefined)
      throw new MemoryDaemonError('REGISTRY_NOT_FOUND', `node ${nodeId} is not registered`);
    return node;
  }

  #info(node: MemoryRegistryNode): RegistryNodeInfo {
    const key = node.identity()?.publicKey;
    return {
      nodeId: node.nodeId(),
      address: addressText(0, node.nodeId()),
      networks: [0],
      publicKey: key === undefined ? '' : Buffer.from(key).toString('base64'),
      public: true,
      ...(node.name === '' ? {} : { hostname: node.name }),
    };
  }

  #list(networkId: number, adminToken: string | undefined): RegistryListedNode[] {
    if (networkId !== 0)
      throw new MemoryDaemonError('REGISTRY_NOT_FOUND', `network ${networkId} not found`);
    if (this.#adminToken === undefined || adminToken !== this.#adminToken)
      throw new MemoryDaemonError(
        'REGISTRY_DENIED',
        'listing the backbone (network 0) requires the admin token',
      );
    return [...this.#nodes()]
      .sort((a, b) => a.nodeId() - b.nodeId())
      .map((n) => ({
        nodeId: n.nodeId(),
        address: addressText(0, n.nodeId()),
        ...(n.name === '' ? {} : { hostname: n.name }),
      }));
  }
}
