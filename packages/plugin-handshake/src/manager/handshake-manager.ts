// The trust handshake (reference §E.1, §E.11): port 444 messages, the decision order, the
// registry relay, revocation and the trust store. Behaviour follows Go's handshake.Manager in
// pilot-protocol/handshake (handshake.go: processMessage, handleRequest, handleAccept,
// SendRequest, processRelayedRequest, processRelayedApproval, ApproveHandshake,
// RejectHandshake, RevokeTrust, handleRevokeMsg, WaitForTrust) and the daemon's
// pollRelayedHandshakes, read for facts only.
import {
  TrustCheckerKey,
  type Connection,
  type Daemon,
  type HandshakePendingRecord,
  type HandshakeService,
  type HandshakeTrustRecord,
  type Listener,
  type Logger,
  type RegistryClient,
  type WaitForTrustOptions,
} from '@mesh/daemonapi';
import path from 'node:path';
import { HandshakeError } from '../errors.js';
import {
  MAX_MESSAGE_BYTES,
  decodeHandshakeMessage,
  encodeHandshakeMessage,
  handshakeChallenge,
  type HandshakeMessage,
  type HandshakeMessageType,
} from '../message/message.js';
import { encodeTrustFile, readTrustFile, writeFileAtomic } from '../store/trust-file.js';
import { emptyTrustState, type TrustState, type TrustedEntry } from '../store/trust-state.js';
import { decodeStdBase64, verifyEd25519 } from '../util/ed25519.js';
import { ReplaySet, SourceLimiter, sanitizeJustification } from '../util/replay-set.js';
import type { ResolvedHandshakeOptions } from './options.js';

/** The virtual port of the trust handshake. */
export const HANDSHAKE_PORT = 444;

const MAX_AGE_MS = 5 * 60_000;
const MAX_FUTURE_MS = 30_000;
const REAP_INTERVAL_MS = 5 * 60_000;
/** Own requests nobody answered are forgotten after twice the message max age (Go's reaper). */
const OUTGOING_TTL_MS = 2 * MAX_AGE_MS;

/** Why an incoming message was refused (`handshake.message_rejected` events). */
export type RejectReason =
  | 'too_large'
  | 'malformed'
  | 'timeout'
  | 'stale'
  | 'future'
  | 'replay'
  | 'replay_set_full'
  | 'rate_limited'
  | 'busy'
  | 'source_mismatch'
  | 'missing_key'
  | 'missing_signature'
  | 'key_mismatch'
  | 'bad_signature'
  | 'pending_full'
  | 'unsolicited_accept'
  | 'revoked_cooldown';

/** Why trust was granted without the operator. */
type AutoReason = 'mutual' | 'same_network' | 'trusted_agent' | 'auto_approve';

/** What the manager needs beside the daemon. */
export interface HandshakeManagerContext {
  /** The plugin's logger. */
  readonly logger: Logger;
  /** Directory for `trust.json`; in memory only when undefined. */
  readonly dataDir?: string;
  /** Tunables. */
  readonly options: ResolvedHandshakeOptions;
}

/**
 * The handshake service the plugin installs under `HandshakeServiceKey`. The engine's trust
 * gate calls {@link isTrusted}; meshd's `handshake.*` IPC methods call the rest.
 */
export class HandshakeManager implements HandshakeService {
  readonly #daemon: Daemon;
  readonly #log: Logger;
  readonly #opts: ResolvedHandshakeOptions;
  readonly #file: string | undefined;
  #state: TrustState = emptyTrustState();
  readonly #replay: ReplaySet;
  readonly #limiter: SourceLimiter;
  readonly #waiters = new Map<number, Set<(trusted: boolean) => void>>();
  readonly #tasks = new Set<Promise<unknown>>();
  #listener: Listener | undefined;
  #pollTimer: ReturnType<typeof setTimeout> | undefined;
  #reapTimer: ReturnType<typeof setInterval> | undefined;
  #polling: Promise<void> | undefined;
  #lastKick = 0;
  #fastUntil = 0;
  #streams = 0;
  #saving: Promise<void> | undefined;
  #saveAgain = false;
  #stopped = false;
  readonly #stopController = new AbortController();

  /**
   * @param daemon - the running daemon.
   * @param context - logger, data directory and tunables.
   */
  constructor(daemon: Daemon, context: HandshakeManagerContext) {
    this.#daemon = daemon;
    this.#log = context.logger;
    this.#opts = context.options;
    this.#file =
      context.dataDir === undefined ? undefined : path.join(context.dataDir, 'trust.json');
    this.#replay = new ReplaySet(context.options.maxReplayEntries, 2 * MAX_AGE_MS);
    this.#limiter = new SourceLimiter(context.options.sourceBurst, context.options.sourceRefillMs);
  }

