import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import { reqId, reqString } from '../util/fields.js';
import type { JsonObject } from '../util/fields.js';

/** `beacon_register` (admin token): entries live for the beacon TTL (60 s). */
export function beaconRegister(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): JsonObject {
  if (!ctx.isAdmin)
    throw new RegistryRequestError('UNAUTHORIZED', 'beacon_register requires a valid admin_token');
  const id = reqId(msg, 'beacon_id');
  if (id === 0) throw new RegistryRequestError('BAD_REQUEST', 'beacon_id must not be 0');
  const addr = reqString(msg, 'addr');
  if (addr === '' || addr.length > 256)
    throw new RegistryRequestError('BAD_REQUEST', 'invalid addr');
  core.beacons.set(id, { addr, expiresAt: ctx.now + core.config.beaconTtlMs });
  return { type: 'beacon_register_ok', beacon_id: id };
}

/** `beacon_list`: live beacons. */
export function beaconList(core: RegistryCore, _msg: JsonObject, ctx: RequestContext): JsonObject {
  const beacons: JsonObject[] = [];
  for (const [id, b] of core.beacons) if (b.expiresAt > ctx.now) beacons.push({ id, addr: b.addr });
  beacons.sort((a, b) => (a['id'] as number) - (b['id'] as number));
  return { type: 'beacon_list_ok', beacons };
}
