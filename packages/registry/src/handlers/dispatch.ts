import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestAuth, RequestContext } from '../state/registry-core.js';
import type { JsonObject } from '../util/fields.js';
import { beaconList, beaconRegister } from './beacons.js';
import {
  deleteNetwork,
  demoteMember,
  getAuditLog,
  getMemberRole,
  kickMember,
  promoteMember,
  renameNetwork,
  setNetworkEnterprise,
  transferOwnership,
} from './network-admin.js';
import {
  getExprPolicy,
  getMemberTags,
  getNetworkPolicy,
  setExprPolicy,
  setMemberTags,
  setNetworkPolicy,
} from './network-policy.js';
import { provisionNetwork } from './provision.js';
import { listNodes, lookup, punch, resolve, resolveHostname } from './discovery.js';
import {
  createNetwork,
  inviteToNetwork,
  joinNetwork,
  leaveNetwork,
  listNetworks,
  pollInvites,
  respondInvite,
} from './networks.js';
import {
  deregister,
  getKeyInfo,
  heartbeat,
  register,
  rotateKey,
  setHostname,
  setKeyExpiry,
  setTags,
  setTaskExec,
  setVisibility,
} from './nodes.js';
import {
  checkTrust,
  pollHandshakes,
  reportTrust,
  requestHandshake,
  respondHandshake,
  revokeTrust,
} from './trust.js';

/** A JSON message handler; handlers that write return a promise that settles after the commit. */
export type Handler = (
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
) => JsonObject | Promise<JsonObject>;

/** Every JSON message type the registry serves. */
export const handlers: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['register', register],
  ['lookup', lookup],
  ['resolve', resolve],
  ['resolve_hostname', resolveHostname],
  ['set_hostname', setHostname],
  ['set_visibility', setVisibility],
  ['set_tags', setTags],
  ['set_task_exec', setTaskExec],
  ['heartbeat', heartbeat],
  ['deregister', deregister],
  ['report_trust', reportTrust],
  ['revoke_trust', revokeTrust],
  ['check_trust', checkTrust],
  ['request_handshake', requestHandshake],
  ['poll_handshakes', pollHandshakes],
  ['respond_handshake', respondHandshake],
  ['punch', punch],
  ['list_networks', listNetworks],
  ['list_nodes', listNodes],
  ['create_network', createNetwork],
  ['join_network', joinNetwork],
  ['leave_network', leaveNetwork],
  ['invite_to_network', inviteToNetwork],
  ['poll_invites', pollInvites],
  ['respond_invite', respondInvite],
  ['rotate_key', rotateKey],
  ['set_key_expiry', setKeyExpiry],
  ['get_key_info', getKeyInfo],
  ['delete_network', deleteNetwork],
  ['rename_network', renameNetwork],
  ['set_network_enterprise', setNetworkEnterprise],
  ['promote_member', promoteMember],
  ['demote_member', demoteMember],
  ['kick_member', kickMember],
  ['transfer_ownership', transferOwnership],
  ['get_member_role', getMemberRole],
  ['get_audit_log', getAuditLog],
  ['set_member_tags', setMemberTags],
  ['get_member_tags', getMemberTags],
  ['set_network_policy', setNetworkPolicy],
  ['get_network_policy', getNetworkPolicy],
  ['set_expr_policy', setExprPolicy],
  ['get_expr_policy', getExprPolicy],
  ['provision_network', provisionNetwork],
  ['beacon_register', beaconRegister],
  ['beacon_list', beaconList],
]);

/** How often a request whose write met a newer shared state is re-run against the refreshed cache. */
const STALE_RETRIES = 8;

/**
 * Runs one JSON request; throws (or rejects) with {@link RegistryRequestError} for refusals.
 * Requests of one registry run one at a time: a request that writes holds the others back until
 * its write is durable, so no request sees (or builds on) state that is not committed yet. Reads
 * with nothing pending answer synchronously.
 */
export function dispatch(
  core: RegistryCore,
  type: string,
  msg: JsonObject,
  ctx: RequestContext,
): JsonObject | Promise<JsonObject> {
  const handler = handlers.get(type);
  if (!handler) throw new RegistryRequestError('UNKNOWN_TYPE', `unknown message type "${type}"`);
  // One auth state for every run of this request: a re-run must not see its own nonce as a replay.
  const auth: RequestAuth = { message: msg, claimed: new Set(), latched: [] };
  const run: Run = (c) => persistLatch(core, auth, () => handler(core, msg, { ...c, auth }));
  if (core.pending === undefined) {
    const result = run(ctx);
    if (!(result instanceof Promise)) return result;
    return core.hold(retryStale(core, run, ctx, result));
  }
  return core.hold(core.pending.then(() => retryStale(core, run, ctx, run(ctx))));
}

/** One run of a request's handler. */
type Run = (ctx: RequestContext) => JsonObject | Promise<JsonObject>;

/**
 * Runs `work`; when it latched a node to envelope-only authentication, persists that node record
 * before the answer goes out (also when the request itself is refused: the envelope was valid).
 */
function persistLatch(
  core: RegistryCore,
  auth: RequestAuth,
  work: () => JsonObject | Promise<JsonObject>,
): JsonObject | Promise<JsonObject> {
  const mark = auth.latched.length;
  let result: JsonObject | Promise<JsonObject>;
  try {
    result = work();
  } catch (err) {
    if (auth.latched.length === mark) throw err;
    result = Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
  if (auth.latched.length === mark && !(result instanceof Promise)) return result;
  return Promise.resolve(result).then(
    async (r) => {
      await writeLatched(core, auth, mark);
      return r;
    },
    async (err: unknown) => {
      await writeLatched(core, auth, mark).catch(() => undefined);
      throw err;
    },
  );
}

/** Writes the records of nodes latched since `mark` (their in-memory record already says so). */
async function writeLatched(core: RegistryCore, auth: RequestAuth, mark: number): Promise<void> {
  const ids = auth.latched.splice(mark);
  const writes = ids.flatMap((id) => {
    const node = core.nodes.get(id);
    return node ? [{ kind: 'node' as const, node }] : [];
  });
  if (writes.length > 0) await core.commit(writes);
}

/** Re-runs a request whose commit was refused because this instance's cache was behind. */
async function retryStale(
  core: RegistryCore,
  run: Run,
  ctx: RequestContext,
  first: JsonObject | Promise<JsonObject>,
): Promise<JsonObject> {
  let attempt: JsonObject | Promise<JsonObject> = first;
  for (let i = 0; ; i++) {
    try {
      return await attempt;
    } catch (err) {
      if (!isStale(err) || i >= STALE_RETRIES || !core.store.caughtUp) throw err;
      try {
        await core.store.caughtUp();
      } catch (e) {
        throw new RegistryRequestError(
          'STORE',
          `registry store unavailable (nothing was saved; retry later): ${(e as Error).message}`,
          { cause: e },
        );
      }
      try {
        attempt = run({ ...ctx, rerun: true });
      } catch (e) {
        attempt = Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      attempt = Promise.resolve(attempt).finally(() => core.store.release?.());
    }
  }
}

/** A commit refused because the shared store moved on (see `RegistryStore.caughtUp`). */
function isStale(err: unknown): boolean {
  return (
    err instanceof RegistryRequestError &&
    err.cause instanceof Error &&
    (err.cause as { code?: unknown }).code === 'STALE_CACHE'
  );
}
