// Member tags, legacy network policies and expression policies (§D.4). Reads are open; writes need
// the admin token, the network admin token, or a signed member with a high enough role
// (admin/network-auth.ts). A member may set its own member tags by signing
// `set_member_tags:<node>:<net>:<node>`. Reference: registry/client/client.go SetMemberTags,
// GetMemberTags, SetNetworkPolicy, GetNetworkPolicy, SetExprPolicy, GetExprPolicy.
import { allowedPortsToPolicy, rulesToPolicy } from '@mesh/wire';
import type { NetworkRules } from '@mesh/wire';
import { checkExprPolicy } from '../admin/expr-policy.js';
import { authorizeNetworkAdmin, requireNetwork, roleOf } from '../admin/network-auth.js';
import { decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { NetworkPolicyRecord } from '../state/records.js';
import { optId } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';
import { normaliseTags } from '../util/names.js';
import { commitNetworkChange } from './network-admin.js';

/** The challenge a node signs to set member tags of `target` in `net`. */
export function memberTagsChallenge(node: number, net: number, target: number): string {
  return `set_member_tags:${node}:${net}:${target}`;
}

/** `set_member_tags`: `target_node_id` (default `node_id`) gets `tags` in the network. */
export async function setMemberTags(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const actor = optId(msg, 'node_id');
  const target = optId(msg, 'target_node_id') ?? actor;
  if (target === undefined || target === 0)
    throw new RegistryRequestError('BAD_REQUEST', 'missing or invalid target_node_id');
  const tags = normaliseTags(msg['tags'] ?? []);
  const self =
    !ctx.isAdmin &&
    actor !== undefined &&
    actor === target &&
    decodeSignature(msg['signature']) !== undefined;
  if (self) {
    core.authorize(
      core.requireNode(actor),
      memberTagsChallenge(actor, net.id, target),
      decodeSignature(msg['signature']),
      ctx,
    );
  } else {
    // Admin path: the admin checks sign "<type>:<node>:<net>"; for set_member_tags the
    // four-part challenge is used so one signature form serves both cases.
    if (!ctx.isAdmin && actor !== undefined && decodeSignature(msg['signature']) !== undefined) {
      core.authorize(
        core.requireNode(actor),
        memberTagsChallenge(actor, net.id, target),
        decodeSignature(msg['signature']),
        ctx,
      );
      const role = roleOf(core, net, actor);
      if (role !== 'owner' && role !== 'admin')
        throw new RegistryRequestError(
          'DENIED',
          `set_member_tags for node ${target} needs the admin role in network ${net.id}`,
        );
    } else authorizeNetworkAdmin(core, msg, ctx, net, 'set_member_tags', 'admin');
  }
  if (!core.membersOf(net.id).has(target))
    throw new RegistryRequestError(
      'NOT_FOUND',
      `node ${target} is not a member of network ${net.id}`,
    );
  const memberTags = { ...(net.memberTags ?? {}) };
  if (tags.length === 0) delete memberTags[String(target)];
  else memberTags[String(target)] = tags;
  await commitNetworkChange(
    core,
    ctx,
    { ...net, memberTags },
    {
      action: 'set_member_tags',
      networkId: net.id,
      nodeId: target,
      details: tags.join(','),
    },
  );
  return { type: 'set_member_tags_ok', network_id: net.id, target_node_id: target, tags };
}

/** `get_member_tags`: one node's tags (`target_node_id`, or `node_id`), or every member's for 0. */
export function getMemberTags(
  core: RegistryCore,
  msg: JsonObject,
  _ctx: RequestContext,
): JsonObject {
  const net = requireNetwork(core, msg);
  const target = optId(msg, 'target_node_id') ?? optId(msg, 'node_id') ?? 0;
  if (target === 0) {
    const members: JsonObject = {};
    for (const [id, tags] of Object.entries(net.memberTags ?? {}))
      if (core.membersOf(net.id).has(Number(id))) members[id] = tags;
    return { type: 'get_member_tags_ok', network_id: net.id, members };
  }
  return {
    type: 'get_member_tags_ok',
    network_id: net.id,
    target_node_id: target,
    tags: net.memberTags?.[String(target)] ?? [],
  };
}

/** Reads the legacy policy fields of a request, naming a bad field. */
export function readNetworkPolicy(
  msg: JsonObject,
  base: NetworkPolicyRecord = { maxMembers: 0, allowedPorts: [], description: '' },
  prefix = '',
): NetworkPolicyRecord {
  const out = { ...base, allowedPorts: [...base.allowedPorts] };
  const max = msg['max_members'];
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0)
      throw new RegistryRequestError(
        'BAD_REQUEST',
        `invalid ${prefix}max_members: use an integer ≥ 0`,
      );
    out.maxMembers = max;
  }
  const ports = msg['allowed_ports'];
  if (ports !== undefined && ports !== null) {
    if (
      !Array.isArray(ports) ||
      !ports.every((p) => typeof p === 'number' && Number.isInteger(p) && p >= 0 && p <= 0xffff)
    )
      throw new RegistryRequestError(
        'BAD_REQUEST',
        `invalid ${prefix}allowed_ports: use an array of ports 0-65535`,
      );
    out.allowedPorts = [...new Set(ports as number[])];
  }
  const desc = msg['description'];
  if (desc !== undefined && desc !== null) {
    if (typeof desc !== 'string' || desc.length > 1024)
      throw new RegistryRequestError(
        'BAD_REQUEST',
        `invalid ${prefix}description: a string of ≤ 1024 characters`,
      );
    out.description = desc;
  }
  return out;
}

