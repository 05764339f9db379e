// One network's policy runner (reference: internal/policy Runner and plugins/policy): the gate
// for connect/dial/datagram, action events (join, leave, cycle) with every action type, the
// managed peer set with reconciliation against the registry's member list, and the state file.
import type {
  Daemon,
  Logger,
  PolicyEventType,
  PolicyRunner,
  PortGateRequest,
} from '@mesh/daemonapi';
import type { ExprValue } from '../expr/ast.js';
import type { LoadedPolicy, PolicyActionSpec, PolicyRuleSpec } from '../policy/document.js';
import { removeState, writeState } from '../state/state-file.js';
import type { RunnerState } from '../state/state-file.js';
import { envOf, toExprValue, unionTags } from './vars.js';

/** How long an evicted or pruned peer stays out of reconciliation (§E.3: 60 s). */
export const EVICTION_COOLDOWN_MS = 60_000;
/** Longest back-off after failed member-list fetches. */
export const MAX_RECONCILE_BACKOFF_MS = 300_000;
/** Justification of `fill_trust` handshake requests (§E.3). */
export const FILL_TRUST_JUSTIFICATION = 'trust-decay policy';
const DENIED_AT_JOIN = Number.MAX_SAFE_INTEGER;

/** What a runner needs besides its policy. */
export interface RunnerDeps {
  /** The daemon. */
  readonly daemon: Daemon;
  /** Logger. */
  readonly logger: Logger;
  /** Where `policy_<net>.json` lives; no persistence without it. */
  readonly dataDir?: string;
  /** Clock, unix ms. */
  readonly now?: () => number;
  /** Random source in [0, 1). */
  readonly random?: () => number;
}

interface PeerState {
  joinedAt: number;
  lastSeen: number;
}

/** What one cycle did. */
export interface CycleReport {
  network_id: number;
  cycle_num: number;
  evicted: number[];
  pruned: number[];
  filled: number[];
  tagged: number[];
  trust_pruned: number[];
  trust_requested: number[];
  errors: number;
}

interface ActionCtx {
  readonly rule: string;
  readonly peer?: number;
  readonly report?: CycleReport;
}

/** Counters reported by `status()`. */
interface RunnerStats {
  gate_evaluations: number;
  gate_allowed: number;
  gate_denied: number;
  denied_not_peer: number;
  eval_errors: number;
  last_error: string;
  actions_run: number;
  action_errors: number;
  reconciles: number;
  reconcile_errors: number;
}

