// Who may administer a custom network: the registry admin token, the network's own admin token
// (blueprints), or a member whose RBAC role is high enough, proving its node id by signing
// `<message type>:<node_id>:<network_id>`. The Go client sends these messages with an admin token
// only (registry/client/client.go PromoteMember, KickMember, …); the signed form is our addition so
// an owner needs no registry-wide secret.
import { constantTimeEquals } from '../auth/admin-token.js';
import { decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { NetworkRecord } from '../state/records.js';
import { optId, optString, reqNetId } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';

/** An RBAC role in a custom network. */
export type NetworkRole = 'owner' | 'admin' | 'member';

const RANK: Record<NetworkRole, number> = { member: 0, admin: 1, owner: 2 };

/** The custom network named by `network_id`, or BAD_REQUEST / NOT_FOUND. */
export function requireNetwork(core: RegistryCore, msg: JsonObject): NetworkRecord {
  const netId = reqNetId(msg, 'network_id');
  if (netId === 0)
    throw new RegistryRequestError(
      'BAD_REQUEST',
      'network_id 0 (the backbone) cannot be administered',
    );
  const net = core.networks.get(netId);
  if (!net) throw new RegistryRequestError('NOT_FOUND', `network ${netId} not found`);
  return net;
}

/** The role of `nodeId` in `net`, or undefined when it is not a member. */
export function roleOf(
  core: RegistryCore,
  net: NetworkRecord,
  nodeId: number,
): NetworkRole | undefined {
  if (!core.membersOf(net.id).has(nodeId)) return undefined;
  return net.roles?.[String(nodeId)] ?? 'member';
}

/** The challenge a member signs for an administrative `type` on `net`. */
export function adminChallenge(type: string, nodeId: number, netId: number): string {
  return `${type}:${nodeId}:${netId}`;
}

/**
 * Authorises an administrative request. Returns the acting node id (undefined for token requests).
 * Refuses with UNAUTHORIZED (no valid credential) or DENIED (role too low).
 */
export function authorizeNetworkAdmin(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
  net: NetworkRecord,
  type: string,
  minRole: NetworkRole,
): number | undefined {
  if (ctx.isAdmin) return optId(msg, 'node_id');
  const netToken = optString(msg, 'network_admin_token') ?? optString(msg, 'admin_token');
  if (
    netToken !== undefined &&
    netToken !== '' &&
    net.networkAdminToken !== undefined &&
    constantTimeEquals(netToken, net.networkAdminToken)
  )
    return optId(msg, 'node_id');
  const actor = optId(msg, 'node_id');
  if (actor === undefined)
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      `${type} requires an admin_token or a node_id signing "${type}:<node_id>:<network_id>"`,
    );
  const node = core.requireNode(actor);
  const signature = decodeSignature(msg['signature']);
  if (node.publicKey === '' || signature === undefined)
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      `${type} requires a signature or an admin_token`,
    );
  core.authorize(node, adminChallenge(type, actor, net.id), signature, ctx);
  const role = roleOf(core, net, actor);
  if (role === undefined || RANK[role] < RANK[minRole])
    throw new RegistryRequestError(
      'DENIED',
      `${type} on network ${net.id} needs the ${minRole} role; node ${actor} is ${role ?? 'not a member'}`,
    );
  return actor;
}
