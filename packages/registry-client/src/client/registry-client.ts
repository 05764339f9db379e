import { randomBytes } from 'node:crypto';
import {
  ENVELOPE_FIELDS,
  MsgType,
  REGISTRY_AUDIENCE,
  canonicalEnvelope,
  challenges,
  decodeError,
  decodeHeartbeatResp,
  decodeLookupResp,
  decodeResolveResp,
  encodeFrame,
  encodeHeartbeatReq,
  encodeLookupReq,
  encodeMessage,
  encodeResolveReq,
  hashRequestBody,
} from '@mesh/wire';
import { formatHostPort } from '@mesh/protocol';
import { networkChallenges } from '../network-challenges.js';
import type {
  AdminCallOptions,
  AuditLogEntry,
  ExprPolicyResult,
  NetworkPolicy,
  ProvisionResult,
} from '../network-types.js';
import { RegistryClientError, RegistryRemoteError } from '../errors.js';
import { RegistryConnection } from '../transport/connection.js';
import { resendAfterConnectionLoss } from './retry-policy.js';
import type {
  RegistryTlsClientOptions,
  BeaconInfo,
  CallOptions,
  CreateNetworkParams,
  CreateNetworkResult,
  HeartbeatResult,
  HostnameResolution,
  JoinNetworkParams,
  JoinNetworkResult,
  JsonObject,
  KeyInfo,
  NetworkInvite,
  NetworkSummary,
  NodeInfo,
  NodeListing,
  PollHandshakesResult,
  PunchResult,
  RegisterParams,
  RegisterResult,
  RegistryClientLogger,
  RegistryClientOptions,
  RegistryConnectionLost,
  RegistrySigner,
  ReportTrustResult,
  ResolveResult,
  RotateKeyResult,
} from '../types.js';
import { formatAddress } from './address.js';
import { bool, num, numbers, objects, optNum, str, strings, toBase64 } from './convert.js';

const noopLogger: RegistryClientLogger = { debug() {}, warn() {} };
const ZERO_SIGNATURE = new Uint8Array(64);
const utf8 = new TextDecoder();

/**
 * Client of the mesh registry. Heartbeat, lookup and resolve use native binary frames; every
 * other call is JSON (through the binary passthrough frame in binary mode). Calls are queued so
 * exactly one request is in flight on the connection; when the connection drops the client
 * reconnects with exponential backoff and sends the call once more if that is safe: always when
 * the request was never written, and otherwise only for operations that can be repeated
 * (reads, heartbeats, absolute setters; not `rotate_key`, trust or network membership changes,
 * which fail with `CONNECTION_LOST` instead).
 *
 * With a signer, every signed request carries the legacy challenge signature (what the Go
 * registry checks) and a request envelope (`envelope`, `envelope_signature`: Go `reqsig` form with
 * a timestamp and a fresh nonce per attempt), which the mesh registry requires to refuse replays;
 * heartbeats and resolves then go as JSON, since the binary frames have no room for an envelope.
 *
 * @example
 * ```ts
 * const client = new RegistryClient({ port: 9000, signer: (c) => ed.sign(new TextEncoder().encode(c), secret) });
 * const { nodeId } = await client.register({ listenAddr: '0.0.0.0:4000', publicKey });
 * await client.heartbeat();
 * const peer = await client.lookup(7);
 * await client.close();
 * ```
 */
export class RegistryClient {
  readonly #addresses: { host: string; port: number }[];
  /** Index of the address in use (or tried next). */
  #current = 0;
  readonly #tls: RegistryTlsClientOptions | undefined;
  readonly #binary: boolean;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #attempts: number;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #logger: RegistryClientLogger;
  readonly #onConnectionLost: ((event: RegistryConnectionLost) => void) | undefined;
  #signer: RegistrySigner | undefined;
  readonly #envelopes: boolean;
  readonly #clock: () => number;
  #nodeId: number | undefined;
  #conn: RegistryConnection | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  /** Requests to send with a fresh request envelope (built per attempt, so a resend is not a replay). */
  readonly #enveloped = new WeakSet<JsonObject>();
  #closed = false;
  /** Aborted by close(), so a reconnect backoff does not outlive the client. */
  readonly #closeController = new AbortController();

  /** @param options - where the registry is and how to talk to it */
  constructor(options: RegistryClientOptions) {
    this.#addresses =
      options.addresses && options.addresses.length > 0
        ? options.addresses.map((a) => ({ host: a.host, port: a.port }))
        : [{ host: options.host ?? '127.0.0.1', port: options.port }];
    this.#tls = options.tls;
    this.#binary = (options.mode ?? 'binary') === 'binary';
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.#attempts = Math.max(1, options.reconnect?.attempts ?? 5);
    this.#initialDelayMs = options.reconnect?.initialDelayMs ?? 500;
    this.#maxDelayMs = options.reconnect?.maxDelayMs ?? 10_000;
    this.#logger = options.logger ?? noopLogger;
    this.#onConnectionLost = options.onConnectionLost;
    this.#signer = options.signer;
    this.#envelopes = options.envelopes ?? true;
    this.#clock = options.clock ?? Date.now;
    this.#nodeId = options.nodeId;
  }

  /** This node's id: set by `register()` or the `nodeId` option; used in signed challenges. */
  get nodeId(): number | undefined {
    return this.#nodeId;
  }

