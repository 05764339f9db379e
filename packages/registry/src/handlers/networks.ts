import { challenges, validateRules } from '@mesh/wire';
import type { NetworkRules } from '@mesh/wire';
import { constantTimeEquals } from '../auth/admin-token.js';
import { decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import { auditEntry, recordAudit } from '../state/audit.js';
import type { Inbox, NetworkRecord } from '../state/records.js';
import type { StoreWrite } from '../store/store.js';
import { formatAddress } from '../util/address.js';
import { optId, optString, reqBool, reqId, reqNetId, reqString } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';
import { validateNetworkName } from '../util/names.js';

const JOIN_RULES = new Set(['open', 'token', 'invite']);

/** `list_networks`: member counts only with the admin token. */
export function listNetworks(
  core: RegistryCore,
  _msg: JsonObject,
  ctx: RequestContext,
): JsonObject {
  const networks: JsonObject[] = [];
  const backbone: JsonObject = { id: 0, name: 'backbone', join_rule: 'open' };
  if (ctx.isAdmin) backbone['members'] = core.nodes.size;
  networks.push(backbone);
  for (const net of [...core.networks.values()].sort((a, b) => a.id - b.id)) {
    const e: JsonObject = { id: net.id, name: net.name, join_rule: net.joinRule };
    if (ctx.isAdmin) e['members'] = core.membersOf(net.id).size;
    networks.push(e);
  }
  return { type: 'list_networks_ok', networks };
}

/** `create_network` (admin token): validated name, join rule and rules; the creator joins. */
export async function createNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  if (!core.admin.enabled)
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      'network creation is disabled (no admin token configured)',
    );
  if (!ctx.isAdmin)
    throw new RegistryRequestError('UNAUTHORIZED', 'create_network requires a valid admin_token');
  const name = reqString(msg, 'name');
  validateNetworkName(name);
  // An empty join_rule means open, as the Go client sends it.
  const joinRule = optString(msg, 'join_rule') || 'open';
  if (!JOIN_RULES.has(joinRule))
    throw new RegistryRequestError(
      'BAD_REQUEST',
      `invalid join_rule "${joinRule}": use open, token or invite`,
    );
  const token = optString(msg, 'token') ?? '';
  if (joinRule === 'token' && token === '')
    throw new RegistryRequestError('BAD_REQUEST', 'a token network needs a non-empty token');
  for (const n of core.networks.values()) {
    if (n.name === name)
      throw new RegistryRequestError('CONFLICT', `network name "${name}" already exists`);
  }
  let rules: unknown;
  if (msg['rules'] !== undefined && msg['rules'] !== null && msg['rules'] !== '') {
    rules = msg['rules'];
    // The Go client sends rules as a JSON string (registry/client CreateNetworkWithRules).
    if (typeof rules === 'string') {
      try {
        rules = JSON.parse(rules);
      } catch (err) {
        throw new RegistryRequestError(
          'BAD_REQUEST',
          `invalid rules: not valid JSON (${(err as Error).message})`,
        );
      }
    }
    if (rules === null || typeof rules !== 'object' || Array.isArray(rules))
      throw new RegistryRequestError('BAD_REQUEST', 'invalid rules: must be a JSON object');
    try {
      validateRules(rules as NetworkRules);
    } catch (err) {
      throw new RegistryRequestError('BAD_REQUEST', `invalid rules: ${(err as Error).message}`);
    }
  }
  const id = core.nextNet;
  if (id > 0xffff) throw new RegistryRequestError('LIMIT', 'network id space exhausted');
  const creator = optId(msg, 'node_id');
  const creatorNode = creator === undefined ? undefined : core.nodes.get(creator);
  const net: NetworkRecord = {
    id,
    name,
    joinRule: joinRule as NetworkRecord['joinRule'],
    created: ctx.now,
  };
  if (token !== '') net.token = token;
  if (rules !== undefined) net.rules = rules;
  if (msg['enterprise'] === true) net.enterprise = true;
  const netAdminToken = optString(msg, 'network_admin_token');
  if (netAdminToken !== undefined && netAdminToken !== '') net.networkAdminToken = netAdminToken;
  // The creator owns the network (RBAC, handlers/network-admin.ts).
  if (creatorNode) net.roles = { [String(creatorNode.id)]: 'owner' };
  const audit = auditEntry(core, ctx.now, {
    action: 'create_network',
    networkId: id,
    ...(creatorNode ? { nodeId: creatorNode.id } : {}),
    details: name,
  });
  const writes: StoreWrite[] = [
    { kind: 'network', network: net },
    { kind: 'meta', key: 'next_net', value: id + 1 },
    audit.write,
  ];
  if (creatorNode)
    await core.putNode({ ...creatorNode, networks: [...creatorNode.networks, id] }, writes);
  else await core.commit(writes);
  core.nextNet = id + 1;
  core.networks.set(id, net);
  core.membersOf(id);
  recordAudit(core, audit.entry);
  core.logger.info('network created', { network_id: id, name });
  const resp: JsonObject = { type: 'create_network_ok', network_id: id, name, join_rule: joinRule };
  if (rules !== undefined) resp['rules'] = rules;
  return resp;
}

