import { formatHostPort } from '@mesh/protocol';
import { challenges } from '@mesh/wire';
import { checkEnvelope, hasEnvelope } from '../auth/request-envelope.js';
import { decodePublicKey, decodeSignature } from '../auth/signature.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { NodeRecord } from '../state/records.js';
import type { StoreWrite } from '../store/store.js';
import { formatAddress, portOf } from '../util/address.js';
import { optString, reqBool, reqId, reqString } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';
import { normaliseTags, validateHostname } from '../util/names.js';

const MAX_LAN_ADDRS = 16;
const MAX_ADDR_LENGTH = 64;
const MAX_OWNER_LENGTH = 256;
const MAX_VERSION_LENGTH = 64;

/** Stored free-text fields are bounded, so one client cannot grow the registry's memory at will. */
function bounded(value: string, field: string, max: number): string {
  if (value.length > max)
    throw new RegistryRequestError('BAD_REQUEST', `${field} too long (max ${max} characters)`);
  return value;
}

/** The decoded `signature` field, if present and 64 bytes. */
function challengeSig(msg: JsonObject): Uint8Array | undefined {
  return decodeSignature(msg['signature']);
}

/** Validates the optional `lan_addrs` list. */
function lanAddrs(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > MAX_LAN_ADDRS) {
    throw new RegistryRequestError(
      'BAD_REQUEST',
      `lan_addrs must be an array of at most ${MAX_LAN_ADDRS} addresses`,
    );
  }
  return value.map((a) => {
    if (typeof a !== 'string' || a.length === 0 || a.length > MAX_ADDR_LENGTH) {
      throw new RegistryRequestError('BAD_REQUEST', 'invalid lan_addrs entry');
    }
    return a;
  });
}

/**
 * Whether a `register` proves possession of `publicKey`: a valid request envelope (naming node 0
 * or `id`), or the Go form — `signature` over `register:<listen_addr>:<public_key>` — unless the
 * node already authenticates with envelopes (then a bare signature could be a replay).
 * @throws RegistryRequestError when a proof is present but does not verify
 */
function registerProof(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
  publicKey: string,
  listenAddr: string,
  id: number | undefined,
  latched: boolean,
): 'envelope' | 'signature' | undefined {
  if (hasEnvelope(msg)) {
    checkEnvelope(msg, {
      verifier: core.verifier,
      nonces: core.nonces,
      publicKey,
      nodes: id === undefined ? [0] : [0, id],
      now: ctx.now,
      ...(ctx.auth ? { claimed: ctx.auth.claimed } : {}),
    });
    return 'envelope';
  }
  if (msg['signature'] === undefined) return undefined;
  const sig = challengeSig(msg);
  if (!sig || !core.verifier.verify(publicKey, challenges.register(listenAddr, publicKey), sig)) {
    throw new RegistryRequestError(
      'INVALID_SIGNATURE',
      'register signature verification failed (expected over register:<listen_addr>:<public_key>)',
    );
  }
  return latched ? undefined : 'signature';
}

/**
 * `register`: same key → same id; endpoint = source IP + listen port. Anything that changes a
 * known node (endpoint, hostname, owner) needs proof of possession of its key (see
 * {@link registerProof}); without one a known key only gets its id back. An owner string moves
 * an id to a new key only with `rebind_signature` by the id's current key.
 */