  /** Path of `trust.json`, when persisted. */
  get storePath(): string | undefined {
    return this.#file;
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /**
   * Loads the trust store, binds port 444 and starts the relay poller.
   * @throws HandshakeError `TRUST_STORE_CORRUPT` when `trust.json` cannot be read.
   */
  start(): void {
    if (this.#file !== undefined) this.#state = readTrustFile(this.#file, this.#now());
    const listener = this.#daemon.ports().bind(HANDSHAKE_PORT);
    this.#listener = listener;
    this.#track(this.#acceptLoop(listener));
    this.#reapTimer = setInterval(() => this.#reap(), REAP_INTERVAL_MS);
    this.#reapTimer.unref?.();
    // Requests relayed while this node was down wait in the registry inbox: fetch them now.
    this.#schedulePoll(0);
    this.#log.info('handshake service listening', {
      port: HANDSHAKE_PORT,
      trusted: this.#state.trusted.size,
      pending: this.#state.pending.size,
    });
  }

  /** Stops timers and the listener, drains background work and flushes the store. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) {
      await this.#saving;
      return;
    }
    this.#stopped = true;
    this.#stopController.abort(new Error('handshake service stopping'));
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    if (this.#reapTimer !== undefined) clearInterval(this.#reapTimer);
    this.#pollTimer = undefined;
    this.#reapTimer = undefined;
    const listener = this.#listener;
    this.#listener = undefined;
    if (listener !== undefined) {
      await listener.close();
      this.#daemon.ports().unbind(HANDSHAKE_PORT);
    }
    for (const set of this.#waiters.values()) for (const resolve of set) resolve(false);
    this.#waiters.clear();
    await Promise.allSettled([...this.#tasks]);
    await this.#saving;
  }

  // ---- queries -----------------------------------------------------------------------------

  /** @inheritdoc */
  isTrusted(nodeId: number): boolean {
    return nodeId === this.#daemon.nodeId() || this.#state.trusted.has(nodeId);
  }

