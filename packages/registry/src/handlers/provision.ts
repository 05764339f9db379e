// `provision_network` (§D.7): applies a network blueprint with the admin token. Everything is
// validated first (wire's validateBlueprint, the metadata-host screen, the expression policy), then
// the network record, the role changes and the audit entry are committed as one batch: nothing is
// half-applied. Reference: registry/wire/blueprint.go (fields and validation), registry/client
// ProvisionNetwork (`blueprint` object + `admin_token`).
import { parseBlueprint, validateBlueprint } from '@mesh/wire';
import type { NetworkBlueprint } from '@mesh/wire';
import { checkExprPolicy } from '../admin/expr-policy.js';
import { hostOf, isMetadataHost } from '../admin/metadata-hosts.js';
import { RegistryRequestError } from '../errors.js';
import type { RegistryCore, RequestContext } from '../state/registry-core.js';
import type { NetworkRecord } from '../state/records.js';
import type { JsonObject } from '../util/fields.js';
import { validateNetworkName } from '../util/names.js';
import { commitNetworkChange } from './network-admin.js';
import { readNetworkPolicy } from './network-policy.js';

/** Throws BAD_REQUEST naming the field. */
function bad(message: string): never {
  throw new RegistryRequestError('BAD_REQUEST', `invalid blueprint: ${message}`);
}

/** Parses and validates the `blueprint` field (object or JSON text). */
export function readBlueprint(value: unknown): NetworkBlueprint {
  if (value === undefined || value === null) bad('the blueprint field is required');
  let bp: NetworkBlueprint;
  try {
    bp = parseBlueprint(typeof value === 'string' ? value : JSON.stringify(value));
    validateBlueprint(bp);
  } catch (err) {
    if (err instanceof RegistryRequestError) throw err;
    bad((err as Error).message);
  }
  const urls: [string, string | undefined][] = [
    ['identity_provider.url', bp.identity_provider?.url],
    ['webhooks.audit_url', bp.webhooks?.audit_url],
    ['webhooks.identity_url', bp.webhooks?.identity_url],
    ['audit_export.endpoint', bp.audit_export?.endpoint],
  ];
  for (const [field, url] of urls) {
    if (url === undefined || url === '') continue;
    const host = hostOf(url);
    if (host !== undefined && isMetadataHost(host))
      bad(`${field}: ${JSON.stringify(url)} targets a cloud metadata endpoint (${host})`);
  }
  return bp;
}

/** `provision_network` (admin token): creates or updates the network named by the blueprint. */
export async function provisionNetwork(
  core: RegistryCore,
  msg: JsonObject,
  ctx: RequestContext,
): Promise<JsonObject> {
  if (!ctx.isAdmin)
    throw new RegistryRequestError(
      'UNAUTHORIZED',
      'provision_network requires a valid admin_token',
    );
  const bp = readBlueprint(msg['blueprint']);
  try {
    validateNetworkName(bp.name);
  } catch (err) {
    bad(`name: ${(err as Error).message}`);
  }
  const exprPolicy =
    bp.expr_policy === undefined
      ? undefined
      : checkExprPolicy(bp.expr_policy, 'blueprint.expr_policy');
  const existing = [...core.networks.values()].find((n) => n.name === bp.name);
  const policyFields = (bp.policy ?? {}) as JsonObject;
  const policy =
    bp.policy === undefined
      ? existing?.policy
      : readNetworkPolicy(policyFields, existing?.policy, 'policy.');
  const id = existing?.id ?? core.nextNet;
  if (id > 0xffff) throw new RegistryRequestError('LIMIT', 'network id space exhausted');
  const joinRule = (
    bp.join_rule === undefined || bp.join_rule === '' ? 'open' : bp.join_rule
  ) as NetworkRecord['joinRule'];
  const net: NetworkRecord = { ...(existing ?? { id, name: bp.name, created: ctx.now }), joinRule };
  if (bp.join_token !== undefined && bp.join_token !== '') net.token = bp.join_token;
  if (joinRule !== 'token') delete net.token;
  if (bp.enterprise !== undefined) net.enterprise = bp.enterprise;
  if (policy !== undefined) net.policy = policy;
  if (exprPolicy !== undefined) net.exprPolicy = exprPolicy;
  if (bp.network_admin_token !== undefined && bp.network_admin_token !== '')
    net.networkAdminToken = bp.network_admin_token;
  const roles = { ...(net.roles ?? {}) };
  const unmatched: string[] = [];
  for (const r of bp.roles ?? []) {
    const node = [...core.nodes.values()].find((n) => n.externalId === r.external_id);
    if (!node) {
      unmatched.push(r.external_id);
      continue;
    }
    if (r.role === 'member') delete roles[String(node.id)];
    else roles[String(node.id)] = r.role as 'owner' | 'admin';
  }
  net.roles = roles;
  await commitNetworkChange(
    core,
    ctx,
    net,
    {
      action: 'provision_network',
      networkId: id,
      details: `${existing ? 'updated' : 'created'} ${bp.name}`,
    },
    [],
    existing ? [] : [{ kind: 'meta', key: 'next_net', value: id + 1 }],
  );
  if (!existing) core.nextNet = id + 1;
  core.membersOf(id);
  return {
    type: 'provision_network_ok',
    network_id: id,
    name: bp.name,
    created: !existing,
    join_rule: joinRule,
    ...(unmatched.length > 0 ? { unmatched_roles: unmatched } : {}),
  };
}