  set nodeId(id: number | undefined) {
    this.#nodeId = id;
  }

  /** Replaces the signer, e.g. after `rotateKey`. */
  setSigner(signer: RegistrySigner | undefined): void {
    this.#signer = signer;
  }

  /** `binary` or `json`. */
  get mode(): 'binary' | 'json' {
    return this.#binary ? 'binary' : 'json';
  }

  /** Connects eagerly (calls connect on demand anyway). */
  async connect(options: CallOptions = {}): Promise<void> {
    await this.#run(async () => undefined, options, undefined);
  }

  /** Closes the connection; later calls fail with `CLOSED`. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closeController.abort();
    this.#conn?.destroy();
    this.#conn = undefined;
  }

  // ---------------------------------------------------------------- generic

  /**
   * Sends one raw JSON request and returns the response object. Throws {@link RegistryRemoteError}
   * when the registry answers with an error. Use it for messages without a typed method.
   */
  async request(message: JsonObject, options: CallOptions = {}): Promise<JsonObject> {
    const type = typeof message['type'] === 'string' ? message['type'] : '';
    if (type === '')
      throw new RegistryClientError('PROTOCOL', 'a registry request needs a "type" field');
    return this.#run((conn) => this.#json(conn, message, options), options, type);
  }

  // ---------------------------------------------------------------- node lifecycle

  /** `register`: same public key → same node id. Sets {@link nodeId}. */
  async register(params: RegisterParams, options: CallOptions = {}): Promise<RegisterResult> {
    const msg: JsonObject = {
      type: 'register',
      listen_addr: params.listenAddr,
      public_key: params.publicKey,
    };
    if (params.owner !== undefined) msg['owner'] = params.owner;
    if (params.hostname !== undefined) msg['hostname'] = params.hostname;
    if (params.lanAddrs !== undefined) msg['lan_addrs'] = [...params.lanAddrs];
    if (params.version !== undefined) msg['version'] = params.version;
    if (params.relayOnly !== undefined) msg['relay_only'] = params.relayOnly;
    if (params.rebindSignature !== undefined) msg['rebind_signature'] = params.rebindSignature;
    // Proof of possession: Go's form (RegisterWithKeyOpts) plus the envelope.
    const r = await this.request(
      await this.#sign(msg, challenges.register(params.listenAddr, params.publicKey)),
      options,
    );
    const nodeId = num(r, 'node_id');
    this.#nodeId = nodeId;
    return {
      nodeId,
      networkId: optNum(r, 'network_id', 0),
      address: str(r, 'address'),
      publicKey: str(r, 'public_key'),
      ...(typeof r['hostname'] === 'string' ? { hostname: r['hostname'] } : {}),
      ...(typeof r['hostname_error'] === 'string' ? { hostnameError: r['hostname_error'] } : {}),
      ...(typeof r['owner_error'] === 'string' ? { ownerError: r['owner_error'] } : {}),
      ...(r['unchanged'] === true ? { unchanged: true } : {}),
    };
  }