  /** @inheritdoc */
  trustedPeers(): HandshakeTrustRecord[] {
    return [...this.#state.trusted.values()]
      .sort((a, b) => a.nodeId - b.nodeId)
      .map((t) => ({
        nodeId: t.nodeId,
        publicKey: t.publicKey,
        approvedAt: t.approvedAt,
        mutual: t.mutual,
        network: t.network,
      }));
  }

  /**
   * The pending requests. Also asks the registry for newly relayed ones in the background (at
   * most once a second), so the next call shows them: the CLI's trust commands poll first.
   */
  pendingRequests(): HandshakePendingRecord[] {
    const now = this.#now();
    if (!this.#stopped && now - this.#lastKick >= 1000) {
      this.#lastKick = now;
      this.#track(this.pollNow());
    }
    return [...this.#state.pending.values()]
      .sort((a, b) => a.receivedAt - b.receivedAt)
      .map((p) => ({
        nodeId: p.nodeId,
        publicKey: p.publicKey,
        justification: p.justification,
        receivedAt: p.receivedAt,
      }));
  }

  /** @inheritdoc */
  pendingCount(): number {
    return this.#state.pending.size;
  }

  /** Own requests still unanswered (node ids). */
  outgoingRequests(): number[] {
    return [...this.#state.outgoing.keys()].sort((a, b) => a - b);
  }

  /** @inheritdoc */
  waitForTrust(peerNodeId: number, options: WaitForTrustOptions = {}): Promise<boolean> {
    if (this.isTrusted(peerNodeId)) return Promise.resolve(true);
    if (this.#stopped || options.signal?.aborted === true) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (trusted: boolean): void => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        this.#waiters.get(peerNodeId)?.delete(done);
        if (this.#waiters.get(peerNodeId)?.size === 0) this.#waiters.delete(peerNodeId);
        resolve(trusted);
      };
      const onAbort = (): void => done(false);
      let set = this.#waiters.get(peerNodeId);
      if (set === undefined) this.#waiters.set(peerNodeId, (set = new Set()));
      set.add(done);
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeoutMs !== undefined) timer = setTimeout(() => done(false), options.timeoutMs);
    });
  }

  // ---- operator actions --------------------------------------------------------------------

  /**
   * Asks `peerNodeId` for trust: directly on port 444, else through the registry relay
   * (`request_handshake`). A no-op when already trusted; clears a post-revoke cooldown.
   * @throws HandshakeError `RELAY_FAILED` when both paths fail.
   */
  async sendRequest(peerNodeId: number, justification: string): Promise<void> {
    this.#checkPeer(peerNodeId);
    if (this.#state.trusted.has(peerNodeId)) return;
    const clean = sanitizeJustification(justification);
    this.#state.revoked.delete(peerNodeId);
    this.#state.outgoing.set(peerNodeId, this.#now());
    this.#markDirty();
    const direct = await this.#send(peerNodeId, 'handshake_request', { justification: clean });
    if (direct === undefined) return;
    this.#log.info('direct handshake failed, relaying via the registry', {
      peer: peerNodeId,
      error: errorText(direct),
    });
    const registry = this.#registry();
    try {
      await registry.requestHandshake(peerNodeId, clean, { signal: this.#stopController.signal });
    } catch (error) {
      throw new HandshakeError(
        'RELAY_FAILED',
        `could not reach node ${peerNodeId} directly (${errorText(direct)}) nor through the registry relay (${String(error)}); check that the node exists and the registry is reachable`,
        { retryable: true, cause: error },
      );
    }
    // The answer comes back through the registry inbox: poll fast for a while.
    this.#fastUntil = this.#now() + this.#opts.fastPollWindowMs;
    this.#schedulePoll(this.#opts.fastPollIntervalMs);
  }

  /**
   * Approves a pending request: trust, `report_trust`, `respond_handshake(accept)`, and a direct
   * accept attempt. Polls the relay inbox first when the request is not here yet.
   * @throws HandshakeError `NO_PENDING_REQUEST` when nothing from `peerNodeId` is pending.
   */
  async approveHandshake(peerNodeId: number): Promise<void> {
    this.#checkPeer(peerNodeId);
    if (!this.#state.pending.has(peerNodeId)) await this.pollNow();
    const request = this.#state.pending.get(peerNodeId);
    if (request === undefined) {
      if (this.#state.trusted.has(peerNodeId)) return;
      throw new HandshakeError(
        'NO_PENDING_REQUEST',
        `a trust request from node ${peerNodeId} was not found among the pending requests; see "meshctl pending"`,
      );
    }
    this.#grant(
      {
        nodeId: peerNodeId,
        publicKey: request.publicKey,
        approvedAt: this.#now(),
        mutual: false,
        network: 0,
      },
      'approved',
    );
    this.#publish('handshake.approved', { peer_node_id: peerNodeId });
    const registry = this.#daemon.registryClient();
    if (registry !== undefined) {
      const signal = this.#stopController.signal;
      await Promise.all([
        registry
          .reportTrust(peerNodeId, { signal })
          .catch((e: unknown) => this.#debug('report_trust', peerNodeId, e)),
        // In case the request came through the relay: the answer goes back the same way.
        registry
          .respondHandshake(peerNodeId, true, { signal })
          .catch((e: unknown) => this.#debug('respond_handshake', peerNodeId, e)),
      ]);
      if (request.publicKey === '') this.#track(this.#backfillKey(peerNodeId));
    }
    this.#track(this.#send(peerNodeId, 'handshake_accept'));
  }

  /**
   * Rejects a pending request: drops it, relays `respond_handshake(false)` and tells the peer
   * directly when it can.
   */
  async rejectHandshake(peerNodeId: number, reason: string): Promise<void> {
    this.#checkPeer(peerNodeId);
    if (!this.#state.pending.has(peerNodeId)) await this.pollNow();
    if (this.#state.pending.delete(peerNodeId)) this.#markDirty();
    const clean = sanitizeJustification(reason);
    this.#publish('handshake.rejected', { peer_node_id: peerNodeId, reason: clean });
    const registry = this.#daemon.registryClient();
    if (registry !== undefined)
      await registry
        .respondHandshake(peerNodeId, false, { signal: this.#stopController.signal })
        .catch((e: unknown) => this.#debug('respond_handshake', peerNodeId, e));
    this.#track(this.#send(peerNodeId, 'handshake_reject', { reason: clean }));
  }

  /**
   * Revokes trust: forgets the peer, starts the 5-minute cooldown, tells the peer (before the
   * tunnel goes), tears the tunnel down and removes the registry's trust pair.
   * @throws HandshakeError `NOT_TRUSTED` when the peer was not trusted.
   */
  async revokeTrust(peerNodeId: number): Promise<void> {
    this.#checkPeer(peerNodeId);
    const wasTrusted = this.#state.trusted.delete(peerNodeId);
    this.#state.pending.delete(peerNodeId);
    this.#state.outgoing.delete(peerNodeId);
    this.#state.revoked.set(peerNodeId, this.#now() + this.#opts.revokeCooldownMs);
    this.#markDirty();
    if (!wasTrusted)
      throw new HandshakeError(
        'NOT_TRUSTED',
        `node ${peerNodeId} not found among the trusted peers; nothing to revoke (see "meshctl trust")`,
      );
    this.#publish('trust.revoked', { peer_node_id: peerNodeId });
    this.#publish('trust.changed', {
      peer_node_id: peerNodeId,
      trusted: false,
      state: 'revoked',
      reason: 'local',
    });
    // Best effort and bounded: a peer that is gone must not hold the operator's command up.
    await this.#send(peerNodeId, 'handshake_revoke', { reason: 'trust revoked' }, 3000);
    this.#removeTunnel(peerNodeId);
    await this.#daemon
      .registryClient()
      ?.revokeTrust(peerNodeId, { signal: this.#stopController.signal })
      .catch((e: unknown) => this.#debug('revoke_trust', peerNodeId, e));
  }

  // ---- relayed path ------------------------------------------------------------------------

  /** Polls the registry relay inbox now (shared with a poll already running). */
  pollNow(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = undefined;
    });
    return this.#polling;
  }

  async #pollOnce(): Promise<void> {
    const registry = this.#daemon.registryClient();
    if (registry === undefined || this.#daemon.nodeId() === 0) return;
    let inbox;
    try {
      inbox = await registry.pollHandshakes({ signal: this.#stopController.signal });
    } catch (error) {
      this.#log.debug('poll_handshakes failed', { error: String(error) });
      return;
    }
    for (const r of inbox.requests) {
      if (!isNodeId(r.fromNodeId)) continue;
      this.processRelayedRequest(r.fromNodeId, r.justification);
    }
    for (const r of inbox.responses) {
      if (!isNodeId(r.fromNodeId)) continue;
      if (r.accept) this.processRelayedApproval(r.fromNodeId);
      else this.processRelayedRejection(r.fromNodeId);
    }
  }

  /** @inheritdoc */
  processRelayedRequest(fromNodeId: number, justification: string): void {
    if (this.#stopped) return;
    const clean = sanitizeJustification(justification);
    this.#publish('handshake.received', {
      peer_node_id: fromNodeId,
      justification: clean,
      relayed: true,
    });
    const accept = (): void => {
      const registry = this.#daemon.registryClient();
      if (registry === undefined) return;
      const signal = this.#stopController.signal;
      this.#track(
        (async () => {
          await registry
            .respondHandshake(fromNodeId, true, { signal })
            .catch((e: unknown) => this.#debug('respond_handshake', fromNodeId, e));
          await registry
            .reportTrust(fromNodeId, { signal })
            .catch((e: unknown) => this.#debug('report_trust', fromNodeId, e));
          await this.#backfillKey(fromNodeId);
        })(),
      );
    };
    if (this.#state.trusted.has(fromNodeId)) {
      accept();
      return;
    }
    if (this.#state.outgoing.has(fromNodeId)) {
      this.#autoGrant(fromNodeId, '', 'mutual', 0);
      accept();
      return;
    }
    // The registry only relays for registered, signing nodes, so it vouches for the sender id;
    // the remaining checks need registry lookups, so they run in the background.
    this.#track(
      (async () => {
        const network = await this.#sharedNetwork(fromNodeId);
        if (this.#stopped || this.#state.trusted.has(fromNodeId)) return;
        const agent = this.#trustedAgent(fromNodeId);
        if (network !== 0) this.#autoGrant(fromNodeId, '', 'same_network', network);
        else if (agent !== undefined) this.#autoGrant(fromNodeId, '', 'trusted_agent', 0, agent);
        else if (this.#daemon.trustAutoApprove())
          this.#autoGrant(fromNodeId, '', 'auto_approve', 0);
        else {
          this.#addPending(fromNodeId, '', clean, fromNodeId);
          return;
        }
        accept();
      })(),
    );
  }

  /** @inheritdoc */
  processRelayedApproval(fromNodeId: number): void {
    if (this.#stopped || this.#state.trusted.has(fromNodeId)) return;
    if (this.#inCooldown(fromNodeId)) {
      this.#state.outgoing.delete(fromNodeId);
      this.#markDirty();
      this.#reject(fromNodeId, 'revoked_cooldown');
      return;
    }
    if (!this.#state.outgoing.has(fromNodeId)) {
      this.#reject(fromNodeId, 'unsolicited_accept');
      return;
    }
    this.#grant(
      { nodeId: fromNodeId, publicKey: '', approvedAt: this.#now(), mutual: true, network: 0 },
      'relayed_approval',
    );
    // Our side of the registry's trust pair: the peer's accept recorded its consent already
    // (the mesh registry makes a pair only when both sides consent).
    this.#track(
      this.#daemon
        .registryClient()
        ?.reportTrust(fromNodeId)
        .catch((e: unknown) => this.#debug('report_trust', fromNodeId, e)) ?? Promise.resolve(),
    );
    this.#track(this.#backfillKey(fromNodeId));
  }

  /** @inheritdoc */
  processRelayedRejection(fromNodeId: number): void {
    if (this.#state.outgoing.delete(fromNodeId)) this.#markDirty();
    this.#publish('handshake.rejected_by_peer', { peer_node_id: fromNodeId, relayed: true });
  }

  // ---- port 444 ----------------------------------------------------------------------------

  async #acceptLoop(listener: Listener): Promise<void> {
    for (;;) {
      const conn = await listener.accept();
      if (conn === undefined) return;
      if (this.#streams >= this.#opts.maxConcurrentStreams) {
        this.#reject(conn.info().remoteAddr.node, 'busy');
        this.#daemon.closeConnection(conn);
        continue;
      }
      this.#streams += 1;
      this.#track(
        this.#handleConnection(conn).finally(() => {
          this.#streams -= 1;
        }),
      );
    }
  }

  // One JSON message per stream, read with one bound: at most MAX_MESSAGE_BYTES and the receive
  // timeout. Parsing is tried as chunks arrive, so a sender that keeps the stream open is fine.
  async #handleConnection(conn: Connection): Promise<void> {
    const source = conn.info().remoteAddr.node;
    const rw = this.#daemon.newConnReadWriter(conn);
    const chunks: Uint8Array[] = [];
    let size = 0;
    let message: HandshakeMessage | undefined;
    let verdict: RejectReason | undefined;
    const read = (async (): Promise<void> => {
      try {
        for await (const chunk of rw) {
          size += chunk.length;
          if (size > MAX_MESSAGE_BYTES) {
            verdict = 'too_large';
            return;
          }
          chunks.push(chunk);
          const text = Buffer.concat(chunks).toString('utf8');
          if (!isCompleteJson(text)) continue;
          // A complete JSON value: it is the message, or the stream carries nothing valid.
          message = decodeHandshakeMessage(text);
          if (message === undefined) verdict = 'malformed';
          return;
        }
      } catch {
        // A reset before a full message is the same as a malformed one.
      }
      verdict = 'malformed';
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onStop: (() => void) | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), this.#opts.receiveTimeoutMs);
    });
    const stopped = new Promise<'stopped'>((resolve) => {
      onStop = () => resolve('stopped');
      if (this.#stopController.signal.aborted) onStop();
      this.#stopController.signal.addEventListener('abort', onStop, { once: true });
    });
    const outcome = await Promise.race([read.then(() => 'read' as const), timeout, stopped]);
    clearTimeout(timer);
    if (onStop !== undefined) this.#stopController.signal.removeEventListener('abort', onStop);
    // Never wait for the sender to close: we have what we will read.
    this.#daemon.closeConnection(conn);
    if (outcome === 'timeout') verdict = 'timeout';
    if (this.#stopped) return;
    if (message === undefined || verdict !== undefined) {
      this.#reject(source, verdict ?? 'malformed');
      return;
    }
    await this.#processMessage(message, source);
  }

  async #processMessage(msg: HandshakeMessage, source: number): Promise<void> {
    const now = this.#now();
    if (!this.#limiter.take(source, now)) {
      this.#reject(msg.node_id, 'rate_limited', source);
      return;
    }
    const at = msg.timestamp * 1000;
    if (now - at > MAX_AGE_MS) return this.#reject(msg.node_id, 'stale', source);
    if (at - now > MAX_FUTURE_MS) return this.#reject(msg.node_id, 'future', source);
    // The tunnel authenticated the stream's source; a message claiming another node is refused.
    if (msg.node_id !== source) return this.#reject(msg.node_id, 'source_mismatch', source);
    const replay = this.#replay.admit(encodeHandshakeMessage(msg), now);
    if (replay === 'replay') return this.#reject(msg.node_id, 'replay', source);
    if (replay === 'full') return this.#reject(msg.node_id, 'replay_set_full', source);
    if (msg.public_key === '' && msg.type === 'handshake_request')
      return this.#reject(msg.node_id, 'missing_key', source);
    let registryBound = false;
    if (msg.public_key !== '') {
      if (msg.signature === '') return this.#reject(msg.node_id, 'missing_signature', source);
      let verifyKey = msg.public_key;
      const registered = await this.#registryKey(msg.node_id);
      if (registered !== undefined && registered !== '') {
        if (registered !== msg.public_key) return this.#reject(msg.node_id, 'key_mismatch', source);
        verifyKey = registered;
        registryBound = true;
      }
      const key = decodeStdBase64(verifyKey);
      const sig = decodeStdBase64(msg.signature);
      const challenge = new TextEncoder().encode(
        handshakeChallenge(msg.node_id, this.#daemon.nodeId()),
      );
      if (key === undefined || sig === undefined || !verifyEd25519(key, challenge, sig))
        return this.#reject(msg.node_id, 'bad_signature', source);
    }
    if (this.#stopped) return;
    switch (msg.type) {
      case 'handshake_request':
        return this.#handleRequest(msg, source, registryBound);
      case 'handshake_accept':
        return this.#handleAccept(msg);
      case 'handshake_reject':
        if (this.#state.outgoing.delete(msg.node_id)) this.#markDirty();
        this.#publish('handshake.rejected_by_peer', {
          peer_node_id: msg.node_id,
          reason: sanitizeJustification(msg.reason),
        });
        return;
      case 'handshake_revoke':
        return this.#handleRevoke(msg.node_id);
    }
  }

  async #handleRequest(
    msg: HandshakeMessage,
    source: number,
    registryBound: boolean,
  ): Promise<void> {
    const peer = msg.node_id;
    const justification = sanitizeJustification(msg.justification);
    this.#publish('handshake.received', { peer_node_id: peer, justification });
    const acceptBack = (): void => {
      this.#track(
        this.#send(peer, 'handshake_accept').then((e) =>
          e === undefined ? undefined : this.#relayAccept(peer),
        ),
      );
      this.#track(
        this.#daemon
          .registryClient()
          ?.reportTrust(peer)
          .catch((e: unknown) => this.#debug('report_trust', peer, e)) ?? Promise.resolve(),
      );
    };
    if (this.#state.trusted.has(peer)) {
      this.#track(
        this.#send(peer, 'handshake_accept').then((e) =>
          e === undefined ? undefined : this.#relayAccept(peer),
        ),
      );
      return;
    }
    // Every automatic path needs the registry to have confirmed the key binding: otherwise a
    // node could claim any id with its own key pair (Go's SEC-038).
    if (registryBound && this.#state.outgoing.has(peer)) {
      this.#autoGrant(peer, msg.public_key, 'mutual', 0);
      acceptBack();
      return;
    }
    const network = registryBound ? await this.#sharedNetwork(peer) : 0;
    if (this.#stopped || this.#state.trusted.has(peer)) return;
    const agent = registryBound ? this.#trustedAgent(peer) : undefined;
    if (network !== 0) this.#autoGrant(peer, msg.public_key, 'same_network', network);
    else if (agent !== undefined) this.#autoGrant(peer, msg.public_key, 'trusted_agent', 0, agent);
    else if (this.#daemon.trustAutoApprove())
      this.#autoGrant(peer, msg.public_key, 'auto_approve', 0);
    else {
      this.#addPending(peer, msg.public_key, justification, source);
      return;
    }
    acceptBack();
  }

  #handleAccept(msg: HandshakeMessage): void {
    const peer = msg.node_id;
    if (this.#state.trusted.has(peer)) return;
    if (this.#inCooldown(peer)) {
      this.#state.outgoing.delete(peer);
      this.#markDirty();
      this.#reject(peer, 'revoked_cooldown');
      return;
    }
    // Only an answer to our own request grants trust; an unsolicited accept is ignored.
    if (!this.#state.outgoing.has(peer)) {
      this.#reject(peer, 'unsolicited_accept');
      return;
    }
    this.#grant(
      {
        nodeId: peer,
        publicKey: msg.public_key,
        approvedAt: this.#now(),
        mutual: true,
        network: 0,
      },
      'accepted',
    );
    this.#track(
      this.#daemon
        .registryClient()
        ?.reportTrust(peer)
        .catch((e: unknown) => this.#debug('report_trust', peer, e)) ?? Promise.resolve(),
    );
  }

  #handleRevoke(peer: number): void {
    const wasTrusted = this.#state.trusted.delete(peer);
    const wasPending = this.#state.pending.delete(peer);
    const wasOutgoing = this.#state.outgoing.delete(peer);
    if (wasTrusted || wasPending || wasOutgoing) this.#markDirty();
    this.#publish('trust.revoked_by_peer', { peer_node_id: peer });
    this.#publish('trust.changed', {
      peer_node_id: peer,
      trusted: false,
      state: 'revoked',
      reason: 'by_peer',
    });
    this.#removeTunnel(peer);
    if (wasTrusted)
      this.#track(
        this.#daemon
          .registryClient()
          ?.revokeTrust(peer)
          .catch((e: unknown) => this.#debug('revoke_trust', peer, e)) ?? Promise.resolve(),
      );
  }

  // ---- state changes -----------------------------------------------------------------------

  #autoGrant(
    peer: number,
    publicKey: string,
    reason: AutoReason,
    network: number,
    agent?: string,
  ): void {
    this.#grant(
      { nodeId: peer, publicKey, approvedAt: this.#now(), mutual: reason === 'mutual', network },
      reason,
      agent,
    );
    this.#publish('handshake.auto_approved', {
      peer_node_id: peer,
      reason,
      ...(agent === undefined ? {} : { agent }),
    });
  }

