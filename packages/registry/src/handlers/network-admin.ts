// Network administration (§D.4): delete, rename, enterprise flag, RBAC (promote, demote, kick,
// transfer ownership, roles) and the audit log. Each change and its audit entry are one store batch,
// committed before the reply. Reference: registry/client/client.go DeleteNetwork, RenameNetwork,
// SetNetworkEnterprise, PromoteMember, DemoteMember, KickMember, TransferOwnership, GetMemberRole,
// GetAuditLog (request fields); RBAC roles owner/admin/member.
import { authorizeNetworkAdmin, requireNetwork, roleOf } from '../admin/network-auth.js';
import { RegistryRequestError } from '../errors.js';
import { auditEntry, recordAudit } from '../state/audit.js';
import type { AuditFields } from '../state/audit.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { NetworkRecord, NodeRecord } from '../state/records.js';
import type { StoreWrite } from '../store/store.js';
import { optId, reqBool, reqId, reqString } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';
import { validateNetworkName } from '../util/names.js';

/**
 * Commits a new network record, optional node records and the audit entry as one batch, then
 * applies them in memory. `nodes` only change memberships (not hostnames).
 */
export async function commitNetworkChange(
  core: RegistryCore,
  ctx: RequestContext,
  net: NetworkRecord | { deleteId: number },
  audit: AuditFields,
  nodes: readonly NodeRecord[] = [],
  extra: readonly StoreWrite[] = [],
): Promise<void> {
  const { entry, write } = auditEntry(core, ctx.now, audit);
  const writes: StoreWrite[] = [
    'deleteId' in net
      ? { kind: 'deleteNetwork', id: net.deleteId }
      : { kind: 'network', network: net },
    ...nodes.map((node): StoreWrite => ({ kind: 'node', node })),
    ...extra,
    write,
  ];
  await core.commit(writes);
  for (const node of nodes) {
    const old = core.nodes.get(node.id);
    for (const n of old?.networks ?? []) if (n !== 0) core.members.get(n)?.delete(node.id);
    core.nodes.set(node.id, node);
    for (const n of node.networks) if (n !== 0) core.membersOf(n).add(node.id);
  }
  if ('deleteId' in net) {
    core.networks.delete(net.deleteId);
    core.members.delete(net.deleteId);
  } else core.networks.set(net.id, net);
  recordAudit(core, entry);
}

/** A copy of `net` with `nodeId`'s role and member tags removed. */
function withoutMember(net: NetworkRecord, nodeId: number): NetworkRecord {
  const next: NetworkRecord = { ...net };
  if (net.roles) {
    next.roles = { ...net.roles };
    delete next.roles[String(nodeId)];
  }
  if (net.memberTags) {
    next.memberTags = { ...net.memberTags };
    delete next.memberTags[String(nodeId)];
  }
  return next;
}

/** `delete_network` (owner or admin token): every member leaves, the network is removed. */
export async function deleteNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'delete_network', 'owner');
  const nodes = [...core.membersOf(net.id)].flatMap((id) => {
    const n = core.nodes.get(id);
    return n ? [{ ...n, networks: n.networks.filter((x) => x !== net.id) }] : [];
  });
  await commitNetworkChange(
    core,
    ctx,
    { deleteId: net.id },
    {
      action: 'delete_network',
      networkId: net.id,
      ...(actor ? { nodeId: actor } : {}),
      details: net.name,
    },
    nodes,
  );
  core.logger.info('network deleted', { network_id: net.id, name: net.name });
  return { type: 'delete_network_ok', network_id: net.id, name: net.name };
}

/** `rename_network` (owner/admin or admin token): a valid, unused name. */
export async function renameNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const name = reqString(msg, 'name');
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'rename_network', 'admin');
  validateNetworkName(name);
  for (const n of core.networks.values())
    if (n.name === name && n.id !== net.id)
      throw new RegistryRequestError('CONFLICT', `network name "${name}" already exists`);
  await commitNetworkChange(
    core,
    ctx,
    { ...net, name },
    {
      action: 'rename_network',
      networkId: net.id,
      ...(actor ? { nodeId: actor } : {}),
      details: `${net.name} -> ${name}`,
    },
  );
  return { type: 'rename_network_ok', network_id: net.id, name };
}

/** `set_network_enterprise` (owner or admin token). */
export async function setNetworkEnterprise(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const enterprise = reqBool(msg, 'enterprise');
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'set_network_enterprise', 'owner');
  await commitNetworkChange(
    core,
    ctx,
    { ...net, enterprise },
    {
      action: 'set_network_enterprise',
      networkId: net.id,
      ...(actor ? { nodeId: actor } : {}),
      details: String(enterprise),
    },
  );
  return { type: 'set_network_enterprise_ok', network_id: net.id, enterprise };
}

/** The member named by `field`, or NOT_FOUND. */
function requireMember(
  core: RegistryCore,
  net: NetworkRecord,
  msg: JsonObject,
  field: string,
): number {
  const target = reqId(msg, field);
  if (!core.membersOf(net.id).has(target))
    throw new RegistryRequestError(
      'NOT_FOUND',
      `node ${target} is not a member of network ${net.id}`,
    );
  return target;
}

