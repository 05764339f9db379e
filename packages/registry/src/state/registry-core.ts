import type { AdminTokenCheck } from '../auth/admin-token.js';
import { NonceCache } from '../auth/nonce-cache.js';
import { checkEnvelope, hasEnvelope } from '../auth/request-envelope.js';
import type { RateLimiter } from '../auth/rate-limiter.js';
import type { SignatureVerifier } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryLogger } from '../logger.js';
import type { RegistryStore, StoreWrite, StoredState } from '../store/store.js';
import type { AuditEntry, Inbox, NetworkRecord, NodeRecord } from './records.js';

/** Tunables of the registry logic. */
export interface CoreConfig {
  /** Heartbeat warning when the key expires within this many ms. */
  readonly keyExpiryWarningMs: number;
  /** Max queued handshake requests (and responses) per node. */
  readonly inboxLimit: number;
  /** Beacon entry lifetime. */
  readonly beaconTtlMs: number;
  /** Nodes silent for longer are reaped. */
  readonly staleThresholdMs: number;
}

/** Counters the handlers bump (exported as Prometheus metrics). */
export interface CoreCounters {
  registrations: number;
  deregistrations: number;
  trustReports: number;
  trustRevocations: number;
  handshakeRequests: number;
  reaped: number;
}

/** Per-request facts. */
export interface RequestContext {
  /** Source IP of the connection. */
  readonly remoteIp: string;
  /** Request time, unix ms. */
  readonly now: number;
  /** The request carried a valid admin token. */
  readonly isAdmin: boolean;
  /** A re-run after a stale-cache refusal: its registration token was already taken. */
  readonly rerun?: boolean;
  /** The JSON request being served, with what its envelope did (absent for binary frames). */
  readonly auth?: RequestAuth;
}

/** Per-request state of envelope authentication, kept across re-runs of one request. */
export interface RequestAuth {
  /** The decoded JSON request (its envelope, if any, authenticates the acting node). */
  readonly message: Record<string, unknown>;
  /** `key|nonce` pairs already claimed by this request. */
  readonly claimed: Set<string>;
  /** Nodes this request latched to envelope-only authentication; persisted before the answer. */
  readonly latched: number[];
}

/**
 * Operations never accepted with a bare (replayable) signature: a captured one would let anyone
 * publish a private node's endpoint or move its id to another key (docs/security/registry.md).
 */
const ENVELOPE_ONLY: ReadonlySet<string> = new Set(['set_visibility', 'rotate']);

/** The in-memory registry state, mirrored durably in a {@link RegistryStore}. */
export class RegistryCore {
  readonly nodes = new Map<number, NodeRecord>();
  readonly keyIndex = new Map<string, number>();
  readonly ownerIndex = new Map<string, number>();
  readonly hostnames = new Map<string, number>();
  readonly trust = new Set<string>();
  readonly networks = new Map<number, NetworkRecord>();
  readonly members = new Map<number, Set<number>>();
  readonly inboxes = new Map<number, Inbox>();
  readonly beacons = new Map<number, { addr: string; expiresAt: number }>();
  /** Request-envelope nonces within their freshness window (in memory; see docs/security/registry.md). */
  readonly nonces = new NonceCache();
  /** Newest audit entries, oldest first (see `state/audit.ts`). */
  readonly audit: AuditEntry[] = [];
  readonly counters: CoreCounters = {
    registrations: 0,
    deregistrations: 0,
    trustReports: 0,
    trustRevocations: 0,
    handshakeRequests: 0,
    reaped: 0,
  };
  nextNode = 1;
  nextNet = 1;
  /** The request currently writing (requests run one at a time while one is pending). */
  pending: Promise<unknown> | undefined;
  readonly #dirtySeen = new Set<number>();

  /** Makes `work` the pending request until it settles; returns it. */
  hold<T>(work: Promise<T>): Promise<T> {
    const done = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending = done;
    void done.then(() => {
      if (this.pending === done) this.pending = undefined;
    });
    return work;
  }

  constructor(
    readonly store: RegistryStore,
    readonly config: CoreConfig,
    readonly verifier: SignatureVerifier,
    readonly admin: AdminTokenCheck,
    readonly rateLimiter: RateLimiter | undefined,
    readonly logger: RegistryLogger,
  ) {}

