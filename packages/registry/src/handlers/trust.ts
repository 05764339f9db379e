import { challenges } from '@mesh/wire';
import { decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import { pairKey } from '../state/registry-core.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { Inbox } from '../state/records.js';
import { optString, reqBool, reqId } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';

const MAX_JUSTIFICATION = 1024;

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

/** `report_trust`: stores the symmetric pair. */
export async function reportTrust(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const { node, peer } = pairArgs(core, msg, ctx, 'report_trust');
  const pair = pairKey(node, peer);
  if (!core.trust.has(pair)) {
    await core.commit([{ kind: 'trust', pair, present: true }]);
    core.trust.add(pair);
  }
  core.counters.trustReports++;
  return { type: 'report_trust_ok', node_id: node, peer_id: peer };
}

/** `revoke_trust`: error when there is no pair. */
export async function revokeTrust(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const { node, peer } = pairArgs(core, msg, ctx, 'revoke_trust');
  const pair = pairKey(node, peer);
  if (!core.trust.has(pair))
    throw new RegistryRequestError('NOT_FOUND', `no trust pair between ${node} and ${peer}`);
  await core.commit([{ kind: 'trust', pair, present: false }]);
  core.trust.delete(pair);
  core.counters.trustRevocations++;
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
  const inbox: Inbox = { ...old, requests };
  await core.commit([core.inboxWrite(to, inbox)]);
  core.setInbox(to, inbox);
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

/** `respond_handshake`: accept creates the trust pair; the answer is queued for the requester. */
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
  const mine = core.inbox(node);
  const myInbox: Inbox = {
    ...mine,
    requests: mine.requests.filter((r) => r.fromNodeId !== peer),
  };
  const theirs = core.inbox(peer);
  const responses = theirs.responses.filter((r) => r.fromNodeId !== node);
  responses.push({ fromNodeId: node, accept, timestamp: Math.floor(ctx.now / 1000) });
  // Oldest answers are dropped rather than refusing the responder.
  while (responses.length > core.config.inboxLimit) responses.shift();
  const peerInbox: Inbox = { ...theirs, responses };
  const pair = pairKey(node, peer);
  const writes = [core.inboxWrite(node, myInbox), core.inboxWrite(peer, peerInbox)];
  if (accept) writes.push({ kind: 'trust', pair, present: true });
  await core.commit(writes);
  core.setInbox(node, myInbox);
  core.setInbox(peer, peerInbox);
  if (accept) core.trust.add(pair);
  return { type: 'respond_handshake_ok', accept, peer_id: peer };
}