  /** `heartbeat` (signed `heartbeat:<node>`); binary frame in binary mode. */
  async heartbeat(options: CallOptions = {}): Promise<HeartbeatResult> {
    const node = this.#requireNode();
    const sig = await this.#signRaw(challenges.heartbeat(node));
    if (!this.#binary || (sig && this.#envelopes)) {
      const r = await this.request(
        this.#signed({ type: 'heartbeat', node_id: node }, sig),
        options,
      );
      return { time: num(r, 'time'), keyExpiryWarning: bool(r, 'key_expiry_warning') };
    }
    const payload = await this.#run(
      (conn) =>
        this.#frame(
          conn,
          'heartbeat',
          MsgType.HEARTBEAT,
          encodeHeartbeatReq(node, sig ?? ZERO_SIGNATURE),
          MsgType.HEARTBEAT_OK,
          options,
        ),
      options,
      'heartbeat',
    );
    const r = decodeHeartbeatResp(payload);
    return { time: r.unixTime, keyExpiryWarning: r.keyExpiryWarning };
  }

  /** `deregister` (signed). */
  async deregister(options: CallOptions = {}): Promise<void> {
    const node = this.#requireNode();
    await this.request(
      await this.#sign({ type: 'deregister', node_id: node }, challenges.deregister(node)),
      options,
    );
  }

  /** `rotate_key`: signed by the current key; call {@link setSigner} with the new key afterwards. */
  async rotateKey(newPublicKey: string, options: CallOptions = {}): Promise<RotateKeyResult> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'rotate_key', node_id: node, new_public_key: newPublicKey },
        challenges.rotate(node),
      ),
      options,
    );
    return {
      nodeId: num(r, 'node_id'),
      address: str(r, 'address'),
      publicKey: str(r, 'public_key'),
    };
  }

  /** `set_key_expiry` (signed): an expiry date, or `'never'`. */
  async setKeyExpiry(expiresAt: Date | 'never', options: CallOptions = {}): Promise<void> {
    const node = this.#requireNode();
    const value = expiresAt === 'never' ? 'never' : expiresAt.toISOString();
    await this.request(
      await this.#sign(
        { type: 'set_key_expiry', node_id: node, expires_at: value },
        challenges.setKeyExpiry(node),
      ),
      options,
    );
  }

  /** `get_key_info` for any node. */
  async getKeyInfo(nodeId: number, options: CallOptions = {}): Promise<KeyInfo> {
    const r = await this.request({ type: 'get_key_info', node_id: nodeId }, options);
    return {
      nodeId: num(r, 'node_id'),
      publicKey: str(r, 'public_key'),
      keyAgeDays: optNum(r, 'key_age_days', -1),
      ...(typeof r['expires_at'] === 'string' ? { expiresAt: r['expires_at'] } : {}),
    };
  }

  // ---------------------------------------------------------------- discovery

  /** `lookup`: public facts about a node (endpoint only when it is public). */
  async lookup(nodeId: number, options: CallOptions = {}): Promise<NodeInfo> {
    if (!this.#binary) {
      const r = await this.request({ type: 'lookup', node_id: nodeId }, options);
      return {
        nodeId: num(r, 'node_id'),
        address: str(r, 'address'),
        networks: numbers(r, 'networks'),
        publicKey: str(r, 'public_key'),
        public: bool(r, 'public'),
        hostname: str(r, 'hostname'),
        tags: strings(r, 'tags'),
        taskExec: bool(r, 'task_exec'),
        realAddr: str(r, 'real_addr'),
        externalId: str(r, 'external_id'),
      };
    }
    const payload = await this.#run(
      (conn) =>
        this.#frame(
          conn,
          'lookup',
          MsgType.LOOKUP,
          encodeLookupReq(nodeId),
          MsgType.LOOKUP_OK,
          options,
        ),
      options,
      'lookup',
    );
    const r = decodeLookupResp(payload);
    return {
      nodeId: r.nodeId,
      address: formatAddress(0, r.nodeId),
      networks: [...r.networks],
      publicKey: r.pubKey.length > 0 ? toBase64(r.pubKey) : '',
      public: r.public,
      hostname: r.hostname,
      tags: [...r.tags],
      taskExec: r.taskExec,
      realAddr: r.realAddr,
      externalId: r.externalId,
    };
  }

  /**
   * `resolve` (signed `resolve:<requester>:<target>`): the endpoint of `target`, allowed when it
   * is public, trusts this node, or shares a non-backbone network with it.
   */
  async resolve(target: number, options: CallOptions = {}): Promise<ResolveResult> {
    const node = this.#requireNode();
    const sig = await this.#signRaw(challenges.resolve(node, target));
    if (!this.#binary || (sig && this.#envelopes)) {
      const r = await this.request(
        this.#signed({ type: 'resolve', node_id: target, requester_id: node }, sig),
        options,
      );
      return {
        nodeId: num(r, 'node_id'),
        realAddr: str(r, 'real_addr'),
        lanAddrs: strings(r, 'lan_addrs'),
        keyAgeDays: optNum(r, 'key_age_days', -1),
      };
    }
    const payload = await this.#run(
      (conn) =>
        this.#frame(
          conn,
          'resolve',
          MsgType.RESOLVE,
          encodeResolveReq(target, node, sig ?? ZERO_SIGNATURE),
          MsgType.RESOLVE_OK,
          options,
        ),
      options,
      'resolve',
    );
    const r = decodeResolveResp(payload);
    return {
      nodeId: r.nodeId,
      realAddr: r.realAddr,
      lanAddrs: [...r.lanAddrs],
      keyAgeDays: r.keyAgeDays,
    };
  }

  /** `resolve_hostname`: node id and address for a hostname (sends this node as requester). */
  async resolveHostname(hostname: string, options: CallOptions = {}): Promise<HostnameResolution> {
    const msg: JsonObject = { type: 'resolve_hostname', hostname };
    if (this.#nodeId !== undefined) msg['requester_id'] = this.#nodeId;
    const r = await this.request(msg, options);
    return {
      nodeId: num(r, 'node_id'),
      address: str(r, 'address'),
      public: bool(r, 'public'),
      hostname: str(r, 'hostname'),
    };
  }

  /** `punch` (signed `punch:<a>:<b>`): both endpoints, for coordinated hole punching. */
  async punch(nodeA: number, nodeB: number, options: CallOptions = {}): Promise<PunchResult> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'punch', requester_id: node, node_a: nodeA, node_b: nodeB },
        challenges.punch(nodeA, nodeB),
      ),
      options,
    );
    return {
      nodeA: num(r, 'node_a'),
      nodeAAddr: str(r, 'node_a_addr'),
      nodeB: num(r, 'node_b'),
      nodeBAddr: str(r, 'node_b_addr'),
    };
  }

  // ---------------------------------------------------------------- node settings

  /** `set_hostname` (signed); `''` clears it. */
  async setHostname(hostname: string, options: CallOptions = {}): Promise<string> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'set_hostname', node_id: node, hostname },
        challenges.setHostname(node),
      ),
      options,
    );
    return str(r, 'hostname');
  }

  /** `set_visibility` (signed). */
  async setVisibility(isPublic: boolean, options: CallOptions = {}): Promise<void> {
    const node = this.#requireNode();
    await this.request(
      await this.#sign(
        { type: 'set_visibility', node_id: node, public: isPublic },
        challenges.setVisibility(node),
      ),
      options,
    );
  }

  /** `set_tags` (signed); returns the normalised tags. */
  async setTags(tags: readonly string[], options: CallOptions = {}): Promise<string[]> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'set_tags', node_id: node, tags: [...tags] },
        challenges.setTags(node),
      ),
      options,
    );
    return strings(r, 'tags');
  }

  /** `set_task_exec` (signed). */
  async setTaskExec(enabled: boolean, options: CallOptions = {}): Promise<void> {
    const node = this.#requireNode();
    await this.request(
      await this.#sign(
        { type: 'set_task_exec', node_id: node, enabled },
        challenges.setTaskExec(node),
      ),
      options,
    );
  }

  // ---------------------------------------------------------------- trust and handshakes

  /**
   * `report_trust` (signed): this node consents to a trust pair with `peer`. The mesh registry
   * makes the pair once the peer consented too; until then it answers `pending`.
   */
  async reportTrust(peer: number, options: CallOptions = {}): Promise<ReportTrustResult> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'report_trust', node_id: node, peer_id: peer },
        challenges.reportTrust(node, peer),
      ),
      options,
    );
    return { pending: r['pending'] === true };
  }

  /** `revoke_trust` (signed): removes the pair (error if none). */
  async revokeTrust(peer: number, options: CallOptions = {}): Promise<void> {
    const node = this.#requireNode();
    await this.request(
      await this.#sign(
        { type: 'revoke_trust', node_id: node, peer_id: peer },
        challenges.revokeTrust(node, peer),
      ),
      options,
    );
  }

  /** `check_trust`: whether a trust pair exists between this node (or `nodeId`) and `peer`. */
  async checkTrust(
    peer: number,
    options: CallOptions & { readonly nodeId?: number } = {},
  ): Promise<boolean> {
    const node = options.nodeId ?? this.#requireNode();
    const r = await this.request({ type: 'check_trust', node_id: node, peer_id: peer }, options);
    return bool(r, 'trusted');
  }

  /** `request_handshake` (signed `handshake:<from>:<to>`): queue a request in `to`'s inbox. */
  async requestHandshake(
    to: number,
    justification: string,
    options: CallOptions = {},
  ): Promise<string> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'request_handshake', from_node_id: node, to_node_id: to, justification },
        challenges.handshake(node, to),
      ),
      options,
    );
    return str(r, 'status');
  }

  /** `poll_handshakes` (signed): drains both inboxes. */
  async pollHandshakes(options: CallOptions = {}): Promise<PollHandshakesResult> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign({ type: 'poll_handshakes', node_id: node }, challenges.pollHandshakes(node)),
      options,
    );
    return {
      requests: objects(r, 'requests').map((q) => ({
        fromNodeId: num(q, 'from_node_id'),
        justification: str(q, 'justification'),
        timestamp: optNum(q, 'timestamp', 0),
      })),
      responses: objects(r, 'responses').map((q) => ({
        fromNodeId: num(q, 'from_node_id'),
        accept: bool(q, 'accept'),
        timestamp: optNum(q, 'timestamp', 0),
      })),
    };
  }

  /** `respond_handshake` (signed `respond:<node>:<peer>`): accept creates the trust pair. */
  async respondHandshake(peer: number, accept: boolean, options: CallOptions = {}): Promise<void> {
    const node = this.#requireNode();
    await this.request(
      await this.#sign(
        { type: 'respond_handshake', node_id: node, peer_id: peer, accept },
        challenges.respond(node, peer),
      ),
      options,
    );
  }

  // ---------------------------------------------------------------- networks

  /** `list_networks`; member counts only with an admin token. */
  async listNetworks(
    options: CallOptions & { readonly adminToken?: string } = {},
  ): Promise<NetworkSummary[]> {
    const msg: JsonObject = { type: 'list_networks' };
    if (options.adminToken !== undefined) msg['admin_token'] = options.adminToken;
    const r = await this.request(msg, options);
    return objects(r, 'networks').map((n) => ({
      id: num(n, 'id'),
      name: str(n, 'name'),
      joinRule: str(n, 'join_rule'),
      ...(typeof n['members'] === 'number' ? { members: n['members'] } : {}),
    }));
  }

  /** `list_nodes` of a network (network 0 needs the admin token). */
  async listNodes(
    networkId: number,
    options: CallOptions & { readonly adminToken?: string } = {},
  ): Promise<NodeListing[]> {
    const msg: JsonObject = { type: 'list_nodes', network_id: networkId };
    if (options.adminToken !== undefined) msg['admin_token'] = options.adminToken;
    const r = await this.request(msg, options);
    return objects(r, 'nodes').map((n) => ({
      nodeId: num(n, 'node_id'),
      address: str(n, 'address'),
      ...(typeof n['hostname'] === 'string' ? { hostname: n['hostname'] } : {}),
      ...(Array.isArray(n['tags']) ? { tags: strings(n, 'tags') } : {}),
      ...(typeof n['task_exec'] === 'boolean' ? { taskExec: n['task_exec'] } : {}),
      ...(typeof n['real_addr'] === 'string' ? { realAddr: n['real_addr'] } : {}),
    }));
  }

  /** `create_network` (admin token). */
  async createNetwork(
    params: CreateNetworkParams,
    options: CallOptions = {},
  ): Promise<CreateNetworkResult> {
    const msg: JsonObject = {
      type: 'create_network',
      name: params.name,
      join_rule: params.joinRule ?? 'open',
      admin_token: params.adminToken,
    };
    if (params.token !== undefined) msg['token'] = params.token;
    if (params.rules !== undefined) msg['rules'] = params.rules;
    const creator = params.nodeId ?? this.#nodeId;
    if (creator !== undefined) msg['node_id'] = creator;
    const r = await this.request(msg, options);
    return { networkId: num(r, 'network_id'), name: str(r, 'name') };
  }

  /** `join_network` (signed `join_network:<node>:<net>`, or admin token). */
  async joinNetwork(
    params: JoinNetworkParams,
    options: CallOptions = {},
  ): Promise<JoinNetworkResult> {
    const node = this.#requireNode();
    const msg: JsonObject = { type: 'join_network', node_id: node, network_id: params.networkId };
    if (params.token !== undefined) msg['token'] = params.token;
    if (params.inviterId !== undefined) msg['inviter_id'] = params.inviterId;
    if (params.adminToken !== undefined) msg['admin_token'] = params.adminToken;
    const r = await this.request(
      await this.#sign(msg, challenges.joinNetwork(node, params.networkId)),
      options,
    );
    return { networkId: num(r, 'network_id'), address: str(r, 'address') };
  }

  /** `leave_network` (signed `leave_network:<node>:<net>`, or admin token). */
  async leaveNetwork(
    networkId: number,
    options: CallOptions & { readonly adminToken?: string } = {},
  ): Promise<void> {
    const node = this.#requireNode();
    const msg: JsonObject = { type: 'leave_network', node_id: node, network_id: networkId };
    if (options.adminToken !== undefined) msg['admin_token'] = options.adminToken;
    await this.request(await this.#sign(msg, challenges.leaveNetwork(node, networkId)), options);
  }

  /** `invite_to_network` (signed `invite:<inviter>:<net>:<target>`): this node invites `target`. */
  async inviteToNetwork(
    networkId: number,
    target: number,
    options: CallOptions = {},
  ): Promise<void> {
    const node = this.#requireNode();
    const msg: JsonObject = {
      type: 'invite_to_network',
      network_id: networkId,
      inviter_id: node,
      target_node_id: target,
    };
    await this.request(await this.#sign(msg, challenges.invite(node, networkId, target)), options);
  }

  /** `poll_invites` (signed `poll_invites:<node>`): invitations waiting for an answer. */
  async pollInvites(options: CallOptions = {}): Promise<NetworkInvite[]> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign({ type: 'poll_invites', node_id: node }, challenges.pollInvites(node)),
      options,
    );
    return objects(r, 'invites').map((i) => ({
      networkId: num(i, 'network_id'),
      networkName: str(i, 'network_name'),
      inviterId: num(i, 'inviter_id'),
      timestamp: num(i, 'timestamp'),
    }));
  }

  /**
   * `respond_invite` (signed `respond_invite:<node>:<net>`): accepting joins the network.
   * @returns the node's address in the network when accepted.
   */
  async respondInvite(
    networkId: number,
    accept: boolean,
    options: CallOptions = {},
  ): Promise<string | undefined> {
    const node = this.#requireNode();
    const r = await this.request(
      await this.#sign(
        { type: 'respond_invite', node_id: node, network_id: networkId, accept },
        challenges.respondInvite(node, networkId),
      ),
      options,
    );
    return typeof r['address'] === 'string' ? r['address'] : undefined;
  }

  // ---------------------------------------------------------------- network administration

  /**
   * Builds an administrative request: with `adminToken` it carries the token, otherwise this node
   * signs `<type>:<node>:<net>` (the registry then checks its RBAC role).
   */
  async #adminMsg(
    type: string,
    networkId: number,
    fields: JsonObject,
    adminToken: string | undefined,
  ): Promise<JsonObject> {
    const msg: JsonObject = { type, network_id: networkId, ...fields };
    if (adminToken !== undefined && adminToken !== '') {
      msg['admin_token'] = adminToken;
      if (this.#nodeId !== undefined) msg['node_id'] = this.#nodeId;
      return msg;
    }
    const node = this.#requireNode();
    msg['node_id'] = node;
    return await this.#sign(msg, networkChallenges.admin(type, node, networkId));
  }

  /** `delete_network` (owner, or admin token): every member leaves and the network is removed. */
  async deleteNetwork(networkId: number, options: AdminCallOptions = {}): Promise<void> {
    await this.request(
      await this.#adminMsg('delete_network', networkId, {}, options.adminToken),
      options,
    );
  }

  /** `rename_network` (owner/admin, or admin token). */
  async renameNetwork(
    networkId: number,
    name: string,
    options: AdminCallOptions = {},
  ): Promise<void> {
    await this.request(
      await this.#adminMsg('rename_network', networkId, { name }, options.adminToken),
      options,
    );
  }

  /** `set_network_enterprise` (owner, or admin token). */
  async setNetworkEnterprise(
    networkId: number,
    enterprise: boolean,
    options: AdminCallOptions = {},
  ): Promise<void> {
    await this.request(
      await this.#adminMsg('set_network_enterprise', networkId, { enterprise }, options.adminToken),
      options,
    );
  }

  /**
   * `promote_member` / `demote_member` / `kick_member` (owner; kick also admin) on `target`.
   * @returns the target's role afterwards (`admin`, `member`), or `removed` for a kick.
   */
  async changeMember(
    action: 'promote' | 'demote' | 'kick',
    networkId: number,
    target: number,
    options: AdminCallOptions = {},
  ): Promise<string> {
    const type = `${action}_member`;
    const r = await this.request(
      await this.#adminMsg(type, networkId, { target_node_id: target }, options.adminToken),
      options,
    );
    return typeof r['role'] === 'string' ? r['role'] : 'removed';
  }

  /** `transfer_ownership` (owner, or admin token): `newOwner` must be a member. */
  async transferOwnership(
    networkId: number,
    newOwner: number,
    options: AdminCallOptions = {},
  ): Promise<void> {
    await this.request(
      await this.#adminMsg(
        'transfer_ownership',
        networkId,
        { new_owner_id: newOwner },
        options.adminToken,
      ),
      options,
    );
  }

  /** `get_member_role`: `owner`, `admin` or `member`. */
  async getMemberRole(
    networkId: number,
    target: number,
    options: CallOptions = {},
  ): Promise<string> {
    const r = await this.request(
      { type: 'get_member_role', network_id: networkId, target_node_id: target },
      options,
    );
    return str(r, 'role');
  }

  /**
   * `set_member_tags`: tags of `target` (default: this node) in a network. Without an admin token
   * this node signs `set_member_tags:<node>:<net>:<target>`.
   * @returns the normalised tags.
   */
  async setMemberTags(
    networkId: number,
    tags: readonly string[],
    options: AdminCallOptions & { readonly target?: number } = {},
  ): Promise<string[]> {
    const msg: JsonObject = { type: 'set_member_tags', network_id: networkId, tags: [...tags] };
    let signed = msg;
    if (options.adminToken !== undefined && options.adminToken !== '') {
      msg['admin_token'] = options.adminToken;
      if (this.#nodeId !== undefined) msg['node_id'] = this.#nodeId;
      msg['target_node_id'] = options.target ?? this.#requireNode();
    } else {
      const node = this.#requireNode();
      const target = options.target ?? node;
      msg['node_id'] = node;
      msg['target_node_id'] = target;
      signed = await this.#sign(msg, networkChallenges.memberTags(node, networkId, target));
    }
    return strings(await this.request(signed, options), 'tags');
  }

  /** `get_member_tags` of one node. */
  async getMemberTags(
    networkId: number,
    target: number,
    options: CallOptions = {},
  ): Promise<string[]> {
    const r = await this.request(
      { type: 'get_member_tags', network_id: networkId, target_node_id: target },
      options,
    );
    return strings(r, 'tags');
  }

  /** `get_member_tags` with target 0: every member's tags, by node id. */
  async getAllMemberTags(
    networkId: number,
    options: CallOptions = {},
  ): Promise<Record<number, string[]>> {
    const r = await this.request(
      { type: 'get_member_tags', network_id: networkId, target_node_id: 0 },
      options,
    );
    const out: Record<number, string[]> = {};
    const members = r['members'];
    if (members !== null && typeof members === 'object' && !Array.isArray(members)) {
      for (const [id, tags] of Object.entries(members as Record<string, unknown>))
        if (Array.isArray(tags)) out[Number(id)] = tags.filter((t) => typeof t === 'string');
    }
    return out;
  }

  /** `set_network_policy` (owner/admin, or admin token): the legacy policy fields. */
  async setNetworkPolicy(
    networkId: number,
    policy: NetworkPolicy,
    options: AdminCallOptions = {},
  ): Promise<NetworkPolicy> {
    const fields: JsonObject = {};
    if (policy.maxMembers !== undefined) fields['max_members'] = policy.maxMembers;
    if (policy.allowedPorts !== undefined) fields['allowed_ports'] = [...policy.allowedPorts];
    if (policy.description !== undefined) fields['description'] = policy.description;
    const r = await this.request(
      await this.#adminMsg('set_network_policy', networkId, fields, options.adminToken),
      options,
    );
    return networkPolicyOf(r);
  }

  /** `get_network_policy`. */
  async getNetworkPolicy(networkId: number, options: CallOptions = {}): Promise<NetworkPolicy> {
    return networkPolicyOf(
      await this.request({ type: 'get_network_policy', network_id: networkId }, options),
    );
  }

  /** `set_expr_policy` (owner/admin, or admin token): the policy document as JSON text; '' clears. */
  async setExprPolicy(
    networkId: number,
    policyJson: string,
    options: AdminCallOptions = {},
  ): Promise<void> {
    await this.request(
      await this.#adminMsg(
        'set_expr_policy',
        networkId,
        { expr_policy: policyJson },
        options.adminToken,
      ),
      options,
    );
  }

  /**
   * `get_expr_policy`: the policy a daemon runs for the network (`source` says whether it is the
   * expression policy, converted managed-network rules or allowed ports; '' and `none` for none).
   */
  async getExprPolicy(networkId: number, options: CallOptions = {}): Promise<ExprPolicyResult> {
    const r = await this.request({ type: 'get_expr_policy', network_id: networkId }, options);
    return { policyJson: str(r, 'expr_policy'), source: str(r, 'source') || 'expr' };
  }

  /** `get_audit_log` (admin token): newest first. */
  async getAuditLog(
    adminToken: string,
    options: CallOptions & { readonly networkId?: number; readonly limit?: number } = {},
  ): Promise<AuditLogEntry[]> {
    const msg: JsonObject = { type: 'get_audit_log', admin_token: adminToken };
    if (options.networkId !== undefined) msg['network_id'] = options.networkId;
    if (options.limit !== undefined) msg['limit'] = options.limit;
    return objects(await this.request(msg, options), 'entries').map((e) => ({
      timestamp: str(e, 'timestamp'),
      action: str(e, 'action'),
      ...(typeof e['network_id'] === 'number' ? { networkId: e['network_id'] } : {}),
      ...(typeof e['node_id'] === 'number' ? { nodeId: e['node_id'] } : {}),
      ...(typeof e['details'] === 'string' ? { details: e['details'] } : {}),
    }));
  }

  /** `provision_network` (admin token): creates or updates a network from a blueprint. */
  async provisionNetwork(
    blueprint: Readonly<Record<string, unknown>>,
    adminToken: string,
    options: CallOptions = {},
  ): Promise<ProvisionResult> {
    const r = await this.request(
      { type: 'provision_network', blueprint: { ...blueprint }, admin_token: adminToken },
      options,
    );
    return {
      networkId: num(r, 'network_id'),
      name: str(r, 'name'),
      created: r['created'] === true,
      unmatchedRoles: Array.isArray(r['unmatched_roles']) ? strings(r, 'unmatched_roles') : [],
    };
  }

  // ---------------------------------------------------------------- beacons

  /** `beacon_register` (admin token): announce a beacon; entries expire after 60 s. */
  async beaconRegister(
    beaconId: number,
    addr: string,
    adminToken: string,
    options: CallOptions = {},
  ): Promise<void> {
    await this.request(
      { type: 'beacon_register', beacon_id: beaconId, addr, admin_token: adminToken },
      options,
    );
  }

  /** `beacon_list`: live beacons. */
  async beaconList(options: CallOptions = {}): Promise<BeaconInfo[]> {
    const r = await this.request({ type: 'beacon_list' }, options);
    return objects(r, 'beacons').map((b) => ({ id: num(b, 'id'), addr: str(b, 'addr') }));
  }

  // ---------------------------------------------------------------- internals

  #requireNode(): number {
    if (this.#nodeId === undefined) {
      throw new RegistryClientError(
        'NO_IDENTITY',
        'this call needs the node id: call register() first or pass nodeId',
      );
    }
    return this.#nodeId;
  }

  async #signRaw(challenge: string): Promise<Uint8Array | undefined> {
    if (!this.#signer) return undefined;
    return await this.#signer(challenge);
  }

  #signed(msg: JsonObject, sig: Uint8Array | undefined): JsonObject {
    if (sig) {
      msg['signature'] = toBase64(sig);
      if (this.#envelopes) this.#enveloped.add(msg);
    }
    return msg;
  }

  /**
   * `message` with a fresh request envelope signed by this node (node 0 while registering):
   * timestamp now, new nonce, SHA-256 of the request without its signature fields.
   */
  async #envelope(message: JsonObject): Promise<JsonObject> {
    const signer = this.#signer;
    if (!signer) return message;
    const node = message['type'] === 'register' ? 0 : (this.#nodeId ?? 0);
    const text = canonicalEnvelope({
      network: 0,
      node,
      timestamp: Math.floor(this.#clock() / 1000),
      nonce: randomBytes(8).toString('hex'),
      bodyHash: hashRequestBody(message),
      audience: REGISTRY_AUDIENCE,
    });
    return {
      ...message,
      [ENVELOPE_FIELDS.envelope]: text,
      [ENVELOPE_FIELDS.signature]: toBase64(await signer(text)),
    };
  }

  async #sign(msg: JsonObject, challenge: string): Promise<JsonObject> {
    return this.#signed(msg, await this.#signRaw(challenge));
  }

  /**
   * Serialises calls, connects on demand, and on a dropped connection reconnects and sends the
   * call once more: always when its request was never written (TRANSPORT), and after
   * CONNECTION_LOST only when `requestType` is safe to repeat (see retry-policy.ts).
   */
  #run<T>(
    op: (conn: RegistryConnection) => Promise<T>,
    options: CallOptions,
    requestType: string | undefined,
  ): Promise<T> {
    const next = this.#queue.then(async () => {
      if (this.#closed) throw new RegistryClientError('CLOSED', 'registry client closed');
      const conn = await this.#ensure(options);
      try {
        return await op(conn);
      } catch (err) {
        const resend =
          err instanceof RegistryClientError &&
          (err.code === 'TRANSPORT' ||
            (err.code === 'CONNECTION_LOST' &&
              requestType !== undefined &&
              resendAfterConnectionLoss(requestType)));
        if (!resend || this.#closed) throw err;
        this.#logger.warn('registry transport failure, reconnecting', { error: err.message });
        this.#conn?.destroy(err);
        this.#conn = undefined;
        return await op(await this.#ensure(options));
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Connects on demand. Each attempt tries every registry address once, starting with the one
   * last used; attempts are separated by the backoff delay.
   */
  async #ensure(options: CallOptions): Promise<RegistryConnection> {
    if (this.#conn && !this.#conn.closed) return this.#conn;
    this.#conn = undefined;
    let delay = this.#initialDelayMs;
    let lastErr: Error | undefined;
    for (let attempt = 0; attempt < this.#attempts; attempt++) {
      for (let tried = 0; tried < this.#addresses.length; tried++) {
        if (options.signal?.aborted)
          throw new RegistryClientError('ABORTED', 'registry call aborted', {
            cause: options.signal.reason,
          });
        if (this.#closed) throw new RegistryClientError('CLOSED', 'registry client closed');
        const { host, port } = this.#addresses[this.#current];
        try {
          const conn = await RegistryConnection.open(
            host,
            port,
            this.#binary,
            this.#connectTimeoutMs,
            this.#tls,
            (error) => this.#dropped(formatHostPort(host, port), error),
          );
          // close() ran while connecting: do not keep a socket nobody will close.
          if (this.#closed) {
            conn.destroy();
            throw new RegistryClientError('CLOSED', 'registry client closed');
          }
          this.#conn = conn;
          return conn;
        } catch (err) {
          if (err instanceof RegistryClientError && (err.code === 'CLOSED' || err.code === 'TLS'))
            throw err;
          lastErr = err as Error;
          this.#logger.debug('registry connect failed', {
            attempt: attempt + 1,
            address: formatHostPort(host, port),
            error: lastErr.message,
          });
          this.#current = (this.#current + 1) % this.#addresses.length;
        }
      }
      if (attempt + 1 < this.#attempts) {
        await sleep(delay, options.signal, this.#closeController.signal);
        delay = Math.min(delay * 2, this.#maxDelayMs);
      }
    }
    throw new RegistryClientError(
      'TRANSPORT',
      `could not reach the registry at ${this.#addresses.map((a) => formatHostPort(a.host, a.port)).join(', ')} after ${this.#attempts} attempts`,
      { cause: lastErr },
    );
  }

  /** The registry ended the connection: tell the owner (never after close(); a throw is logged). */
  #dropped(address: string, error: RegistryClientError): void {
    if (this.#closed || this.#onConnectionLost === undefined) return;
    try {
      this.#onConnectionLost({ address, error });
    } catch (err) {
      this.#logger.warn('onConnectionLost listener threw', { error: String(err) });
    }
  }

  async #json(
    conn: RegistryConnection,
    message: JsonObject,
    options: CallOptions,
  ): Promise<JsonObject> {
    const type = message['type'] as string;
    const wire = this.#enveloped.has(message) ? await this.#envelope(message) : message;
    const bytes = this.#binary
      ? encodeFrame(MsgType.JSON, new TextEncoder().encode(JSON.stringify(wire)))
      : encodeMessage(wire);
    const body = await conn.exchange(bytes, options.timeoutMs ?? this.#timeoutMs, options.signal);
    let json: Uint8Array = body;
    if (this.#binary) {
      const frameType = body[0];
      if (frameType === MsgType.ERROR)
        throw new RegistryRemoteError(type, decodeError(body.subarray(1)));
      if (frameType !== MsgType.JSON) {
        conn.destroy();
        throw new RegistryClientError(
          'PROTOCOL',
          `unexpected frame type 0x${(frameType ?? 0).toString(16)} for a JSON request`,
        );
      }
      json = body.subarray(1);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(utf8.decode(json));
    } catch (err) {
      throw new RegistryClientError('PROTOCOL', 'registry sent invalid JSON', { cause: err });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new RegistryClientError('PROTOCOL', 'registry sent a JSON value that is not an object');
    }
    const obj = parsed as JsonObject;
    if (typeof obj['error'] === 'string')
      throw new RegistryRemoteError(type, obj['error'], obj['code']);
    if (typeof obj['type'] !== 'string')
      throw new RegistryClientError('PROTOCOL', 'registry response has no "type" field');
    if (obj['type'] === 'error') throw new RegistryRemoteError(type, 'request failed', obj['code']);
    return obj;
  }

  async #frame(
    conn: RegistryConnection,
    name: string,
    type: number,
    payload: Uint8Array,
    expect: number,
    options: CallOptions,
  ): Promise<Uint8Array> {
    const body = await conn.exchange(
      encodeFrame(type, payload),
      options.timeoutMs ?? this.#timeoutMs,
      options.signal,
    );
    const got = body[0];
    if (got === MsgType.ERROR) throw new RegistryRemoteError(name, decodeError(body.subarray(1)));
    if (got !== expect) {
      conn.destroy();
      throw new RegistryClientError(
        'PROTOCOL',
        `unexpected frame type 0x${(got ?? 0).toString(16)} for ${name}`,
      );
    }
    return body.subarray(1);
  }
}

/** Waits `ms`, rejecting early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined, closed: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      closed.removeEventListener('abort', onClose);
    };
    const timer = setTimeout(() => {
      done();
      resolve();
    }, ms);
    const onAbort = (): void => {
      done();
      reject(
        new RegistryClientError('ABORTED', 'registry call aborted', { cause: signal?.reason }),
      );
    };
    const onClose = (): void => {
      done();
      reject(new RegistryClientError('CLOSED', 'registry client closed'));
    };
    if (closed.aborted) return onClose();
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    closed.addEventListener('abort', onClose, { once: true });
  });
}

/** The legacy policy fields of a `*_network_policy_ok` reply. */
function networkPolicyOf(r: JsonObject): NetworkPolicy {
  return {
    maxMembers: typeof r['max_members'] === 'number' ? r['max_members'] : 0,
    allowedPorts: Array.isArray(r['allowed_ports'])
      ? r['allowed_ports'].filter((p): p is number => typeof p === 'number')
      : [],
    description: typeof r['description'] === 'string' ? r['description'] : '',
  };
}