/** Promotes or demotes `target_node_id` (owner only). */
async function setRole(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
  type: 'promote_member' | 'demote_member',
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, type, 'owner');
  const target = requireMember(core, net, msg, 'target_node_id');
  const current = roleOf(core, net, target);
  if (current === 'owner')
    throw new RegistryRequestError(
      'DENIED',
      `node ${target} owns network ${net.id}; use transfer_ownership to change the owner`,
    );
  const roles = { ...(net.roles ?? {}) };
  if (type === 'promote_member') roles[String(target)] = 'admin';
  else delete roles[String(target)];
  const role = type === 'promote_member' ? 'admin' : 'member';
  await commitNetworkChange(
    core,
    ctx,
    { ...net, roles },
    {
      action: type,
      networkId: net.id,
      nodeId: target,
      details: `${current ?? 'member'} -> ${role}${actor ? ` by ${actor}` : ''}`,
    },
  );
  return { type: `${type}_ok`, network_id: net.id, target_node_id: target, role };
}

/** `promote_member` (owner or admin token): member → admin. */
export function promoteMember(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  return setRole(core, msg, ctx, 'promote_member');
}

/** `demote_member` (owner or admin token): admin → member. */
export function demoteMember(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  return setRole(core, msg, ctx, 'demote_member');
}

/** `kick_member` (owner/admin or admin token): removes a member; an admin cannot kick an admin. */
export async function kickMember(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'kick_member', 'admin');
  const target = requireMember(core, net, msg, 'target_node_id');
  const targetRole = roleOf(core, net, target);
  if (targetRole === 'owner')
    throw new RegistryRequestError(
      'DENIED',
      `node ${target} owns network ${net.id} and cannot be kicked`,
    );
  if (
    actor !== undefined &&
    !ctx.isAdmin &&
    targetRole === 'admin' &&
    roleOf(core, net, actor) !== 'owner'
  )
    throw new RegistryRequestError('DENIED', `only the owner can kick admin ${target}`);
  const node = core.requireNode(target);
  await commitNetworkChange(
    core,
    ctx,
    withoutMember(net, target),
    {
      action: 'kick_member',
      networkId: net.id,
      nodeId: target,
      ...(actor ? { details: `by ${actor}` } : {}),
    },
    [{ ...node, networks: node.networks.filter((n) => n !== net.id) }],
  );
  return { type: 'kick_member_ok', network_id: net.id, target_node_id: target };
}

/** `transfer_ownership` (owner or admin token): the new owner must be a member; the old one becomes admin. */
export async function transferOwnership(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'transfer_ownership', 'owner');
  const next = requireMember(core, net, msg, 'new_owner_id');
  const roles: Record<string, 'owner' | 'admin'> = {};
  for (const [id, role] of Object.entries(net.roles ?? {}))
    roles[id] = role === 'owner' ? 'admin' : role;
  roles[String(next)] = 'owner';
  await commitNetworkChange(
    core,
    ctx,
    { ...net, roles },
    {
      action: 'transfer_ownership',
      networkId: net.id,
      nodeId: next,
      ...(actor ? { details: `from ${actor}` } : {}),
    },
  );
  return { type: 'transfer_ownership_ok', network_id: net.id, new_owner_id: next };
}

/** `get_member_role`: owner, admin or member (NOT_FOUND for non-members). */
export function getMemberRole(
  core: RegistryCore,
  msg: JsonObject,
  _ctx: RequestContext,
): JsonObject {
  const net = requireNetwork(core, msg);
  const target = optId(msg, 'target_node_id') ?? reqId(msg, 'node_id');
  const role = roleOf(core, net, target);
  if (role === undefined)
    throw new RegistryRequestError(
      'NOT_FOUND',
      `node ${target} is not a member of network ${net.id}`,
    );
  return { type: 'get_member_role_ok', network_id: net.id, target_node_id: target, role };
}

/** `get_audit_log` (admin token): newest first; `limit` 1–1000 (default 100); optional `network_id`. */
export function getAuditLog(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  if (!ctx.isAdmin)
    throw new RegistryRequestError('UNAUTHORIZED', 'get_audit_log requires a valid admin_token');
  const limitRaw = msg['limit'];
  let limit = 100;
  if (limitRaw !== undefined && limitRaw !== null) {
    if (
      typeof limitRaw !== 'number' ||
      !Number.isInteger(limitRaw) ||
      limitRaw < 1 ||
      limitRaw > 1000
    )
      throw new RegistryRequestError('BAD_REQUEST', 'invalid limit: use an integer from 1 to 1000');
    limit = limitRaw;
  }
  const netFilter = optId(msg, 'network_id');
  const entries: JsonObject[] = [];
  for (let i = core.audit.length - 1; i >= 0 && entries.length < limit; i--) {
    const e = core.audit[i];
    if (netFilter !== undefined && netFilter !== 0 && e.networkId !== netFilter) continue;
    const out: JsonObject = { timestamp: new Date(e.timestamp).toISOString(), action: e.action };
    if (e.networkId !== undefined) out['network_id'] = e.networkId;
    if (e.nodeId !== undefined) out['node_id'] = e.nodeId;
    if (e.details !== undefined) out['details'] = e.details;
    entries.push(out);
  }
  return { type: 'get_audit_log_ok', entries };
}