/** `join_network`: open, token (must match) or invite (inviter must be a member); admin token bypasses. */
export async function joinNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const nodeId = reqId(msg, 'node_id');
  const netId = reqNetId(msg, 'network_id');
  const node = core.requireNode(nodeId);
  core.authorize(
    node,
    challenges.joinNetwork(nodeId, netId),
    decodeSignature(msg['signature']),
    ctx,
  );
  if (netId === 0)
    throw new RegistryRequestError('BAD_REQUEST', 'every node is already a member of the backbone');
  const net = core.networks.get(netId);
  if (!net) throw new RegistryRequestError('NOT_FOUND', `network ${netId} not found`);
  if (node.networks.includes(netId))
    throw new RegistryRequestError(
      'CONFLICT',
      `node ${nodeId} is already a member of network ${netId}`,
    );
  const cap = net.policy?.maxMembers ?? 0;
  if (cap > 0 && core.membersOf(netId).size >= cap)
    throw new RegistryRequestError('LIMIT', `network ${netId} is full (max_members ${cap})`);
  if (!ctx.isAdmin) {
    if (net.joinRule === 'token') {
      const token = optString(msg, 'token') ?? '';
      if (token === '' || !constantTimeEquals(token, net.token ?? '')) {
        throw new RegistryRequestError('DENIED', `network ${netId} requires a valid join token`);
      }
    } else if (net.joinRule === 'invite') {
      const inviter = optId(msg, 'inviter_id');
      if (inviter === undefined || !core.membersOf(netId).has(inviter)) {
        throw new RegistryRequestError(
          'DENIED',
          `network ${netId} is invite-only: inviter_id must be a member`,
        );
      }
    }
  }
  await core.putNode({ ...node, networks: [...node.networks, netId] });
  return { type: 'join_network_ok', network_id: netId, address: formatAddress(netId, nodeId) };
}

/** `leave_network`: the backbone cannot be left. */
export async function leaveNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const nodeId = reqId(msg, 'node_id');
  const netId = reqNetId(msg, 'network_id');
  const node = core.requireNode(nodeId);
  core.authorize(
    node,
    challenges.leaveNetwork(nodeId, netId),
    decodeSignature(msg['signature']),
    ctx,
  );
  if (netId === 0) throw new RegistryRequestError('DENIED', 'the backbone cannot be left');
  if (!node.networks.includes(netId))
    throw new RegistryRequestError(
      'NOT_FOUND',
      `node ${nodeId} is not a member of network ${netId}`,
    );
  await core.putNode({ ...node, networks: node.networks.filter((n) => n !== netId) });
  return { type: 'leave_network_ok', network_id: netId };
}

/**
 * `invite_to_network`: a member (signing `invite:<inviter>:<net>:<target>`) invites a registered
 * node; the invitation waits in the target's inbox (one per network, capped like handshakes).
 */
