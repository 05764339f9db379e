import type { RegistryClientError } from './errors.js';

/**
 * Signs one challenge string with the node's Ed25519 identity and returns the 64-byte signature.
 * The client calls it once per signed request; see `challenges` for the exact strings.
 */
export type RegistrySigner = (challenge: string) => Promise<Uint8Array> | Uint8Array;

/** Per-call options. */
export interface CallOptions {
  /** Abort the call; the connection is dropped because request and response must alternate. */
  readonly signal?: AbortSignal;
  /** Deadline for this call in milliseconds. @default the client's `timeoutMs` */
  readonly timeoutMs?: number;
}

/** Structured log sink (JSON-line friendly); the default drops everything. */
export interface RegistryClientLogger {
  /** Debug-level event. */
  debug(msg: string, fields?: Record<string, unknown>): void;
  /** Something went wrong but the client carries on (e.g. a reconnect). */
  warn(msg: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link RegistryClient}. */
export interface RegistryClientOptions {
  /** Registry host. @default '127.0.0.1' */
  readonly host?: string;
  /** Registry TCP port (ignored when `addresses` is given). */
  readonly port: number;
  /**
   * Several registry instances serving one registry (shared PostgreSQL store): connects to the
   * first that answers and, when a connection fails, moves on to the next one. Overrides
   * `host`/`port`.
   */
  readonly addresses?: readonly { readonly host: string; readonly port: number }[];
  /** Talk TLS to the registry (system roots unless a fingerprint is pinned). */
  readonly tls?: RegistryTlsClientOptions;
  /**
   * `binary`: PILT preamble, native heartbeat/lookup/resolve frames, JSON passthrough for the rest.
   * `json`: plain `[4B length][JSON]` messages for everything (older registries).
   * @default 'binary'
   */
  readonly mode?: 'binary' | 'json';
  /** Signs challenge strings with the node identity; unsigned requests are sent without it. */
  readonly signer?: RegistrySigner;
  /**
   * Send a request envelope (timestamp, nonce, body hash) beside each legacy challenge signature.
   * `false` sends only the legacy signature, as Go clients do: those requests can be replayed, and
   * the mesh registry refuses `set_visibility` and `rotate_key` without an envelope. @default true
   */
  readonly envelopes?: boolean;
  /** Clock for envelope timestamps, unix ms (tests with a simulated registry clock). @default Date.now */
  readonly clock?: () => number;
  /** This node's id, if already known; `register()` sets it. */
  readonly nodeId?: number;
  /** Deadline of each call in milliseconds. @default 30000 */
  readonly timeoutMs?: number;
  /** Deadline of one TCP connect in milliseconds. @default 5000 */
  readonly connectTimeoutMs?: number;
  /**
   * Reconnect policy when the connection fails. The failed call is sent once more when that is
   * safe (see the README's retry table); otherwise it fails with `CONNECTION_LOST`.
   */
  readonly reconnect?: ReconnectOptions;
  /** Log sink. @default no-op */
  readonly logger?: RegistryClientLogger;
  /**
   * Called when the registry closes the client's connection or the socket fails, at once and
   * whether or not a call is in flight (an idle client would otherwise learn it only at its next
   * call). Not called when the client drops the connection itself (a call's timeout or abort,
   * `close()`). The client reconnects on its next call as usual; an owner uses this to make that
   * call early, e.g. a daemon re-registering with a restarted registry.
   */
  readonly onConnectionLost?: (event: RegistryConnectionLost) => void;
}

/** What {@link RegistryClientOptions.onConnectionLost} is told. */
export interface RegistryConnectionLost {
  /** The registry the connection went to, `host:port`. */
  readonly address: string;
  /** Why it ended (`TRANSPORT`: the registry closed it, or the socket failed). */
  readonly error: RegistryClientError;
}

/** TLS settings of {@link RegistryClientOptions}. */
export interface RegistryTlsClientOptions {
  /**
   * SHA-256 of the registry's leaf certificate (DER), hex with or without colons. When set, the
   * certificate chain is not checked against the system roots; only the pin counts, as with the
   * existing network's clients.
   */
  readonly fingerprint?: string;
  /** Name to verify the certificate against (system-roots mode). @default the host */
  readonly servername?: string;
}

/** Reconnect with exponential backoff. */
export interface ReconnectOptions {
  /** Connect attempts per reconnect. @default 5 */
  readonly attempts?: number;
  /** First delay between attempts, in ms; doubles each time. @default 500 */
  readonly initialDelayMs?: number;
  /** Largest delay between attempts, in ms. @default 10000 */
  readonly maxDelayMs?: number;
}

/** Input of `register`. */
export interface RegisterParams {
  /** The node's UDP listen address `host:port`; the registry keeps only the port. */
  readonly listenAddr: string;
  /** Base64 (standard) Ed25519 public key, 32 bytes. */
  readonly publicKey: string;
  /** Owner / e-mail used for key recovery. */
  readonly owner?: string;
  /** Hostname to claim; a taken or invalid name does not fail registration. */
  readonly hostname?: string;
  /** LAN addresses (`ip:port`) shared with peers allowed to resolve this node. */
  readonly lanAddrs?: readonly string[];
  /** Software version string. */
  readonly version?: string;
  /** Hide the real address; the node is reachable only via relay. */
  readonly relayOnly?: boolean;
  /**
   * Base64 signature by the current key of the node that holds `owner` over
   * `challenges.rebind(thatNodeId, publicKey)`: lets this new key take over that node id.
   */
  readonly rebindSignature?: string;
}

/** Result of `register`. */
export interface RegisterResult {
  /** Assigned node id (stable for a public key). */
  readonly nodeId: number;
  /** Always 0 (backbone). */
  readonly networkId: number;
  /** Text address `0:0000.HHHH.LLLL`. */
  readonly address: string;
  /** The registered public key (base64). */
  readonly publicKey: string;
  /** Claimed hostname, when it was accepted. */
  readonly hostname?: string;
  /** Why the hostname was not accepted. */
  readonly hostnameError?: string;
  /** Why the owner string was not taken (another node holds it). */
  readonly ownerError?: string;
  /**
   * The key is known but the request proved nothing (no valid signature): the registry returned
   * the id and changed nothing.
   */
  readonly unchanged?: boolean;
}

/** Result of `report_trust`. */
export interface ReportTrustResult {
  /** The peer has not consented yet: the pair is made when it does. */
  readonly pending: boolean;
}

/** Result of `lookup`: public facts about a node. */
export interface NodeInfo {
  /** Node id. */
  readonly nodeId: number;
  /** Text address on the backbone. */
  readonly address: string;
  /** Networks the node belongs to (0 = backbone). */
  readonly networks: readonly number[];
  /** Base64 Ed25519 public key ('' when none). */
  readonly publicKey: string;
  /** Whether the node's endpoint is visible to anyone. */
  readonly public: boolean;
  /** Hostname ('' when none). */
  readonly hostname: string;
  /** Tags. */
  readonly tags: readonly string[];
  /** Whether the node accepts tasks. */
  readonly taskExec: boolean;
  /** Endpoint `ip:port`, only for public nodes ('' otherwise). */
  readonly realAddr: string;
  /** External identity id ('' when none). */
  readonly externalId: string;
}

/** Result of `resolve`: how to reach a node. */
export interface ResolveResult {
  /** Node id. */
  readonly nodeId: number;
  /** Endpoint `ip:port`. */
  readonly realAddr: string;
  /** LAN endpoints. */
  readonly lanAddrs: readonly string[];
  /** Days since the node's key was registered or rotated; −1 when unknown. */
  readonly keyAgeDays: number;
}

/** Result of `heartbeat`. */
export interface HeartbeatResult {
  /** Registry clock, unix seconds. */
  readonly time: number;
  /** The node's key expires soon (or has expired): rotate it. */
  readonly keyExpiryWarning: boolean;
}

/** Result of `resolveHostname`. */
export interface HostnameResolution {
  /** Node id. */
  readonly nodeId: number;
  /** Text address. */
  readonly address: string;
  /** Whether the node is public. */
  readonly public: boolean;
  /** The hostname. */
  readonly hostname: string;
}

/** A relayed handshake request waiting in a node's inbox. */
export interface HandshakeRequest {
  /** Requesting node. */
  readonly fromNodeId: number;
  /** Free text from the requester. */
  readonly justification: string;
  /** Unix seconds when it was queued. */
  readonly timestamp: number;
}

/** A relayed answer to one of this node's handshake requests. */
export interface HandshakeResponse {
  /** Responding node. */
  readonly fromNodeId: number;
  /** Whether it accepted. */
  readonly accept: boolean;
  /** Unix seconds when it was queued. */
  readonly timestamp: number;
}

/** Result of `pollHandshakes` (both inboxes are emptied by the poll). */
export interface PollHandshakesResult {
  /** Requests addressed to this node. */
  readonly requests: readonly HandshakeRequest[];
  /** Answers to this node's requests. */
  readonly responses: readonly HandshakeResponse[];
}

/** Result of `punch`. */
export interface PunchResult {
  /** First node. */
  readonly nodeA: number;
  /** Its endpoint. */
  readonly nodeAAddr: string;
  /** Second node. */
  readonly nodeB: number;
  /** Its endpoint. */
  readonly nodeBAddr: string;
}

/** One entry of `listNetworks`. */
export interface NetworkSummary {
  /** Network id. */
  readonly id: number;
  /** Network name. */
  readonly name: string;
  /** `open`, `token` or `invite`. */
  readonly joinRule: string;
  /** Member count (only with a valid admin token). */
  readonly members?: number;
}

/** One entry of `listNodes`. */
export interface NodeListing {
  /** Node id. */
  readonly nodeId: number;
  /** Network-scoped text address. */
  readonly address: string;
  /** Hostname, if any. */
  readonly hostname?: string;
  /** Tags, if any. */
  readonly tags?: readonly string[];
  /** Whether the node accepts tasks. */
  readonly taskExec?: boolean;
  /** Endpoint, only for public nodes. */
  readonly realAddr?: string;
}

/** Input of `createNetwork`. */
export interface CreateNetworkParams {
  /** Network name (`[a-z0-9]` with inner `-`, 1–63 chars, not `backbone`). */
  readonly name: string;
  /** `open`, `token` or `invite`. @default 'open' */
  readonly joinRule?: 'open' | 'token' | 'invite';
  /** Join token, required for `token`. */
  readonly token?: string;
  /** Managed-network rules (validated by the registry), as a plain object. */
  readonly rules?: Readonly<Record<string, unknown>>;
  /** Admin token; required. */
  readonly adminToken: string;
  /** Creator node to add as first member. @default the client's node id */
  readonly nodeId?: number;
}

/** Input of `joinNetwork`. */
export interface JoinNetworkParams {
  /** Network id. */
  readonly networkId: number;
  /** Join token (token networks). */
  readonly token?: string;
  /** A member vouching for this node (invite networks). */
  readonly inviterId?: number;
  /** Admin token; bypasses the node signature and join rules. */
  readonly adminToken?: string;
}

/** Result of `createNetwork`. */
export interface CreateNetworkResult {
  /** New network id. */
  readonly networkId: number;
  /** Its name. */
  readonly name: string;
}

/** Result of `joinNetwork`. */
export interface JoinNetworkResult {
  /** Network id. */
  readonly networkId: number;
  /** The node's address in that network. */
  readonly address: string;
}

/** A pending network invitation, as `pollInvites` returns it. */
export interface NetworkInvite {
  /** Network the node is invited to. */
  readonly networkId: number;
  /** Its name. */
  readonly networkName: string;
  /** Member who invited this node. */
  readonly inviterId: number;
  /** Unix seconds. */
  readonly timestamp: number;
}

/** Result of `rotateKey`. */
export interface RotateKeyResult {
  /** Node id (unchanged). */
  readonly nodeId: number;
  /** Text address. */
  readonly address: string;
  /** The new public key (base64). */
  readonly publicKey: string;
}

/** One live beacon. */
export interface BeaconInfo {
  /** Beacon id (≠ 0). */
  readonly id: number;
  /** Its UDP address `host:port`. */
  readonly addr: string;
}

/** Result of `getKeyInfo`. */
export interface KeyInfo {
  /** Node id. */
  readonly nodeId: number;
  /** Base64 public key. */
  readonly publicKey: string;
  /** Days since the key was registered or rotated; −1 when unknown. */
  readonly keyAgeDays: number;
  /** RFC 3339 expiry, or undefined for none. */
  readonly expiresAt?: string;
}

/** A decoded JSON response object. */
export type JsonObject = Record<string, unknown>;