/** The runner of one network's policy. */
export class NetworkPolicyRunner implements PolicyRunner {
  readonly networkId: number;
  readonly #policy: LoadedPolicy;
  readonly #deps: RunnerDeps;
  readonly #now: () => number;
  readonly #random: () => number;
  /** Network members from the registry (excluding this node) → registry tags (node ∪ member). */
  #members = new Map<number, readonly string[]>();
  #selfTags: readonly string[] = [];
  readonly #peers = new Map<number, PeerState>();
  readonly #policyTags = new Map<number, Set<string>>();
  readonly #evicted = new Map<number, number>();
  #joinedAt: number;
  #cycleNum: number;
  #reconciled = false;
  readonly #stats: RunnerStats = {
    gate_evaluations: 0,
    gate_allowed: 0,
    gate_denied: 0,
    denied_not_peer: 0,
    eval_errors: 0,
    last_error: '',
    actions_run: 0,
    action_errors: 0,
    reconciles: 0,
    reconcile_errors: 0,
  };
  #cycleTimer: ReturnType<typeof setTimeout> | undefined;
  #reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  #reconcileBackoff = 0;
  #stopped = false;
  #writes: Promise<void> = Promise.resolve();
  #reconciling: Promise<void> | undefined;

  /**
   * @param networkId - the network
   * @param policy - the loaded policy
   * @param deps - daemon, logger, data directory, clock
   * @param state - persisted state to resume from
   */
  constructor(networkId: number, policy: LoadedPolicy, deps: RunnerDeps, state?: RunnerState) {
    this.networkId = networkId;
    this.#policy = policy;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#random = deps.random ?? Math.random;
    this.#joinedAt = state?.joined_at ?? this.#now();
    this.#cycleNum = state?.cycle_num ?? 0;
    for (const p of state?.peers ?? []) {
      this.#peers.set(p.node_id, { joinedAt: p.joined_at, lastSeen: p.last_seen });
      if (p.tags.length > 0) this.#policyTags.set(p.node_id, new Set(p.tags));
    }
    for (const e of state?.evicted ?? []) this.#evicted.set(e.node_id, e.until);
  }

  /** The loaded policy. */
  get policy(): LoadedPolicy {
    return this.#policy;
  }

  /** Starts the reconcile and cycle timers and reconciles once at once. */
  start(): void {
    void this.reconcileNow();
    this.#scheduleCycle();
  }

  // ---- membership ----------------------------------------------------------------------------

  hasMember(peerNodeId: number): boolean {
    return this.#members.has(peerNodeId) || this.#peers.has(peerNodeId);
  }

  /** Whether `peer` is in the managed peer set. */
  isPeer(peer: number): boolean {
    return this.#peers.has(peer);
  }

  /** Merged tags of `node`: registry (node ∪ member) tags ∪ policy tags ∪ `extra`. */
  tagsOf(node: number, extra: readonly string[] = []): string[] {
    const registry = node === this.#deps.daemon.nodeId() ? this.#selfTags : this.#members.get(node);
    return unionTags(extra, registry, this.#policyTags.get(node));
  }

  // ---- gate ----------------------------------------------------------------------------------

  evaluatePortGate(request: PortGateRequest): boolean {
    this.#stats.gate_evaluations++;
    const peer = request.peerNodeId;
    const now = this.#now();
    const state = this.#peers.get(peer);
    // A member outside the managed peer set (evicted, pruned, refused at join, beyond max_peers)
    // gets no traffic; before the first member list arrives nobody is judged this way.
    if (!state && this.#reconciled && this.#members.has(peer)) {
      this.#stats.denied_not_peer++;
      this.#stats.gate_denied++;
      return false;
    }
    if (state) state.lastSeen = now;
    const env = envOf({
      local_tags: this.tagsOf(this.#deps.daemon.nodeId(), request.localTags),
      peer_id: peer,
      port: request.port,
      network_id: this.networkId,
      peer_tags: this.tagsOf(peer, request.peerTags),
      peer_age_s: state ? (now - state.joinedAt) / 1000 : 0,
      members: this.#members.size + 1,
      sender_rating: 0,
      ...(request.event === 'datagram'
        ? { size: request.payloadSize, direction: request.direction === 'inbound' ? 'in' : 'out' }
        : {}),
    });
    const verdict = this.#runGate(request.event, env, peer);
    if (verdict) this.#stats.gate_allowed++;
    else this.#stats.gate_denied++;
    return verdict;
  }

  /** First matching rule with allow/deny decides; side effects of matching rules run first. */
  #runGate(event: PolicyEventType, env: Map<string, ExprValue>, peer: number): boolean {
    for (const rule of this.#policy.rules) {
      if (rule.on !== event) continue;
      let matched: boolean;
      try {
        matched = rule.match.evaluate(env, this.#now());
      } catch (err) {
        this.#evalError(rule.name, err);
        return true; // fail open (§E.3)
      }
      if (!matched) continue;
      for (const a of rule.actions)
        if (a.type !== 'allow' && a.type !== 'deny') this.#act(a, { rule: rule.name, peer });
      if (rule.verdict) return rule.verdict === 'allow';
    }
    return this.#policy.defaultVerdict === 'allow';
  }

  #evalError(rule: string, err: unknown): void {
    this.#stats.eval_errors++;
    this.#stats.last_error = `${rule}: ${(err as Error).message}`;
    this.#deps.logger.warn('policy evaluation failed; allowing (fail open)', {
      network_id: this.networkId,
      rule,
      error: (err as Error).message,
    });
  }

  // ---- action events -------------------------------------------------------------------------

  evaluateActions(event: PolicyEventType, context: Readonly<Record<string, unknown>>): void {
    const vars: Record<string, ExprValue> = {};
    for (const k of Object.keys(context)) vars[k] = toExprValue(context[k]);
    const peer = typeof context['peer_id'] === 'number' ? context['peer_id'] : undefined;
    this.#runActionEvent(
      event,
      envOf({
        local_tags: this.tagsOf(this.#deps.daemon.nodeId()),
        network_id: this.networkId,
        ...vars,
      }),
      peer,
    );
  }

  /** Runs every matching rule of an action event; returns the first verdict (join uses it). */
  #runActionEvent(
    event: PolicyEventType,
    env: Map<string, ExprValue>,
    peer: number | undefined,
    report?: CycleReport,
  ): 'allow' | 'deny' | undefined {
    let verdict: 'allow' | 'deny' | undefined;
    for (const rule of this.#policy.rules) {
      if (rule.on !== event) continue;
      if (!this.#matches(rule, env, report)) continue;
      verdict ??= rule.verdict;
      for (const a of rule.actions)
        this.#act(a, {
          rule: rule.name,
          ...(peer === undefined ? {} : { peer }),
          ...(report ? { report } : {}),
        });
    }
    return verdict;
  }

  #matches(rule: PolicyRuleSpec, env: Map<string, ExprValue>, report?: CycleReport): boolean {
    try {
      return rule.match.evaluate(env, this.#now());
    } catch (err) {
      this.#evalError(rule.name, err);
      if (report) report.errors++;
      return false;
    }
  }

  #peerVars(peer: number, now: number): Record<string, ExprValue> {
    const s = this.#peers.get(peer);
    return {
      peer_id: peer,
      peer_tags: this.tagsOf(peer),
      peer_age_s: s ? (now - s.joinedAt) / 1000 : 0,
      last_seen: s ? Math.floor(s.lastSeen / 1000) : 0,
    };
  }

  #act(a: PolicyActionSpec, ctx: ActionCtx): void {
    this.#stats.actions_run++;
    const daemon = this.#deps.daemon;
    const now = this.#now();
    try {
      switch (a.type) {
        case 'allow':
        case 'deny':
        case 'score':
          return;
        case 'tag': {
          if (ctx.peer === undefined) return;
          const set = this.#policyTags.get(ctx.peer) ?? new Set<string>();
          for (const t of a.add) set.add(t);
          for (const t of a.remove) set.delete(t);
          if (set.size === 0) this.#policyTags.delete(ctx.peer);
          else this.#policyTags.set(ctx.peer, set);
          ctx.report?.tagged.push(ctx.peer);
          daemon.publishEvent('policy.tagged', {
            network_id: this.networkId,
            rule: ctx.rule,
            peer_node_id: ctx.peer,
            tags: [...set],
          });
          this.#persist();
          return;
        }
        case 'evict':
          if (ctx.peer !== undefined) this.#evict(ctx.peer, ctx.rule, ctx.report?.evicted);
          return;
        case 'evict_where':
          for (const peer of [...this.#peers.keys()]) {
            let hit = false;
            try {
              hit = a.where.evaluate(envOf(this.#peerVars(peer, now)), now);
            } catch (err) {
              this.#evalError(ctx.rule, err);
              if (ctx.report) ctx.report.errors++;
            }
            if (hit) this.#evict(peer, ctx.rule, ctx.report?.evicted);
          }
          return;
        case 'prune': {
          const candidates = [...this.#peers.entries()].filter(
            ([, s]) => now - s.joinedAt >= this.#policy.graceMs,
          );
          this.#order(
            candidates,
            a.by === 'age' ? (s) => s.joinedAt : a.by === 'random' ? undefined : (s) => s.lastSeen,
          );
          for (const [peer] of candidates.slice(0, a.count))
            this.#evict(peer, ctx.rule, ctx.report?.pruned, 'policy.pruned');
          return;
        }
        case 'fill': {
          const room =
            this.#policy.maxPeers > 0 ? this.#policy.maxPeers - this.#peers.size : a.count;
          const pool = [...this.#members.keys()].filter(
            (m) => !this.#peers.has(m) && !this.#cooling(m, now),
          );
          this.#shuffle(pool);
          for (const m of pool.slice(0, Math.max(0, Math.min(a.count, room)))) {
            this.#addPeer(m, now);
            ctx.report?.filled.push(m);
          }
          if ((ctx.report?.filled.length ?? 0) > 0) this.#persist();
          return;
        }
        case 'prune_trust': {
          const trusted = daemon.trustedPeers().filter((t) => this.#members.has(t.nodeId));
          const n = Math.min(
            Math.floor((trusted.length * a.percent) / 100),
            Math.max(0, trusted.length - a.min),
          );
          if (a.by === 'random') this.#shuffle(trusted);
          else trusted.sort((x, y) => x.approvedAt - y.approvedAt);
          const pruned = trusted.slice(0, n).map((t) => t.nodeId);
          for (const id of pruned) {
            ctx.report?.trust_pruned.push(id);
            daemon
              .handshakeRevokeTrust(id)
              .catch((err: unknown) => this.#actionError(ctx.rule, err));
          }
          daemon.publishEvent('policy.prune_trust', {
            network_id: this.networkId,
            rule: ctx.rule,
            pruned: pruned.length,
          });
          return;
        }
        case 'fill_trust': {
          const trustedIds = new Set(daemon.trustedPeers().map((t) => t.nodeId));
          const have = [...this.#members.keys()].filter((m) => trustedIds.has(m)).length;
          const pool = [...this.#members.keys()].filter((m) => !trustedIds.has(m));
          this.#shuffle(pool);
          for (const id of pool.slice(0, Math.max(0, a.target - have))) {
            ctx.report?.trust_requested.push(id);
            daemon
              .handshakeSendRequest(id, FILL_TRUST_JUSTIFICATION)
              .catch((err: unknown) => this.#actionError(ctx.rule, err));
          }
          return;
        }
        case 'webhook':
          daemon.publishEvent(`policy.${a.event}`, {
            ...a.data,
            network_id: this.networkId,
            rule: ctx.rule,
            ...(ctx.peer === undefined ? {} : { peer_node_id: ctx.peer }),
          });
          return;
        case 'log':
          this.#deps.logger[a.level](a.message, {
            network_id: this.networkId,
            rule: ctx.rule,
            ...(ctx.peer === undefined ? {} : { peer_node_id: ctx.peer }),
          });
          return;
      }
    } catch (err) {
      this.#actionError(ctx.rule, err);
    }
  }

  #actionError(rule: string, err: unknown): void {
    this.#stats.action_errors++;
    this.#stats.last_error = `${rule}: ${(err as Error).message}`;
    this.#deps.logger.warn('policy action failed', {
      network_id: this.networkId,
      rule,
      error: String(err),
    });
  }

  #order(list: [number, PeerState][], key: ((s: PeerState) => number) | undefined): void {
    if (key === undefined) this.#shuffle(list);
    else list.sort((x, y) => key(x[1]) - key(y[1]) || x[0] - y[0]);
  }

  #shuffle<T>(list: T[]): void {
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(this.#random() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
  }

  #cooling(node: number, now: number): boolean {
    const until = this.#evicted.get(node);
    if (until === undefined) return false;
    if (until <= now) {
      this.#evicted.delete(node);
      return false;
    }
    return true;
  }

  #addPeer(node: number, now: number): void {
    this.#evicted.delete(node);
    this.#peers.set(node, { joinedAt: now, lastSeen: now });
  }

  #evict(peer: number, rule: string, into: number[] | undefined, topic = 'policy.evicted'): void {
    if (!this.#peers.delete(peer)) return;
    this.#evicted.set(peer, this.#now() + EVICTION_COOLDOWN_MS);
    into?.push(peer);
    this.#deps.daemon.publishEvent(topic, { network_id: this.networkId, rule, peer_node_id: peer });
    this.#persist();
  }

  // ---- cycle ---------------------------------------------------------------------------------

  #scheduleCycle(): void {
    if (this.#stopped || this.#policy.cycleMs === undefined) return;
    this.#cycleTimer = setTimeout(() => {
      void this.forceCycle().finally(() => this.#scheduleCycle());
    }, this.#policy.cycleMs);
    this.#cycleTimer.unref?.();
  }

  async forceCycle(): Promise<Record<string, unknown>> {
    const now = this.#now();
    this.#cycleNum++;
    const report: CycleReport = {
      network_id: this.networkId,
      cycle_num: this.#cycleNum,
      evicted: [],
      pruned: [],
      filled: [],
      tagged: [],
      trust_pruned: [],
      trust_requested: [],
      errors: 0,
    };
    const base = {
      local_tags: this.tagsOf(this.#deps.daemon.nodeId()),
      network_id: this.networkId,
      members: this.#members.size + 1,
      peer_count: this.#peers.size,
      cycle_num: this.#cycleNum,
      trusted_count: this.#deps.daemon.trustedPeers().filter((t) => this.#members.has(t.nodeId))
        .length,
    };
    for (const rule of this.#policy.rules) {
      if (rule.on !== 'cycle') continue;
      // Rules acting on one peer (evict, tag) run once per managed peer; the rest once per cycle.
      const perPeer = rule.actions.some((a) => a.type === 'evict' || a.type === 'tag');
      if (perPeer) {
        for (const peer of [...this.#peers.keys()]) {
          const env = envOf({ ...base, ...this.#peerVars(peer, now) });
          if (!this.#matches(rule, env, report)) continue;
          for (const a of rule.actions) this.#act(a, { rule: rule.name, peer, report });
        }
      } else {
        const env = envOf({ ...base, peer_id: 0, peer_tags: [], peer_age_s: 0 });
        if (!this.#matches(rule, env, report)) continue;
        for (const a of rule.actions) this.#act(a, { rule: rule.name, report });
      }
    }
    this.#deps.daemon.publishEvent('policy.cycle', { ...report });
    this.#persist();
    await this.#writes;
    return { ...report };
  }

  // ---- reconciliation ------------------------------------------------------------------------

  reconcileNow(): Promise<void> {
    this.#reconciling ??= this.#reconcile().finally(() => {
      this.#reconciling = undefined;
    });
    return this.#reconciling;
  }

  async #reconcile(): Promise<void> {
    if (this.#stopped) return;
    const daemon = this.#deps.daemon;
    let listed;
    try {
      listed = await daemon.regConnListNodes(this.networkId, daemon.adminToken() ?? '');
      this.#reconcileBackoff = 0;
    } catch (err) {
      this.#stats.reconcile_errors++;
      this.#stats.last_error = `member list: ${(err as Error).message}`;
      this.#reconcileBackoff = Math.min(
        MAX_RECONCILE_BACKOFF_MS,
        Math.max(this.#policy.reconcileMs, this.#reconcileBackoff * 2),
      );
      this.#scheduleReconcile(this.#reconcileBackoff);
      return;
    }
    if (this.#stopped) return;
    this.#stats.reconciles++;
    const self = daemon.nodeId();
    const now = this.#now();
    const next = new Map<number, readonly string[]>();
    for (const n of listed) {
      if (n.nodeId === self) this.#selfTags = [...(n.tags ?? [])];
      else next.set(n.nodeId, [...(n.tags ?? [])]);
    }
    const old = this.#members;
    this.#members = next;
    let changed = false;
    for (const id of old.keys()) {
      if (next.has(id)) continue;
      changed ||= this.#peers.delete(id);
      this.#policyTags.delete(id);
      this.#runActionEvent(
        'leave',
        envOf({ local_tags: this.tagsOf(self), peer_id: id, network_id: this.networkId }),
        id,
      );
    }
    for (const id of next.keys()) {
      if (this.#peers.has(id) || this.#cooling(id, now)) continue;
      if (!old.has(id)) {
        const verdict = this.#runActionEvent(
          'join',
          envOf({
            local_tags: this.tagsOf(self),
            peer_id: id,
            network_id: this.networkId,
            members: next.size + 1,
          }),
          id,
        );
        if (verdict === 'deny') {
          this.#evicted.set(id, DENIED_AT_JOIN);
          changed = true;
          continue;
        }
      }
      if (this.#policy.maxPeers > 0 && this.#peers.size >= this.#policy.maxPeers) continue;
      this.#addPeer(id, now);
      changed = true;
    }
    this.#reconciled = true;
    if (changed) this.#persist();
    this.#scheduleReconcile(this.#policy.reconcileMs);
  }

  #scheduleReconcile(ms: number): void {
    if (this.#stopped) return;
    clearTimeout(this.#reconcileTimer);
    this.#reconcileTimer = setTimeout(() => void this.reconcileNow(), ms);
    this.#reconcileTimer.unref?.();
  }

  // ---- state ---------------------------------------------------------------------------------

  /** The state to persist. */
  snapshot(): RunnerState {
    return {
      network_id: this.networkId,
      policy: this.#policy.json,
      peers: [...this.#peers].map(([node_id, s]) => ({
        node_id,
        joined_at: s.joinedAt,
        last_seen: s.lastSeen,
        tags: [...(this.#policyTags.get(node_id) ?? [])],
      })),
      joined_at: this.#joinedAt,
      cycle_num: this.#cycleNum,
      evicted: [...this.#evicted].map(([node_id, until]) => ({ node_id, until })),
    };
  }

  #persist(): void {
    const dir = this.#deps.dataDir;
    if (dir === undefined || this.#stopped) return;
    this.#writes = this.#writes
      .then(() => writeState(dir, this.snapshot()))
      .catch((err: unknown) => {
        this.#stats.last_error = (err as Error).message;
        this.#deps.logger.error('policy state not saved', {
          network_id: this.networkId,
          error: String(err),
        });
      });
  }

  /** Writes the state now and waits for it. */
  async flush(): Promise<void> {
    this.#persist();
    await this.#writes;
  }

  /** Removes the state file (the policy was stopped for good). */
  async forget(): Promise<void> {
    await this.#writes;
    if (this.#deps.dataDir !== undefined) await removeState(this.#deps.dataDir, this.networkId);
  }

  // ---- reporting -----------------------------------------------------------------------------

  status(): Record<string, unknown> {
    return {
      network_id: this.networkId,
      default_verdict: this.#policy.defaultVerdict,
      rules: this.#policy.rules.length,
      ...(this.#policy.cycleMs === undefined ? {} : { cycle_ms: this.#policy.cycleMs }),
      max_peers: this.#policy.maxPeers,
      members: this.#members.size,
      peers: this.#peers.size,
      evicted: [...this.#evicted.keys()],
      cycle_num: this.#cycleNum,
      joined_at: new Date(this.#joinedAt).toISOString(),
      local_tags: this.tagsOf(this.#deps.daemon.nodeId()),
      ...this.#stats,
    };
  }

  peerList(): Record<string, unknown>[] {
    const now = this.#now();
    return [...this.#peers].map(([id, s]) => ({
      node_id: id,
      age_s: Math.floor((now - s.joinedAt) / 1000),
      last_seen: new Date(s.lastSeen).toISOString(),
      tags: this.tagsOf(id),
    }));
  }

  policyJson(): string {
    return this.#policy.json;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    clearTimeout(this.#cycleTimer);
    clearTimeout(this.#reconcileTimer);
    await this.#reconciling?.catch(() => undefined);
    this.#stopped = true;
    await this.#writes;
  }
}