export async function register(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const publicKey = reqString(msg, 'public_key');
  if (!decodePublicKey(publicKey)) {
    throw new RegistryRequestError(
      'BAD_REQUEST',
      'public_key must be a base64 Ed25519 public key (32 bytes)',
    );
  }
  const listenAddr = bounded(optString(msg, 'listen_addr') ?? '', 'listen_addr', MAX_ADDR_LENGTH);
  const owner = bounded(optString(msg, 'owner') ?? '', 'owner', MAX_OWNER_LENGTH);
  const hostname = optString(msg, 'hostname') ?? '';
  const lan = lanAddrs(msg['lan_addrs']);
  const versionText = optString(msg, 'version');
  const version =
    versionText === undefined ? undefined : bounded(versionText, 'version', MAX_VERSION_LENGTH);
  const relayOnly = msg['relay_only'] === true;

  const known = core.keyIndex.get(publicKey);
  const knownRecord = known === undefined ? undefined : core.nodes.get(known);
  // An owner string can only bring back an id whose key this request can vouch for.
  let ownerId = known === undefined && owner !== '' ? core.ownerIndex.get(owner) : undefined;
  const proof = registerProof(
    core,
    msg,
    ctx,
    publicKey,
    optString(msg, 'listen_addr') ?? '',
    known ?? ownerId,
    knownRecord?.reqsig === true,
  );
  if (known !== undefined && proof === undefined) {
    if (!knownRecord) {
      throw new RegistryRequestError(
        'UNAUTHORIZED',
        `node ${known} is not registered; registering its key again needs proof of possession (signature over register:<listen_addr>:<public_key>, or a request envelope)`,
      );
    }
    // Unproven: the caller learns the id (public through lookup anyway), nothing changes.
    const resp: JsonObject = {
      type: 'register_ok',
      node_id: known,
      network_id: 0,
      address: formatAddress(0, known),
      public_key: publicKey,
      unchanged: true,
    };
    if (knownRecord.hostname !== '') resp['hostname'] = knownRecord.hostname;
    return resp;
  }
  let ownerError: string | undefined;
  if (ownerId !== undefined) {
    const bound =
      core.nodes.get(ownerId)?.publicKey ??
      [...core.keyIndex].find(([, v]) => v === ownerId)?.[0] ??
      '';
    if (bound !== '' && bound !== publicKey) {
      const rebind = msg['rebind_signature'];
      const sig = decodeSignature(rebind);
      if (sig && core.verifier.verify(bound, challenges.rebind(ownerId, publicKey), sig)) {
        // Proven by the id's current key: the owner reclaim goes ahead.
      } else if (rebind !== undefined) {
        throw new RegistryRequestError(
          'INVALID_SIGNATURE',
          `rebind_signature verification failed (expected rebind:${ownerId}:<public_key> by node ${ownerId}'s current key)`,
        );
      } else {
        ownerError = `owner "${owner}" belongs to node ${ownerId}; moving it to a new key needs rebind_signature by that node's current key (or rotate_key)`;
        ownerId = undefined;
      }
    }
  }
  if (
    known === undefined &&
    ctx.rerun !== true &&
    !(await core.allowRegistration(ctx.remoteIp, ctx.now))
  ) {
    throw new RegistryRequestError(
      'RATE_LIMITED',
      'registration rate limit exceeded for this address; try again later',
    );
  }
  const writes: StoreWrite[] = [];
  let id = known ?? ownerId;
  const reclaimed = known === undefined && ownerId !== undefined;
  if (id === undefined) {
    id = core.nextNode;
    if (id > 0xfffffffe) throw new RegistryRequestError('LIMIT', 'node id space exhausted');
    core.nextNode = id + 1;
    writes.push({ kind: 'meta', key: 'next_node', value: core.nextNode });
  }
  const existing = core.nodes.get(id);
  // An owner reclaim replaces the node's key: the old key no longer maps to it.
  const oldKey = !reclaimed
    ? undefined
    : (existing?.publicKey ?? [...core.keyIndex].find(([, v]) => v === id)?.[0]);
  if (oldKey !== undefined && oldKey !== publicKey && core.keyIndex.get(oldKey) === id) {
    writes.push({ kind: 'keyIndex', publicKey: oldKey, nodeId: undefined });
  }
  if (known === undefined) writes.push({ kind: 'keyIndex', publicKey, nodeId: id });
  // An owner string someone else holds is not taken over (see ownerError).
  const ownerHolder = owner === '' ? undefined : core.ownerIndex.get(owner);
  if (owner !== '' && ownerError === undefined && ownerHolder !== undefined && ownerHolder !== id)
    ownerError = `owner "${owner}" belongs to node ${ownerHolder}; it was left there`;
  const claimOwner = owner !== '' && ownerError === undefined;
  if (claimOwner && ownerHolder !== id) writes.push({ kind: 'ownerIndex', owner, nodeId: id });
  // A node that changes its owner string gives up the old one(s), so the index holds one per
  // node. The record names the old owner; after deregistration or reaping only the index does
  // (scanned, but only when the owner string actually changes, which is rare).
  const dropOwners: string[] = [];
  if (claimOwner && ownerHolder !== id) {
    if (existing) {
      if (existing.owner !== undefined && core.ownerIndex.get(existing.owner) === id)
        dropOwners.push(existing.owner);
    } else if (known !== undefined) {
      for (const [o, n] of core.ownerIndex) if (n === id) dropOwners.push(o);
    }
  }
  for (const o of dropOwners) writes.push({ kind: 'ownerIndex', owner: o, nodeId: undefined });

  const sameKey = existing !== undefined && existing.publicKey === publicKey;
  const node: NodeRecord = {
    id,
    publicKey,
    realAddr: formatHostPort(ctx.remoteIp, portOf(listenAddr)),
    lanAddrs: lan,
    networks: existing?.networks ?? [0],
    public: existing?.public ?? false,
    hostname: existing?.hostname ?? '',
    tags: existing?.tags ?? [],
    taskExec: existing?.taskExec ?? false,
    relayOnly,
    lastSeen: ctx.now,
    keyCreatedAt: sameKey ? existing.keyCreatedAt : ctx.now,
  };
  const ownerValue = claimOwner ? owner : existing?.owner;
  if (ownerValue !== undefined) node.owner = ownerValue;
  if (version !== undefined) node.version = version;
  if (existing?.externalId !== undefined) node.externalId = existing.externalId;
  if (sameKey && existing.keyExpiresAt !== undefined) node.keyExpiresAt = existing.keyExpiresAt;
  if (proof === 'envelope' || existing?.reqsig === true) node.reqsig = true;

  const resp: JsonObject = {
    type: 'register_ok',
    node_id: id,
    network_id: 0,
    address: formatAddress(0, id),
    public_key: publicKey,
  };
  if (ownerError !== undefined) resp['owner_error'] = ownerError;
  if (hostname !== '') {
    try {
      validateHostname(hostname);
      const holder = core.hostnames.get(hostname);
      if (holder !== undefined && holder !== id)
        throw new RegistryRequestError('CONFLICT', `hostname "${hostname}" already in use`);
      node.hostname = hostname;
      resp['hostname'] = hostname;
    } catch (err) {
      resp['hostname_error'] = (err as Error).message;
    }
  }
  if (
    node.hostname !== '' &&
    resp['hostname'] === undefined &&
    core.hostnames.get(node.hostname) === id
  ) {
    resp['hostname'] = node.hostname;
  }
  await core.putNode(node, writes);
  if (known === undefined) core.keyIndex.set(publicKey, id);
  if (oldKey !== undefined && oldKey !== publicKey && core.keyIndex.get(oldKey) === id)
    core.keyIndex.delete(oldKey);
  if (claimOwner) core.ownerIndex.set(owner, id);
  for (const o of dropOwners) core.ownerIndex.delete(o);
  core.counters.registrations++;
  core.logger.info('node registered', {
    node_id: id,
    reused: known !== undefined,
    remote: ctx.remoteIp,
  });
  return resp;
}

