/**
 * Policy event types the engine evaluates policies against: gate events `connect` (inbound
 * SYN), `dial` (outbound SYN) and `datagram`; action events `join`, `leave` and `cycle`.
 */
export const PolicyEvent = {
  /** Inbound SYN. */
  connect: 'connect',
  /** Outbound SYN. */
  dial: 'dial',
  /** Inbound or outbound datagram. */
  datagram: 'datagram',
  /** A node joined the network. */
  join: 'join',
  /** A node left the network. */
  leave: 'leave',
  /** The policy's periodic cycle timer fired. */
  cycle: 'cycle',
} as const;

/** One of the {@link PolicyEvent} values. */
export type PolicyEventType = (typeof PolicyEvent)[keyof typeof PolicyEvent];

/** Direction of the traffic a port gate is asked about. */
export type PolicyDirection = 'inbound' | 'outbound';

/** Arguments of {@link PolicyRunner.evaluatePortGate}. */
export interface PortGateRequest {
  /** The gate event: `connect`, `dial` or `datagram`. */
  readonly event: PolicyEventType;
  /** The virtual port concerned. */
  readonly port: number;
  /** The remote peer's node id. */
  readonly peerNodeId: number;
  /** Payload size in bytes (datagrams), 0 otherwise. */
  readonly payloadSize: number;
  /** Traffic direction. */
  readonly direction: PolicyDirection;
  /** This node's tags in the network. */
  readonly localTags: readonly string[];
  /** The peer's tags, as the registry reports them. */
  readonly peerTags: readonly string[];
}

/** A running policy for one network. */
export interface PolicyRunner {
  /** The network this policy governs. */
  readonly networkId: number;
  /** Whether `peerNodeId` is a member of the network. */
  hasMember(peerNodeId: number): boolean;
  /** `true` to allow the traffic described by `request`. */
  evaluatePortGate(request: PortGateRequest): boolean;
  /** Runs the policy's actions for an action event with its expression context. */
  evaluateActions(event: PolicyEventType, context: Readonly<Record<string, unknown>>): void;
  /** A JSON-shaped status snapshot for `info` / IPC. */
  status(): Record<string, unknown>;
  /** The members as JSON-shaped records. */
  peerList(): Record<string, unknown>[];
  /** Runs one cycle now and returns its report. */
  forceCycle(): Promise<Record<string, unknown>>;
  /** Reconciles membership with the registry now. */
  reconcileNow(): Promise<void>;
  /** The policy document as JSON text. */
  policyJson(): string;
  /** Stops timers and background work. Idempotent. */
  stop(): Promise<void>;
}

/** Owns the per-network policy runners (the policy plugin registers one). */
export interface PolicyManager {
  /** Starts (or replaces) the policy of `networkId` from its JSON document. */
  start(networkId: number, policyJson: string): Promise<PolicyRunner>;
  /** Stops the policy of `networkId`; no-op when none runs. */
  stop(networkId: number): Promise<void>;
  /** The runner of `networkId`, if one runs. */
  get(networkId: number): PolicyRunner | undefined;
  /** Every running runner. */
  all(): PolicyRunner[];
  /** Stops every runner. */
  stopAll(): Promise<void>;
  /** Starts every policy persisted under the state directory. */
  loadPersisted(): Promise<void>;
}
