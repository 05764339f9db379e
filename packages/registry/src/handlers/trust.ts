import { challenges } from '@mesh/wire';
import { decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import { pairKey } from '../state/registry-core.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { Inbox, InboxConsent } from '../state/records.js';
import type { StoreWrite } from '../store/store.js';
import { optString, reqBool, reqId } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';

const MAX_JUSTIFICATION = 1024;
/** Standing consents kept per node; the oldest go first (a sender holds at most one). */
export const MAX_CONSENTS = 1024;

/**
 * Inbox changes of one request, committed together: trust pairs need both sides' consent, and
 * a consent lives in the inbox of the node it is addressed to.
 */
class InboxWork {
  readonly #changed = new Map<number, Inbox>();
  readonly writes: StoreWrite[] = [];

  constructor(readonly core: RegistryCore) {}

  get(id: number): Inbox {
    return this.#changed.get(id) ?? this.core.inbox(id);
  }

  set(id: number, inbox: Inbox): void {
    this.#changed.set(id, inbox);
  }

  /** Whether `from` consented to a pair with `to`: a standing consent or a pending request. */
  consented(from: number, to: number): boolean {
    const inbox = this.get(to);
    return (
      (inbox.consents ?? []).some((c) => c.fromNodeId === from) ||
      inbox.requests.some((r) => r.fromNodeId === from)
    );
  }

  /** Drops `from`'s consent (not its request) from `to`'s inbox. */
  dropConsent(from: number, to: number): boolean {
    const inbox = this.get(to);
    const consents = inbox.consents ?? [];
    const rest = consents.filter((c) => c.fromNodeId !== from);
    if (rest.length === consents.length) return false;
    this.set(to, withConsents(inbox, rest));
    return true;
  }

  /**
   * `from` consents to a pair with `to`: the pair is made when `to` consented already, otherwise
   * the consent waits in `to`'s inbox. Returns whether the pair exists now.
   */
  consent(from: number, to: number, now: number): boolean {
    const pair = pairKey(from, to);
    if (this.core.trust.has(pair)) return true;
    if (this.consented(to, from)) {
      this.dropConsent(to, from);
      this.dropConsent(from, to);
      this.writes.push({ kind: 'trust', pair, present: true });
      return true;
    }
    const inbox = this.get(to);
    const consents = (inbox.consents ?? []).filter((c) => c.fromNodeId !== from);
    consents.push({ fromNodeId: from, timestamp: Math.floor(now / 1000) });
    while (consents.length > MAX_CONSENTS) consents.shift();
    this.set(to, withConsents(inbox, consents));
    return false;
  }

  /** Commits the changed inboxes and pairs, then applies them in memory. */
  async commit(extra: StoreWrite[] = []): Promise<void> {
    const inboxWrites = [...this.#changed].map(([id, inbox]) => this.core.inboxWrite(id, inbox));
    const all = [...inboxWrites, ...this.writes, ...extra];
    if (all.length === 0) return;
    await this.core.commit(all);
    for (const [id, inbox] of this.#changed) this.core.setInbox(id, inbox);
    for (const w of [...this.writes, ...extra]) {
      if (w.kind !== 'trust') continue;
      if (w.present) this.core.trust.add(w.pair);
      else this.core.trust.delete(w.pair);
    }
  }
}

/** `inbox` with its consents replaced (the field dropped when empty). */
function withConsents(inbox: Inbox, consents: InboxConsent[]): Inbox {
  const next: Inbox = { ...inbox };
  if (consents.length > 0) next.consents = consents;
  else delete next.consents;
  return next;
}

/** Parses and authorises the node/peer pair of report_trust and revoke_trust. */
function pairArgs(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
  op: 'report_trust' | 'revoke_trust',
): { node: number; peer: number } {
  const node = reqId(msg, 'node_id');
  const peer = reqId(msg, 'peer_id');
  if (node === peer)
    throw new RegistryRequestError('BAD_REQUEST', `${op}: a node cannot pair with itself`);
  const rec = core.requireNode(node);
  const challenge = op === 'report_trust' ? challenges.reportTrust : challenges.revokeTrust;
  core.authorize(rec, challenge(node, peer), decodeSignature(msg['signature']), ctx);
  // Only ids the registry has assigned (a peer may be reaped right now): otherwise one node could
  // fill the trust table with pairs for billions of ids that never existed.
  if (op === 'report_trust' && (peer === 0 || peer >= core.nextNode))
    throw new RegistryRequestError('NOT_FOUND', `${op}: node ${peer} was never registered`);
  return { node, peer };
}

/**
 * `report_trust`: this node consents to a pair with the peer. The pair is made only when the
 * peer consented too (its own report, or a handshake request to this node); otherwise the answer
 * says `pending: true` and the consent waits for the peer's.
 */
export async function reportTrust(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const { node, peer } = pairArgs(core, msg, ctx, 'report_trust');
  const work = new InboxWork(core);
  const paired = work.consent(node, peer, ctx.now);
  await work.commit();
  core.counters.trustReports++;
  const resp: JsonObject = { type: 'report_trust_ok', node_id: node, peer_id: peer };
  if (!paired) resp['pending'] = true;
  return resp;
}

/** `revoke_trust`: removes the pair and this node's standing consent; error when neither exists. */
export async function revokeTrust(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const { node, peer } = pairArgs(core, msg, ctx, 'revoke_trust');
  const pair = pairKey(node, peer);
  const work = new InboxWork(core);
  const withdrawn = work.dropConsent(node, peer);
  const paired = core.trust.has(pair);
  if (!paired && !withdrawn)
    throw new RegistryRequestError('NOT_FOUND', `no trust pair between ${node} and ${peer}`);
  if (paired) work.writes.push({ kind: 'trust', pair, present: false });
  await work.commit();
  if (paired) core.counters.trustRevocations++;
  return { type: 'revoke_trust_ok', node_id: node, peer_id: peer };
}

/** `check_trust`. */
export function checkTrust(core: RegistryCore, msg: JsonObject): JsonObject {
  const node = reqId(msg, 'node_id');
  const peer = reqId(msg, 'peer_id');
  return {
    type: 'check_trust_ok',
    node_id: node,
    peer_id: peer,
    trusted: core.trusted(node, peer),
  };
}

/** `request_handshake`: queue in the target's inbox (one pending request per sender, inbox capped). */
export async function requestHandshake(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const from = reqId(msg, 'from_node_id');
  const to = reqId(msg, 'to_node_id');
  const justification = optString(msg, 'justification') ?? '';
  if (justification.length > MAX_JUSTIFICATION) {
    throw new RegistryRequestError(
      'BAD_REQUEST',
      `justification too long (max ${MAX_JUSTIFICATION} characters)`,
    );
  }
  if (from === to)
    throw new RegistryRequestError(
      'BAD_REQUEST',
      'request_handshake: cannot handshake with yourself',
    );
  const sender = core.requireNode(from, `sender ${from} not registered`);
  core.authorize(sender, challenges.handshake(from, to), decodeSignature(msg['signature']), ctx);
  core.requireNode(to, `target ${to} not registered`);
  const old = core.inbox(to);
  const requests = old.requests.filter((r) => r.fromNodeId !== from);
  if (requests.length >= core.config.inboxLimit) {
    throw new RegistryRequestError('LIMIT', `handshake inbox of node ${to} is full`);
  }
  requests.push({ fromNodeId: from, justification, timestamp: Math.floor(ctx.now / 1000) });
  // Asking for trust is consent to it: it outlives the poll that drains the request.
  const work = new InboxWork(core);
  work.set(to, { ...old, requests });
  work.consent(from, to, ctx.now);
  await work.commit();
  core.counters.handshakeRequests++;
  return { type: 'request_handshake_ok', status: 'delivered' };
}

/** `poll_handshakes`: returns and clears both inboxes. */
export async function pollHandshakes(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const id = reqId(msg, 'node_id');
  core.authorize(
    core.requireNode(id),
    challenges.pollHandshakes(id),
    decodeSignature(msg['signature']),
    ctx,
  );
  const inbox = core.inbox(id);
  if (inbox.requests.length + inbox.responses.length > 0) {
    // Network invitations are answered separately; the poll only drains the handshake queues.
    const rest: Inbox = { ...inbox, requests: [], responses: [] };
    await core.commit([core.inboxWrite(id, rest)]);
    core.setInbox(id, rest);
  }
  return {
    type: 'poll_handshakes_ok',
    requests: inbox.requests.map((r) => ({
      from_node_id: r.fromNodeId,
      justification: r.justification,
      timestamp: r.timestamp,
    })),
    responses: inbox.responses.map((r) => ({
      from_node_id: r.fromNodeId,
      accept: r.accept,
      timestamp: r.timestamp,
    })),
  };
}

/**
 * `respond_handshake`: the answer is queued for the requester; accepting makes the trust pair
 * only when the requester consented (else `pending: true`, like a one-sided `report_trust`).
 */
export async function respondHandshake(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const node = reqId(msg, 'node_id');
  const peer = reqId(msg, 'peer_id');
  const accept = reqBool(msg, 'accept');
  if (node === peer)
    throw new RegistryRequestError('BAD_REQUEST', 'respond_handshake: cannot respond to yourself');
  core.authorize(
    core.requireNode(node),
    challenges.respond(node, peer),
    decodeSignature(msg['signature']),
    ctx,
  );
  if (!core.nodes.has(peer) && ![...core.inbox(node).requests].some((r) => r.fromNodeId === peer)) {
    throw new RegistryRequestError('NOT_FOUND', `node ${peer} not registered`);
  }
  const work = new InboxWork(core);
  // Accepting is this node's consent: a pair only when the peer consented too (its request or
  // report). An answer to a request that came directly (port 444) still goes to the peer's
  // inbox; the pair forms when the peer reports trust on reading it.
  const paired = accept ? work.consent(node, peer, ctx.now) : false;
  if (!accept) work.dropConsent(peer, node);
  const mine = work.get(node);
  work.set(node, { ...mine, requests: mine.requests.filter((r) => r.fromNodeId !== peer) });
  const theirs = work.get(peer);
  const responses = theirs.responses.filter((r) => r.fromNodeId !== node);
  responses.push({ fromNodeId: node, accept, timestamp: Math.floor(ctx.now / 1000) });
  // Oldest answers are dropped rather than refusing the responder.
  while (responses.length > core.config.inboxLimit) responses.shift();
  work.set(peer, { ...theirs, responses });
  await work.commit();
  const resp: JsonObject = { type: 'respond_handshake_ok', accept, peer_id: peer };
  if (accept && !paired) resp['pending'] = true;
  return resp;
}