/** Heartbeat logic shared by JSON and binary mode. */
export function heartbeatCore(
  core: RegistryCore,
  nodeId: number,
  signature: Uint8Array | undefined,
  ctx: RequestContext,
): { time: number; keyExpiryWarning: boolean } {
  const node = core.requireNode(nodeId, 'node not registered');
  core.authorize(node, challenges.heartbeat(nodeId), signature, ctx);
  core.touch(node, ctx.now);
  return {
    time: Math.floor(ctx.now / 1000),
    keyExpiryWarning: core.keyExpiryWarning(node, ctx.now),
  };
}

/** `heartbeat`; keys in the order the reference pre-builds them. */
export function heartbeat(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  const r = heartbeatCore(core, reqId(msg, 'node_id'), challengeSig(msg), ctx);
  return r.keyExpiryWarning
    ? { key_expiry_warning: true, time: r.time, type: 'heartbeat_ok' }
    : { time: r.time, type: 'heartbeat_ok' };
}

/** `deregister`: ok also for unknown nodes; keeps key/owner index, trust and inboxes. */
export async function deregister(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const id = reqId(msg, 'node_id');
  const node = core.nodes.get(id);
  core.authorize(node, challenges.deregister(id), challengeSig(msg), ctx);
  if (node) {
    await core.removeNodes([id]);
    core.counters.deregistrations++;
  }
  return { type: 'deregister_ok' };
}

/** Loads and authorises the node a settings change applies to. */
function update(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
  challenge: (node: number) => string,
): NodeRecord {
  const id = reqId(msg, 'node_id');
  const node = core.requireNode(id);
  core.authorize(node, challenge(id), challengeSig(msg), ctx);
  return node;
}

