import type { AuditEntry, Inbox, NetworkRecord, NodeRecord } from '../state/records.js';

/** Everything a store holds, as loaded at start-up. */
export interface StoredState {
  /** Registered nodes. */
  readonly nodes: NodeRecord[];
  /** Custom networks. */
  readonly networks: NetworkRecord[];
  /** Public key (base64) → node id; survives deregistration and reaping. */
  readonly keyIndex: [string, number][];
  /** Owner → node id; survives deregistration and reaping. */
  readonly ownerIndex: [string, number][];
  /** Trust pairs `"min:max"`. */
  readonly trustPairs: string[];
  /** Handshake inboxes per node. */
  readonly inboxes: [number, Inbox][];
  /** Counters such as `next_node` and `next_net`. */
  readonly meta: Record<string, number>;
  /** The newest audit entries, oldest first (absent in stores written before the audit log). */
  readonly audit?: AuditEntry[];
}

/** One change; a batch of them is applied atomically. */
export type StoreWrite =
  | { readonly kind: 'node'; readonly node: NodeRecord }
  | { readonly kind: 'deleteNode'; readonly id: number }
  | { readonly kind: 'lastSeen'; readonly entries: readonly (readonly [number, number])[] }
  | { readonly kind: 'keyIndex'; readonly publicKey: string; readonly nodeId: number | undefined }
  | { readonly kind: 'ownerIndex'; readonly owner: string; readonly nodeId: number | undefined }
  | { readonly kind: 'trust'; readonly pair: string; readonly present: boolean }
  | { readonly kind: 'network'; readonly network: NetworkRecord }
  | { readonly kind: 'deleteNetwork'; readonly id: number }
  | { readonly kind: 'inbox'; readonly nodeId: number; readonly inbox: Inbox | undefined }
  | { readonly kind: 'meta'; readonly key: string; readonly value: number }
  | { readonly kind: 'audit'; readonly entry: AuditEntry };

/**
 * Durable storage behind the registry. `apply` must be atomic and durable when its promise
 * resolves: the server acknowledges a request only after its writes were applied. The server
 * keeps the state in memory as a cache and runs one writing request at a time.
 *
 * A store shared by several registry instances (PostgreSQL) also reports the other instances'
 * writes through `subscribe`, refuses a write made from a stale cache with an error whose `code`
 * is `STALE_CACHE` (the request is then re-run once `caughtUp` resolves), and answers `lastSeen`
 * so an instance does not reap a node that heartbeats through another one.
 */
export interface RegistryStore {
  /** Reads the whole state (called once at start-up). */
  load(): StoredState | Promise<StoredState>;
  /** Applies a batch of writes atomically and durably. */
  apply(writes: readonly StoreWrite[]): Promise<void>;
  /** Flushes and closes. */
  close(): void | Promise<void>;
  /**
   * Shared stores: calls `listener` with other instances' writes, rows as now stored, and
   * `reset` with the whole state after changes may have been missed (connection lost).
   */
  subscribe?(listener: (change: StoreWrite) => void, reset: (state: StoredState) => void): void;
  /**
   * Shared stores: resolves once every write committed so far was reported to the listener,
   * holding other writers back until the next `apply` (or `release`).
   */
  caughtUp?(): Promise<void>;
  /** Shared stores: lets other writers go when the re-run after `caughtUp` wrote nothing. */
  release?(): void;
  /** Shared stores: the stored last-seen times of these nodes (missing ones are left out). */
  lastSeen?(ids: readonly number[]): Promise<[number, number][]>;
  /** Shared stores: takes a registration token from the bucket every instance shares. */
  takeToken?(key: string, now: number, limit: number, windowMs: number): Promise<boolean>;
}