  /**
   * Fills the maps from a loaded snapshot. Last-seen times are raised to `now` (in memory only):
   * the registry's own downtime must not count as node silence, or every node would be reaped at
   * the first tick after a long outage.
   */
  load(s: StoredState, now: number): void {
    for (const n of s.nodes) {
      n.lastSeen = Math.max(n.lastSeen, now);
      this.nodes.set(n.id, n);
      if (n.hostname !== '') this.hostnames.set(n.hostname, n.id);
      for (const net of n.networks) if (net !== 0) this.#members(net).add(n.id);
    }
    for (const net of s.networks) {
      this.networks.set(net.id, net);
      this.#members(net.id);
    }
    for (const [k, v] of s.keyIndex) this.keyIndex.set(k, v);
    for (const [k, v] of s.ownerIndex) this.ownerIndex.set(k, v);
    for (const p of s.trustPairs) this.trust.add(p);
    for (const [id, inbox] of s.inboxes) this.inboxes.set(id, inbox);
    this.nextNode = Math.max(s.meta['next_node'] ?? 1, 1);
    this.nextNet = Math.max(s.meta['next_net'] ?? 1, 1);
    if (s.audit) this.audit.push(...s.audit);
  }

  /**
   * Replaces the cache with a freshly loaded state (a shared store lost its change feed).
   * Last-seen times only move forward.
   */
  reset(s: StoredState, now: number): void {
    const seen = new Map<number, number>();
    for (const n of this.nodes.values()) seen.set(n.id, n.lastSeen);
    this.nodes.clear();
    this.keyIndex.clear();
    this.ownerIndex.clear();
    this.hostnames.clear();
    this.trust.clear();
    this.networks.clear();
    this.members.clear();
    this.inboxes.clear();
    this.audit.length = 0;
    this.load(s, 0);
    for (const n of this.nodes.values()) n.lastSeen = Math.max(n.lastSeen, seen.get(n.id) ?? now);
  }

  /** Takes a registration token for `ip`: shared across instances when the store offers it. */
  async allowRegistration(ip: string, now: number): Promise<boolean> {
    const limiter = this.rateLimiter;
    if (!limiter) return true;
    if (this.store.takeToken) {
      try {
        return await this.store.takeToken(ip, now, limiter.limit, limiter.windowMs);
      } catch (err) {
        throw new RegistryRequestError(
          'STORE',
          `registry store unavailable (nothing was saved; retry later): ${(err as Error).message}`,
          { cause: err },
        );
      }
    }
    return limiter.allow(ip, now);
  }