export async function inviteToNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const netId = reqNetId(msg, 'network_id');
  const inviterId = reqId(msg, 'inviter_id');
  const targetId = reqId(msg, 'target_node_id');
  const inviter = core.requireNode(inviterId, `inviter ${inviterId} not registered`);
  core.authorize(
    inviter,
    challenges.invite(inviterId, netId, targetId),
    decodeSignature(msg['signature']),
    ctx,
  );
  if (netId === 0)
    throw new RegistryRequestError('BAD_REQUEST', 'every node is already a member of the backbone');
  if (!core.networks.has(netId))
    throw new RegistryRequestError('NOT_FOUND', `network ${netId} not found`);
  if (!ctx.isAdmin && !core.membersOf(netId).has(inviterId))
    throw new RegistryRequestError(
      'DENIED',
      `node ${inviterId} is not a member of network ${netId} and cannot invite`,
    );
  const target = core.requireNode(targetId, `target ${targetId} not registered`);
  if (target.networks.includes(netId))
    throw new RegistryRequestError(
      'CONFLICT',
      `node ${targetId} is already a member of network ${netId}`,
    );
  const old = core.inbox(targetId);
  const invites = (old.invites ?? []).filter((i) => i.networkId !== netId);
  if (invites.length >= core.config.inboxLimit)
    throw new RegistryRequestError('LIMIT', `invitation inbox of node ${targetId} is full`);
  invites.push({ networkId: netId, inviterId, timestamp: Math.floor(ctx.now / 1000) });
  const inbox: Inbox = { ...old, invites };
  await core.commit([core.inboxWrite(targetId, inbox)]);
  core.setInbox(targetId, inbox);
  return { type: 'invite_to_network_ok', network_id: netId, target_node_id: targetId };
}

/** `poll_invites` (signed `poll_invites:<node>`): pending invitations; they stay until answered. */
export function pollInvites(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  const id = reqId(msg, 'node_id');
  core.authorize(
    core.requireNode(id),
    challenges.pollInvites(id),
    decodeSignature(msg['signature']),
    ctx,
  );
  const invites: JsonObject[] = [];
  for (const i of core.inbox(id).invites ?? []) {
    const net = core.networks.get(i.networkId);
    if (!net) continue;
    invites.push({
      network_id: i.networkId,
      network_name: net.name,
      inviter_id: i.inviterId,
      timestamp: i.timestamp,
    });
  }
  return { type: 'poll_invites_ok', invites };
}

/**
 * `respond_invite` (signed `respond_invite:<node>:<net>`): answers a pending invitation; accepting
 * joins the network whatever its join rule.
 */
export async function respondInvite(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const nodeId = reqId(msg, 'node_id');
  const netId = reqNetId(msg, 'network_id');
  const accept = reqBool(msg, 'accept');
  const node = core.requireNode(nodeId);
  core.authorize(
    node,
    challenges.respondInvite(nodeId, netId),
    decodeSignature(msg['signature']),
    ctx,
  );
  const old = core.inbox(nodeId);
  const pending = old.invites ?? [];
  if (!pending.some((i) => i.networkId === netId))
    throw new RegistryRequestError(
      'NOT_FOUND',
      `node ${nodeId} has no pending invitation to network ${netId}`,
    );
  const inbox: Inbox = { ...old, invites: pending.filter((i) => i.networkId !== netId) };
  if (inbox.invites?.length === 0) delete inbox.invites;
  const writes: StoreWrite[] = [core.inboxWrite(nodeId, inbox)];
  const resp: JsonObject = { type: 'respond_invite_ok', network_id: netId, accept };
  if (accept) {
    if (!core.networks.has(netId))
      throw new RegistryRequestError('NOT_FOUND', `network ${netId} not found`);
    if (!node.networks.includes(netId)) {
      await core.putNode({ ...node, networks: [...node.networks, netId] }, writes);
    } else await core.commit(writes);
    resp['address'] = formatAddress(netId, nodeId);
  } else await core.commit(writes);
  core.setInbox(nodeId, inbox);
  return resp;
}
