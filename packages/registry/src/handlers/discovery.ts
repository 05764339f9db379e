import { challenges } from '@mesh/wire';
import { decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { NodeRecord } from '../state/records.js';
import { formatAddress } from '../util/address.js';
import { optId, reqId, reqNetId, reqString } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';

/** The endpoint handed out for a node ('' for relay-only nodes). */
function endpoint(node: NodeRecord): string {
  return node.relayOnly ? '' : node.realAddr;
}

/** Lookup data shared by JSON and binary mode (endpoint only for public nodes). */
export function lookupCore(
  core: RegistryCore,
  nodeId: number,
): {
  node: NodeRecord;
  realAddr: string;
} {
  const node = core.requireNode(nodeId, `node ${nodeId} not found`);
  return { node, realAddr: node.public ? endpoint(node) : '' };
}

/** `lookup`. */
export function lookup(core: RegistryCore, msg: JsonObject): JsonObject {
  const { node, realAddr } = lookupCore(core, reqId(msg, 'node_id'));
  const resp: JsonObject = {
    type: 'lookup_ok',
    node_id: node.id,
    address: formatAddress(0, node.id),
    networks: node.networks,
    public_key: node.publicKey,
    public: node.public,
    polo_score: 0,
  };
  if (node.hostname !== '') resp['hostname'] = node.hostname;
  if (node.tags.length > 0) resp['tags'] = node.tags;
  if (node.taskExec) resp['task_exec'] = true;
  if (realAddr !== '') resp['real_addr'] = realAddr;
  if (node.externalId) resp['external_id'] = node.externalId;
  return resp;
}

/**
 * Resolve logic shared by both modes: the requester must be registered and sign
 * `resolve:<requester>:<target>`; allowed when the target is public, trusts the requester, or
 * shares a non-backbone network with it.
 */
export function resolveCore(
  core: RegistryCore,
  target: number,
  requester: number,
  signature: Uint8Array | undefined,
  ctx: RequestContext,
): { nodeId: number; realAddr: string; lanAddrs: string[]; keyAgeDays: number } {
  const req = core.requireNode(requester, `requester ${requester} not registered`);
  core.authorize(req, challenges.resolve(requester, target), signature, ctx);
  const node = core.requireNode(target, `node ${target} not found`);
  if (!ctx.isAdmin && !core.mayResolve(req, node)) {
    throw new RegistryRequestError('DENIED', `resolve denied: node ${target} is private`);
  }
  return {
    nodeId: node.id,
    realAddr: endpoint(node),
    lanAddrs: node.lanAddrs,
    keyAgeDays: core.keyAgeDays(node, ctx.now),
  };
}

/** `resolve`. */
export function resolve(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  const r = resolveCore(
    core,
    reqId(msg, 'node_id'),
    reqId(msg, 'requester_id'),
    decodeSignature(msg['signature']),
    ctx,
  );
  return {
    type: 'resolve_ok',
    node_id: r.nodeId,
    real_addr: r.realAddr,
    lan_addrs: r.lanAddrs,
    key_age_days: r.keyAgeDays,
  };
}

/**
 * `resolve_hostname`: hostname → node id and address (never the endpoint). A private node's name
 * resolves only for itself, a trusted peer or a node sharing a non-backbone network with it (the
 * `requester_id` field); for anyone else it is "not found", so names do not leak private nodes.
 */
export function resolveHostname(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): JsonObject {
  const hostname = reqString(msg, 'hostname');
  if (hostname === '') throw new RegistryRequestError('BAD_REQUEST', 'hostname required');
  const requesterId = optId(msg, 'requester_id');
  const id = core.hostnames.get(hostname);
  const node = id === undefined ? undefined : core.nodes.get(id);
  const requester = requesterId === undefined ? undefined : core.nodes.get(requesterId);
  const visible =
    node !== undefined &&
    (node.public || ctx.isAdmin || (requester !== undefined && core.mayResolve(requester, node)));
  if (!node || !visible)
    throw new RegistryRequestError('NOT_FOUND', `hostname "${hostname}" not found`);
  return {
    type: 'resolve_hostname_ok',
    node_id: node.id,
    address: formatAddress(0, node.id),
    public: node.public,
    hostname,
  };
}

/**
 * `punch`: both endpoints for coordinated hole punching. The requester must be one of the two and
 * sign `punch:<a>:<b>`; it must also be allowed to resolve the other side (so punch cannot be
 * used to read a private node's endpoint).
 */
export function punch(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  const requester = reqId(msg, 'requester_id');
  const a = reqId(msg, 'node_a');
  const b = reqId(msg, 'node_b');
  if (requester !== a && requester !== b)
    throw new RegistryRequestError('DENIED', 'punch: requester must be node_a or node_b');
  const req = core.requireNode(requester, `requester ${requester} not registered`);
  core.authorize(req, challenges.punch(a, b), decodeSignature(msg['signature']), ctx);
  const na = core.requireNode(a);
  const nb = core.requireNode(b);
  const other = requester === a ? nb : na;
  if (!ctx.isAdmin && !core.mayResolve(req, other)) {
    throw new RegistryRequestError('DENIED', `punch denied: node ${other.id} is private`);
  }
  return {
    type: 'punch_ok',
    node_a: a,
    node_a_addr: endpoint(na),
    node_b: b,
    node_b_addr: endpoint(nb),
  };
}

/** `list_nodes`: members of a network; the backbone only with the admin token. */
export function listNodes(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  const net = reqNetId(msg, 'network_id');
  let ids: Iterable<number>;
  if (net === 0) {
    if (!ctx.isAdmin)
      throw new RegistryRequestError(
        'DENIED',
        'listing the backbone (network 0) requires the admin token',
      );
    ids = core.nodes.keys();
  } else {
    if (!core.networks.has(net))
      throw new RegistryRequestError('NOT_FOUND', `network ${net} not found`);
    ids = core.membersOf(net);
  }
  const nodes: JsonObject[] = [];
  for (const id of ids) {
    const n = core.nodes.get(id);
    if (!n) continue;
    const e: JsonObject = { node_id: n.id, address: formatAddress(net, n.id) };
    if (n.hostname !== '') e['hostname'] = n.hostname;
    // In a custom network the listing carries node tags ∪ that network's member tags.
    const memberTags = net === 0 ? undefined : core.networks.get(net)?.memberTags?.[String(n.id)];
    const tags = memberTags ? [...new Set([...n.tags, ...memberTags])] : n.tags;
    if (tags.length > 0) e['tags'] = tags;
    if (n.taskExec) e['task_exec'] = true;
    if (n.public && endpoint(n) !== '') e['real_addr'] = endpoint(n);
    nodes.push(e);
  }
  return { type: 'list_nodes_ok', network_id: net, nodes };
}