  /** Persists a batch; the request fails (and nothing is acknowledged) if the store fails. */
  async commit(writes: readonly StoreWrite[]): Promise<void> {
    try {
      await this.store.apply(writes);
    } catch (err) {
      if (err instanceof RegistryRequestError) throw err;
      this.logger.error('store write failed', { error: (err as Error).message });
      throw new RegistryRequestError(
        'STORE',
        `registry store write failed (nothing was saved; retry later): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }

  /**
   * Applies a write another registry instance committed to the shared store (rows as stored
   * now) to this instance's cache.
   */
  applyRemote(w: StoreWrite): void {
    switch (w.kind) {
      case 'node': {
        const old = this.nodes.get(w.node.id);
        w.node.lastSeen = Math.max(w.node.lastSeen, old?.lastSeen ?? 0);
        this.#index(w.node);
        break;
      }
      case 'deleteNode':
        this.#unindex(w.id);
        break;
      case 'lastSeen':
        for (const [id, t] of w.entries) {
          const n = this.nodes.get(id);
          if (n && t > n.lastSeen) n.lastSeen = t;
        }
        break;
      case 'keyIndex':
        if (w.nodeId === undefined) this.keyIndex.delete(w.publicKey);
        else this.keyIndex.set(w.publicKey, w.nodeId);
        break;
      case 'ownerIndex':
        if (w.nodeId === undefined) this.ownerIndex.delete(w.owner);
        else this.ownerIndex.set(w.owner, w.nodeId);
        break;
      case 'trust':
        if (w.present) this.trust.add(w.pair);
        else this.trust.delete(w.pair);
        break;
      case 'network':
        this.networks.set(w.network.id, w.network);
        this.#members(w.network.id);
        break;
      case 'deleteNetwork':
        this.networks.delete(w.id);
        this.members.delete(w.id);
        break;
      case 'inbox':
        if (w.inbox === undefined) this.inboxes.delete(w.nodeId);
        else this.inboxes.set(w.nodeId, w.inbox);
        break;
      case 'meta':
        if (w.key === 'next_node') this.nextNode = Math.max(this.nextNode, w.value);
        if (w.key === 'next_net') this.nextNet = Math.max(this.nextNet, w.value);
        break;
      case 'audit': {
        const last = this.audit[this.audit.length - 1];
        if (!last || w.entry.seq > last.seq) {
          this.audit.push(w.entry);
          if (this.audit.length > 10_000) this.audit.splice(0, this.audit.length - 10_000);
        }
        break;
      }
    }
  }

  /** The node, or a NOT_FOUND error naming it. */
  requireNode(id: number, message = `node ${id} not registered`): NodeRecord {
    const n = this.nodes.get(id);
    if (!n) throw new RegistryRequestError('NOT_FOUND', message);
    return n;
  }

  /**
   * Enforces the node signature rule when the registry holds a key for `node`: a request envelope
   * (JSON `envelope` + `envelope_signature`, see {@link checkEnvelope}) naming the node, or — for a
   * node that never sent an envelope, and not for `set_visibility` or `rotate_key` — the legacy
   * bare signature over `challenge`. Admin-token requests are exempt.
   */
  authorize(
    node: NodeRecord | undefined,
    challenge: string,
    signature: Uint8Array | undefined,
    ctx: RequestContext,
  ): void {
    if (ctx.isAdmin || !node || node.publicKey === '') return;
    const op = challenge.split(':')[0] ?? challenge;
    const msg = ctx.auth?.message;
    if (hasEnvelope(msg)) {
      checkEnvelope(msg, {
        verifier: this.verifier,
        nonces: this.nonces,
        publicKey: node.publicKey,
        nodes: [node.id],
        now: ctx.now,
        ...(ctx.auth ? { claimed: ctx.auth.claimed } : {}),
      });
      this.latch(node, ctx);
      return;
    }
    if (node.reqsig === true) {
      throw new RegistryRequestError(
        'UNAUTHORIZED',
        `node ${node.id} authenticates with request envelopes; a bare ${op} signature is refused (it could be a replay)`,
      );
    }
    if (ENVELOPE_ONLY.has(op)) {
      throw new RegistryRequestError(
        'UNAUTHORIZED',
        `${op} needs a request envelope (envelope, envelope_signature): a bare signature could be a replay`,
      );
    }
    if (!signature) throw new RegistryRequestError('UNAUTHORIZED', `signature required for ${op}`);
    if (!this.verifier.verify(node.publicKey, challenge, signature)) {
      throw new RegistryRequestError(
        'INVALID_SIGNATURE',
        `signature verification failed for ${op}`,
      );
    }
  }

  /**
   * Marks `node` as authenticating with envelopes from now on (in memory at once; the request's
   * dispatch persists it before answering).
   */
  latch(node: NodeRecord, ctx: RequestContext): void {
    if (node.reqsig === true) return;
    node.reqsig = true;
    ctx.auth?.latched.push(node.id);
  }

  /** Records a heartbeat time in memory; flushed in batches by {@link flushLastSeen}. */
  touch(node: NodeRecord, now: number): void {
    node.lastSeen = now;
    this.#dirtySeen.add(node.id);
  }

  /** Writes pending last-seen times in one transaction. */
  async flushLastSeen(): Promise<void> {
    if (this.#dirtySeen.size === 0) return;
    const entries: [number, number][] = [];
    for (const id of this.#dirtySeen) {
      const n = this.nodes.get(id);
      if (n) entries.push([id, n.lastSeen]);
    }
    this.#dirtySeen.clear();
    try {
      await this.store.apply([{ kind: 'lastSeen', entries }]);
    } catch (err) {
      // Not lost: marked dirty again, written at the next flush.
      for (const [id] of entries) if (this.nodes.has(id)) this.#dirtySeen.add(id);
      throw err;
    }
  }

  /** Stores a node record and indexes it (hostname, memberships). */
  async putNode(node: NodeRecord, extra: StoreWrite[] = []): Promise<void> {
    await this.commit([{ kind: 'node', node }, ...extra]);
    this.#index(node);
  }

  /** Removes a node (deregister/reap); key, owner, trust and inbox indices are kept. */
  async removeNodes(ids: readonly number[]): Promise<void> {
    const present = ids.filter((id) => this.nodes.has(id));
    if (present.length === 0) return;
    await this.commit(present.map((id) => ({ kind: 'deleteNode', id })));
    for (const id of present) this.#unindex(id);
  }

  /** Whether both nodes share a network other than the backbone. */
  shareNetwork(a: NodeRecord, b: NodeRecord): boolean {
    for (const net of a.networks) if (net !== 0 && b.networks.includes(net)) return true;
    return false;
  }

  /** Whether the pair has reported trust. */
  trusted(a: number, b: number): boolean {
    return this.trust.has(pairKey(a, b));
  }

  /** Whether `requester` may learn `target`'s endpoint. */
  mayResolve(requester: NodeRecord, target: NodeRecord): boolean {
    return (
      requester.id === target.id ||
      target.public ||
      this.trusted(requester.id, target.id) ||
      this.shareNetwork(requester, target)
    );
  }

  /** Days since the node's key was registered or rotated. */
  keyAgeDays(node: NodeRecord, now: number): number {
    return node.keyCreatedAt > 0
      ? Math.max(0, Math.floor((now - node.keyCreatedAt) / 86_400_000))
      : -1;
  }

  /** Heartbeat warning: the key expires within the warning window (or already has). */
  keyExpiryWarning(node: NodeRecord, now: number): boolean {
    return (
      node.keyExpiresAt !== undefined && node.keyExpiresAt - now <= this.config.keyExpiryWarningMs
    );
  }

  /** The node's inbox (not created). */
  inbox(id: number): Inbox {
    return this.inboxes.get(id) ?? { requests: [], responses: [] };
  }

  /** Stores an inbox, deleting it when empty. */
  inboxWrite(id: number, inbox: Inbox): StoreWrite {
    return { kind: 'inbox', nodeId: id, inbox: inboxEmpty(inbox) ? undefined : inbox };
  }

  /** Applies an inbox change in memory (after commit). */
  setInbox(id: number, inbox: Inbox): void {
    if (inboxEmpty(inbox)) this.inboxes.delete(id);
    else this.inboxes.set(id, inbox);
  }

  /** Removes nodes silent for longer than the stale threshold; returns how many. */
  async reap(now: number): Promise<number> {
    const cutoff = now - this.config.staleThresholdMs;
    let stale: number[] = [];
    for (const n of this.nodes.values()) if (n.lastSeen < cutoff) stale.push(n.id);
    if (stale.length > 0 && this.store.lastSeen) {
      // Shared stores: another instance may have heard from these nodes since.
      const fresh = await this.store.lastSeen(stale);
      for (const [id, t] of fresh) {
        const n = this.nodes.get(id);
        if (n && t > n.lastSeen) n.lastSeen = t;
      }
      stale = stale.filter((id) => (this.nodes.get(id)?.lastSeen ?? 0) < cutoff);
    }
    // Chunked, so one huge reap does not build one giant transaction.
    for (let i = 0; i < stale.length; i += 500) await this.removeNodes(stale.slice(i, i + 500));
    for (const [id, b] of this.beacons) if (b.expiresAt <= now) this.beacons.delete(id);
    this.rateLimiter?.cleanup(now);
    this.nonces.sweep(Math.floor(now / 1000));
    this.counters.reaped += stale.length;
    return stale.length;
  }

  /** Members of a custom network (created on demand). */
  membersOf(net: number): Set<number> {
    return this.#members(net);
  }

  #members(net: number): Set<number> {
    let set = this.members.get(net);
    if (!set) {
      set = new Set();
      this.members.set(net, set);
    }
    return set;
  }

  #index(node: NodeRecord): void {
    const old = this.nodes.get(node.id);
    if (old && old !== node) {
      if (old.hostname !== '' && this.hostnames.get(old.hostname) === old.id)
        this.hostnames.delete(old.hostname);
      for (const net of old.networks) if (net !== 0) this.members.get(net)?.delete(old.id);
    }
    this.nodes.set(node.id, node);
    if (node.hostname !== '') this.hostnames.set(node.hostname, node.id);
    for (const net of node.networks) if (net !== 0) this.#members(net).add(node.id);
  }

  #unindex(id: number): void {
    const old = this.nodes.get(id);
    if (!old) return;
    if (old.hostname !== '' && this.hostnames.get(old.hostname) === id)
      this.hostnames.delete(old.hostname);
    for (const net of old.networks) if (net !== 0) this.members.get(net)?.delete(id);
    this.nodes.delete(id);
    this.#dirtySeen.delete(id);
  }
}

/** Whether an inbox holds nothing at all (handshakes or invitations). */
export function inboxEmpty(inbox: Inbox): boolean {
  return (
    inbox.requests.length +
      inbox.responses.length +
      (inbox.invites?.length ?? 0) +
      (inbox.consents?.length ?? 0) ===
    0
  );
}

/** Canonical `"min:max"` key of a symmetric trust pair. */
export function pairKey(a: number, b: number): string {
  return a < b ? `${a}:${b}` : `${b}:${a}`;
}
