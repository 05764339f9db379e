import { WireError } from '../errors/wire-error.js';
import type {
  BlueprintAuditExport,
  BlueprintIdentityProvider,
  BlueprintPolicy,
  BlueprintRole,
  BlueprintWebhooks,
  NetworkBlueprint,
} from './types.js';

// Decodes an untyped value into a NetworkBlueprint the way Go's json.Unmarshal fills the struct:
// unknown fields are ignored, null and absent give the zero value, a wrong JSON type is an error
// naming the field. Empty optional fields are dropped, mirroring `omitempty`.

type Obj = Record<string, unknown>;

/** Throws INVALID: `path` should be `want`. */
function bad(path: string, want: string, got: unknown): never {
  const kind = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
  throw new WireError('INVALID', `${path} must be ${want}, got ${kind}`);
}

/** The object at `path`, or undefined for absent/null. */
function object(value: unknown, path: string): Obj | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) bad(path, 'an object', value);
  return value as Obj;
}

/** A string field; absent or null is "". */
function str(o: Obj, key: string, path: string): string {
  const v = o[key];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') bad(`${path}${key}`, 'a string', v);
  return v;
}

/** Copies the non-empty string fields `keys` of `o` onto `out`. */
function optionalStrings(out: Obj, o: Obj, keys: string[], path: string): void {
  for (const k of keys) {
    const v = str(o, k, path);
    if (v !== '') out[k] = v;
  }
}

/** Decodes the `policy` section. */
function decodePolicy(o: Obj): BlueprintPolicy {
  const out: BlueprintPolicy = {};
  const max = o.max_members;
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number' || !Number.isSafeInteger(max))
      bad('policy.max_members', 'an integer', max);
    if (max !== 0) out.max_members = max;
  }
  const ports = o.allowed_ports;
  if (ports !== undefined && ports !== null) {
    if (!Array.isArray(ports)) bad('policy.allowed_ports', 'an array', ports);
    ports.forEach((p: unknown, i) => {
      if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p > 0xffff) {
        throw new WireError(
          'INVALID',
          `policy.allowed_ports[${i}] must be a port number 0..65535, got ${JSON.stringify(p)}`,
        );
      }
    });
    if (ports.length > 0) out.allowed_ports = [...(ports as number[])];
  }
  optionalStrings(out as Obj, o, ['description'], 'policy.');
  return out;
}

/** Decodes and shape-checks a blueprint; throws INVALID naming the offending field. */
export function decodeBlueprint(value: unknown): NetworkBlueprint {
  const o = object(value, 'blueprint') ?? {};
  const bp: NetworkBlueprint = { name: str(o, 'name', '') };
  optionalStrings(bp as unknown as Obj, o, ['join_rule', 'join_token'], '');
  if (o.enterprise !== undefined && o.enterprise !== null) {
    if (typeof o.enterprise !== 'boolean') bad('enterprise', 'a boolean', o.enterprise);
    if (o.enterprise) bp.enterprise = true;
  }
  const policy = object(o.policy, 'policy');
  if (policy) bp.policy = decodePolicy(policy);
  // expr_policy is raw JSON in the reference: any value but absent is kept and checked by validation.
  if (o.expr_policy !== undefined) bp.expr_policy = o.expr_policy as Record<string, unknown>;
  if (o.roles !== undefined && o.roles !== null) {
    if (!Array.isArray(o.roles)) bad('roles', 'an array', o.roles);
    if (o.roles.length > 0) {
      bp.roles = o.roles.map((r: unknown, i): BlueprintRole => {
        const ro = object(r, `roles[${i}]`) ?? {};
        return {
          external_id: str(ro, 'external_id', `roles[${i}].`),
          role: str(ro, 'role', `roles[${i}].`),
        };
      });
    }
  }
  const idp = object(o.identity_provider, 'identity_provider');
  if (idp) {
    const out: BlueprintIdentityProvider = {
      type: str(idp, 'type', 'identity_provider.'),
      url: str(idp, 'url', 'identity_provider.'),
    };
    optionalStrings(
      out as unknown as Obj,
      idp,
      ['issuer', 'client_id', 'tenant_id', 'domain'],
      'identity_provider.',
    );
    bp.identity_provider = out;
  }
  const hooks = object(o.webhooks, 'webhooks');
  if (hooks) {
    const out: BlueprintWebhooks = {};
    optionalStrings(out as Obj, hooks, ['audit_url', 'identity_url'], 'webhooks.');
    bp.webhooks = out;
  }
  const audit = object(o.audit_export, 'audit_export');
  if (audit) {
    const out: BlueprintAuditExport = {
      format: str(audit, 'format', 'audit_export.'),
      endpoint: str(audit, 'endpoint', 'audit_export.'),
    };
    optionalStrings(out as unknown as Obj, audit, ['token', 'index', 'source'], 'audit_export.');
    bp.audit_export = out;
  }
  optionalStrings(bp as unknown as Obj, o, ['network_admin_token'], '');
  return bp;
}