/** `set_network_policy` (owner/admin or admin token): `max_members`, `allowed_ports`, `description`. */
export async function setNetworkPolicy(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const policy = readNetworkPolicy(msg, net.policy);
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'set_network_policy', 'admin');
  await commitNetworkChange(
    core,
    ctx,
    { ...net, policy },
    {
      action: 'set_network_policy',
      networkId: net.id,
      ...(actor ? { nodeId: actor } : {}),
    },
  );
  return { type: 'set_network_policy_ok', network_id: net.id, ...policyJson(policy) };
}

/** The legacy policy as reply fields. */
function policyJson(p: NetworkPolicyRecord): JsonObject {
  return { max_members: p.maxMembers, allowed_ports: p.allowedPorts, description: p.description };
}

/** `get_network_policy`. */
export function getNetworkPolicy(
  core: RegistryCore,
  msg: JsonObject,
  _ctx: RequestContext,
): JsonObject {
  const net = requireNetwork(core, msg);
  return {
    type: 'get_network_policy_ok',
    network_id: net.id,
    ...policyJson(net.policy ?? { maxMembers: 0, allowedPorts: [], description: '' }),
  };
}

/** `set_expr_policy` (owner/admin or admin token): `expr_policy` as JSON text; "" clears it. */
export async function setExprPolicy(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const net = requireNetwork(core, msg);
  const raw = msg['expr_policy'];
  const text = raw === '' || raw === null ? '' : checkExprPolicy(raw);
  const actor = authorizeNetworkAdmin(core, msg, ctx, net, 'set_expr_policy', 'admin');
  const next = { ...net };
  if (text === '') delete next.exprPolicy;
  else next.exprPolicy = text;
  await commitNetworkChange(core, ctx, next, {
    action: 'set_expr_policy',
    networkId: net.id,
    ...(actor ? { nodeId: actor } : {}),
    details: text === '' ? 'cleared' : 'set',
  });
  return { type: 'set_expr_policy_ok', network_id: net.id };
}

/**
 * `get_expr_policy`: the policy a daemon should run for the network — the expression policy when
 * one is set, else the managed-network rules converted by `rulesToPolicy` (§D.6), else the legacy
 * `allowed_ports` converted by `allowedPortsToPolicy`; `source` says which (`expr`, `rules`,
 * `allowed_ports`, `none`). The registry does the conversion so the policy plugin needs no codec.
 */
export function getExprPolicy(
  core: RegistryCore,
  msg: JsonObject,
  _ctx: RequestContext,
): JsonObject {
  const net = requireNetwork(core, msg);
  let source = 'none';
  let text: string | null = null;
  if (net.exprPolicy !== undefined) {
    source = 'expr';
    text = net.exprPolicy;
  } else if (net.rules !== undefined) {
    source = 'rules';
    text = rulesToPolicy(net.rules as NetworkRules);
  } else if ((net.policy?.allowedPorts.length ?? 0) > 0) {
    source = 'allowed_ports';
    text = allowedPortsToPolicy(net.policy!.allowedPorts);
  }
  return { type: 'get_expr_policy_ok', network_id: net.id, expr_policy: text ?? '', source };
}