/** `set_hostname`: unique, validated; `''` clears. */
export async function setHostname(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const hostname = reqString(msg, 'hostname');
  const node = update(core, msg, ctx, challenges.setHostname);
  if (hostname !== '') {
    validateHostname(hostname);
    const holder = core.hostnames.get(hostname);
    if (holder !== undefined && holder !== node.id)
      throw new RegistryRequestError('CONFLICT', `hostname "${hostname}" already in use`);
  }
  await core.putNode({ ...node, hostname });
  return { type: 'set_hostname_ok', node_id: node.id, hostname };
}

/** `set_visibility`. */
export async function setVisibility(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const isPublic = reqBool(msg, 'public');
  const node = update(core, msg, ctx, challenges.setVisibility);
  await core.putNode({ ...node, public: isPublic });
  return {
    type: 'set_visibility_ok',
    node_id: node.id,
    visibility: isPublic ? 'public' : 'private',
  };
}

/** `set_tags`: leading `#` stripped, at most 10, each 1–32 chars. */
export async function setTags(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const tags = normaliseTags(msg['tags']);
  const node = update(core, msg, ctx, challenges.setTags);
  await core.putNode({ ...node, tags });
  return { type: 'set_tags_ok', node_id: node.id, tags };
}

/** `set_task_exec`. */
export async function setTaskExec(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const enabled = reqBool(msg, 'enabled');
  const node = update(core, msg, ctx, challenges.setTaskExec);
  await core.putNode({ ...node, taskExec: enabled });
  return { type: 'set_task_exec_ok', node_id: node.id, task_exec: enabled };
}

/** `rotate_key`: signed by the current key over `rotate:<node>`. */
export async function rotateKey(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const newKey = reqString(msg, 'new_public_key');
  if (!decodePublicKey(newKey))
    throw new RegistryRequestError(
      'BAD_REQUEST',
      'new_public_key must be a base64 Ed25519 public key',
    );
  const id = reqId(msg, 'node_id');
  const node = core.requireNode(id);
  core.authorize(node, challenges.rotate(id), challengeSig(msg), ctx);
  const holder = core.keyIndex.get(newKey);
  if (holder !== undefined && holder !== id)
    throw new RegistryRequestError('CONFLICT', 'new_public_key is already registered');
  const next: NodeRecord = { ...node, publicKey: newKey, keyCreatedAt: ctx.now };
  delete next.keyExpiresAt;
  const writes: StoreWrite[] = [{ kind: 'keyIndex', publicKey: newKey, nodeId: id }];
  if (node.publicKey !== '' && node.publicKey !== newKey)
    writes.push({ kind: 'keyIndex', publicKey: node.publicKey, nodeId: undefined });
  await core.putNode(next, writes);
  if (node.publicKey !== newKey) core.keyIndex.delete(node.publicKey);
  core.keyIndex.set(newKey, id);
  core.logger.info('key rotated', { node_id: id });
  return { type: 'rotate_key_ok', node_id: id, address: formatAddress(0, id), public_key: newKey };
}

/** `set_key_expiry`: `expires_at` as RFC 3339 or `never`. */
export async function setKeyExpiry(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  const value = reqString(msg, 'expires_at');
  const node = update(core, msg, ctx, challenges.setKeyExpiry);
  const next: NodeRecord = { ...node };
  if (value === 'never') delete next.keyExpiresAt;
  else {
    const t = Date.parse(value);
    if (!Number.isFinite(t) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      throw new RegistryRequestError(
        'BAD_REQUEST',
        'expires_at must be an RFC 3339 time or "never"',
      );
    }
    next.keyExpiresAt = t;
  }
  await core.putNode(next);
  return {
    type: 'set_key_expiry_ok',
    node_id: node.id,
    expires_at:
      next.keyExpiresAt === undefined ? 'never' : new Date(next.keyExpiresAt).toISOString(),
  };
}

/** `get_key_info`. */
export function getKeyInfo(core: RegistryCore, msg: JsonObject, ctx: RequestContext): JsonObject {
  const node = core.requireNode(reqId(msg, 'node_id'));
  const resp: JsonObject = {
    type: 'get_key_info_ok',
    node_id: node.id,
    public_key: node.publicKey,
    key_age_days: core.keyAgeDays(node, ctx.now),
    key_created_at: new Date(node.keyCreatedAt).toISOString(),
  };
  if (node.keyExpiresAt !== undefined)
    resp['expires_at'] = new Date(node.keyExpiresAt).toISOString();
  return resp;
}