  // Every grant goes through here: trust, drop pending and outgoing, wake waiters, persist.
  #grant(entry: TrustedEntry, reason: string, agent?: string): void {
    this.#state.trusted.set(entry.nodeId, entry);
    this.#state.pending.delete(entry.nodeId);
    this.#state.outgoing.delete(entry.nodeId);
    this.#state.revoked.delete(entry.nodeId);
    this.#markDirty();
    this.#publish('trust.changed', {
      peer_node_id: entry.nodeId,
      trusted: true,
      state: 'granted',
      reason,
      ...(agent === undefined ? {} : { agent }),
    });
    const waiters = this.#waiters.get(entry.nodeId);
    this.#waiters.delete(entry.nodeId);
    for (const resolve of waiters ?? []) resolve(true);
  }

  #addPending(peer: number, publicKey: string, justification: string, source: number): void {
    if (!this.#state.pending.has(peer)) {
      if (this.#state.pending.size >= this.#opts.maxPending)
        return this.#reject(peer, 'pending_full', source);
      let fromSource = 0;
      for (const p of this.#state.pending.values()) if (p.source === source) fromSource += 1;
      if (source !== 0 && fromSource >= this.#opts.maxPendingPerSource)
        return this.#reject(peer, 'pending_full', source);
    }
    this.#state.pending.set(peer, {
      nodeId: peer,
      publicKey,
      justification,
      receivedAt: this.#now(),
      source,
    });
    this.#markDirty();
    this.#publish('handshake.pending', { peer_node_id: peer, justification });
  }

  #reject(peer: number, reason: RejectReason, source?: number): void {
    this.#log.warn('handshake message refused', {
      peer,
      reason,
      ...(source === undefined ? {} : { source }),
    });
    this.#publish('handshake.message_rejected', {
      peer_node_id: peer,
      reason,
      ...(source === undefined || source === peer ? {} : { source_node_id: source }),
    });
  }

  #inCooldown(peer: number): boolean {
    const until = this.#state.revoked.get(peer);
    if (until === undefined) return false;
    if (this.#now() < until) return true;
    this.#state.revoked.delete(peer);
    return false;
  }

  #reap(): void {
    const now = this.#now();
    this.#replay.reap(now);
    let dirty = false;
    for (const [peer, sentAt] of this.#state.outgoing)
      if (now - sentAt > OUTGOING_TTL_MS) dirty = this.#state.outgoing.delete(peer) || dirty;
    for (const [peer, until] of this.#state.revoked)
      if (now >= until) dirty = this.#state.revoked.delete(peer) || dirty;
    if (dirty) this.#markDirty();
  }

  // ---- persistence -------------------------------------------------------------------------

  // Saves are serialised and coalesced: one write in flight, at most one more queued.
  #markDirty(): void {
    if (this.#file === undefined) return;
    if (this.#saving !== undefined) {
      this.#saveAgain = true;
      return;
    }
    const file = this.#file;
    this.#saving = (async () => {
      do {
        this.#saveAgain = false;
        await Promise.resolve();
        try {
          writeFileAtomic(file, encodeTrustFile(this.#state, this.#now()));
        } catch (error) {
          this.#log.error('writing the trust store failed', { file, error: String(error) });
        }
      } while (this.#saveAgain);
    })().finally(() => {
      this.#saving = undefined;
      // A change that arrived after the loop's last check still needs its write.
      if (this.#saveAgain) this.#markDirty();
    });
  }

  // ---- helpers -----------------------------------------------------------------------------

  // Sends one message on a fresh port-444 stream; resolves with the error instead of throwing.
  async #send(
    peer: number,
    type: HandshakeMessageType,
    fields: { justification?: string; reason?: string } = {},
    timeoutMs = this.#opts.dialTimeoutMs,
  ): Promise<unknown> {
    if (this.#stopped) return new Error('handshake service stopped');
    const identity = this.#daemon.identity();
    const self = this.#daemon.nodeId();
    const signature = this.#daemon.sign(new TextEncoder().encode(handshakeChallenge(self, peer)));
    const msg: HandshakeMessage = {
      type,
      node_id: self,
      public_key: identity === undefined ? '' : Buffer.from(identity.publicKey).toString('base64'),
      justification: fields.justification ?? '',
      signature: signature === undefined ? '' : Buffer.from(signature).toString('base64'),
      reason: fields.reason ?? '',
      timestamp: Math.floor(this.#now() / 1000),
    };
    const signal = AbortSignal.any([this.#stopController.signal, AbortSignal.timeout(timeoutMs)]);
    let conn: Connection | undefined;
    try {
      conn = await this.#daemon.dialConnection({ network: 0, node: peer }, HANDSHAKE_PORT, {
        signal,
      });
      const rw = this.#daemon.newConnReadWriter(conn);
      await rw.write(new TextEncoder().encode(encodeHandshakeMessage(msg)));
      await rw.close();
      return undefined;
    } catch (error) {
      this.#log.debug('direct handshake message failed', { peer, type, error: String(error) });
      return error ?? new Error('dial failed');
    } finally {
      if (conn !== undefined) this.#daemon.closeConnection(conn);
    }
  }

  async #relayAccept(peer: number): Promise<void> {
    await this.#daemon
      .registryClient()
      ?.respondHandshake(peer, true, { signal: this.#stopController.signal })
      .catch((e: unknown) => this.#debug('respond_handshake', peer, e));
  }

  async #registryKey(nodeId: number): Promise<string | undefined> {
    try {
      return (
        await this.#daemon.registryClient()?.lookup(nodeId, { signal: this.#stopController.signal })
      )?.publicKey;
    } catch {
      return undefined;
    }
  }

  // Relay-based trust skips the key exchange of port 444: fetch the peer's key from `lookup`.
  async #backfillKey(peer: number): Promise<void> {
    const key = await this.#registryKey(peer);
    const entry = this.#state.trusted.get(peer);
    if (key !== undefined && key !== '' && entry !== undefined && entry.publicKey === '') {
      entry.publicKey = key;
      this.#markDirty();
    }
  }

  async #sharedNetwork(peer: number): Promise<number> {
    const registry = this.#daemon.registryClient();
    if (registry === undefined) return 0;
    try {
      const signal = this.#stopController.signal;
      const [mine, theirs] = await Promise.all([
        registry.lookup(this.#daemon.nodeId(), { signal }),
        registry.lookup(peer, { signal }),
      ]);
      return mine.networks.find((n) => n !== 0 && theirs.networks.includes(n)) ?? 0;
    } catch {
      return 0;
    }
  }

  #trustedAgent(peer: number): string | undefined {
    try {
      const verdict = this.#daemon.services().get(TrustCheckerKey)?.isTrusted(peer);
      return verdict?.trusted === true ? verdict.name : undefined;
    } catch {
      return undefined;
    }
  }

  #removeTunnel(peer: number): void {
    try {
      this.#daemon.tunnels().removePeer(peer);
    } catch (error) {
      this.#log.debug('tunnel teardown failed', { peer, error: String(error) });
    }
  }

  #registry(): RegistryClient {
    const registry = this.#daemon.registryClient();
    if (registry === undefined)
      throw new HandshakeError(
        'NO_REGISTRY',
        'this daemon runs without a registry; the trust relay needs one',
      );
    return registry;
  }

  #checkPeer(peer: number): void {
    if (!isNodeId(peer) || peer === this.#daemon.nodeId())
      throw new HandshakeError('INVALID_PEER', `node ${peer} is not a peer this node can trust`);
  }

  #schedulePoll(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#pollTimer !== undefined) clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => {
      this.#pollTimer = undefined;
      void this.pollNow().finally(() => {
        const fast = this.#state.outgoing.size > 0 && this.#now() < this.#fastUntil;
        this.#schedulePoll(fast ? this.#opts.fastPollIntervalMs : this.#opts.pollIntervalMs);
      });
    }, delayMs);
    this.#pollTimer.unref?.();
  }

  #publish(topic: string, payload: Record<string, unknown>): void {
    try {
      this.#daemon.publishEvent(topic, payload);
    } catch (error) {
      this.#log.debug('publish failed', { topic, error: String(error) });
    }
  }

  #debug(what: string, peer: number, error: unknown): void {
    this.#log.debug(`${what} failed`, { peer, error: String(error) });
  }

  #track(task: Promise<unknown>): void {
    const t = task.catch((error: unknown) =>
      this.#log.debug('background task failed', { error: String(error) }),
    );
    this.#tasks.add(t);
    void t.finally(() => this.#tasks.delete(t));
  }

  #now(): number {
    return this.#opts.now();
  }
}

/** Whether `text` is one complete JSON value. */
function isCompleteJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Whether `n` is a valid, non-zero node id. */
function isNodeId(n: number): boolean {
  return Number.isInteger(n) && n > 0 && n <= 0xffffffff;
}

/** An error's message, for logs and error texts. */
function errorText(error: unknown): string {
  return error instanceof Error
    ? error.message
    : typeof error === 'string'
      ? error
      : 'unknown error';
}
